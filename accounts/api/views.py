from django.db.models import OuterRef, Subquery
from rest_framework import mixins, permissions, viewsets

from ..access import managed_organizations, organizations_for
from ..models import Membership, Organization, Role
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
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular builds the schema with an anonymous request.
            return Organization.objects.none()
        user = self.request.user
        if self.action in ("update", "partial_update"):
            organizations = managed_organizations(user)
        else:
            organizations = organizations_for(user)
        role = Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")[:1]
        return organizations.annotate(user_role=Subquery(role)).order_by("name")

    def perform_create(self, serializer):
        organization = create_organization(user=self.request.user, **serializer.validated_data)
        organization.user_role = Role.OWNER
        serializer.instance = organization
