from rest_framework import status
from rest_framework.response import Response

from ..exceptions import InvalidTransition, LeaseConflict


def lease_error_response(error):
    """Turn a LeaseError into a response: 409 for taken space or a wrong state, else 400."""
    conflict = isinstance(error, (LeaseConflict, InvalidTransition))
    return Response(
        {"detail": error.message, "code": error.code},
        status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST,
    )
