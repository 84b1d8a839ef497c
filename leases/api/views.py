from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import managed_organizations, organizations_for

from .. import services
from ..exceptions import LeaseError
from ..models import Lease
from .errors import lease_error_response
from .filters import LeaseFilter
from .serializers import LeaseDetailSerializer, LeaseSerializer, OriginAsnSerializer

# Actions that change a lease; only members who manage the lessee may use them.
LESSEE_ACTIONS = ("update", "partial_update", "activate", "cancel")


class LeaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Leases the user's organisations rent, and leases in their blocks (read-only for holders).

    PATCH changes only the origin ASN.
    """

    permission_classes = [permissions.IsAuthenticated]
    filterset_class = LeaseFilter
    ordering_fields = ["created_at", "prefix", "state"]
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        if self.action in LESSEE_ACTIONS:
            leases = Lease.objects.filter(lessee__in=managed_organizations(user))
        else:
            organizations = organizations_for(user)
            leases = Lease.objects.filter(
                Q(lessee__in=organizations) | Q(block__holder__in=organizations)
            )
        return leases.select_related("lessee", "block__holder").order_by("-created_at", "-pk")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return LeaseDetailSerializer
        if self.action == "partial_update":
            return OriginAsnSerializer
        return LeaseSerializer

    @extend_schema(request=OriginAsnSerializer, responses=LeaseSerializer)
    def partial_update(self, request, *args, **kwargs):
        lease = self.get_object()
        serializer = OriginAsnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.set_origin_asn(lease, serializer.validated_data["origin_asn"], user=request.user)
        except LeaseError as error:
            return lease_error_response(error)
        return Response(LeaseSerializer(lease, context={"request": request}).data)

    @extend_schema(request=None, responses=LeaseSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Turn the reservation into a running lease; 409 when it lapsed or is not a reservation."""
        return self._change(request, services.activate)

    @extend_schema(request=None, responses=LeaseSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a reservation and free its prefix."""
        return self._change(request, services.cancel_reservation)

    def _change(self, request, change):
        lease = self.get_object()
        try:
            change(lease, user=request.user)
        except LeaseError as error:
            return lease_error_response(error)
        return Response(LeaseSerializer(lease, context={"request": request}).data)
