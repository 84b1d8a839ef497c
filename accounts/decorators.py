from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .access import can_manage


def organization_required(manage=False):
    """Require a logged-in user with a current organisation.

    With `manage`, the user must also hold a managing role (owner, admin,
    technical) in it, because the view changes the organisation's objects.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.organization is None:
                messages.info(
                    request, "Create an organisation first: every block and lease belongs to one."
                )
                return redirect("organization-create")
            if manage and not can_manage(request.user, request.organization):
                raise PermissionDenied(
                    f"Your role in {request.organization.name} does not allow changes."
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
