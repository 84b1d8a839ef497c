from rest_framework import mixins, permissions, viewsets

from ..access import managed_organizations, organizations_for
from ..services import create_organization
from .serializers import OrganizationSerializer


class OrganizationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The organisations the user is a member of. POST creates one with the user as its owner."""

    serializer_class = OrganizationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["country"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        if self.action in ("update", "partial_update"):
            return managed_organizations(self.request.user).order_by("name")
        return organizations_for(self.request.user).order_by("name")

    def perform_create(self, serializer):
        serializer.instance = create_organization(user=self.request.user, **serializer.validated_data)
