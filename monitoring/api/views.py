from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors
from ..ptrmanage import set_ptr
from ..zones import zones_for_lease
from .serializers import (
    BlocklistListingSerializer, PtrAssignmentSerializer, PtrChangeSerializer, PtrFlagSerializer,
    PtrWriteSerializer,
)


class PtrAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """PTR records set through the platform for your leased addresses.

    POST sets or (with an empty hostname) removes the PTR of one address.
    """

    serializer_class = PtrAssignmentSerializer
    filterset_fields = ["lease"]

    def get_queryset(self):
        return selectors.visible_assignments(self.request.user)

    @extend_schema(request=PtrWriteSerializer, responses=PtrAssignmentSerializer)
    def create(self, request):
        incoming = PtrWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        lease = get_object_or_404(selectors.visible_leases(request.user),
                                  pk=incoming.validated_data["lease"])
        try:
            assignment = set_ptr(lease=lease, address=incoming.validated_data["address"],
                                 hostname=incoming.validated_data["hostname"], user=request.user)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"detail": exc.messages}) from exc
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(PtrAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class PtrChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """The PTR change log of your leased addresses: scans and changes made here."""

    serializer_class = PtrChangeSerializer
    filterset_fields = ["lease", "source"]

    def get_queryset(self):
        return selectors.visible_changes(self.request.user)


class PtrFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """PTR churn and pattern flags raised on your organisations."""

    serializer_class = PtrFlagSerializer
    filterset_fields = ["kind", "lease"]

    def get_queryset(self):
        return selectors.visible_flags(self.request.user)


class BlocklistListingViewSet(viewsets.ReadOnlyModelViewSet):
    """Blocklist entries of your leased addresses, current and past."""

    serializer_class = BlocklistListingSerializer
    filterset_fields = ["kind", "lease"]

    def get_queryset(self):
        return selectors.visible_listings(self.request.user)


class LeaseZoneViewSet(viewsets.GenericViewSet):
    """Zone files for a lease's PTR records (RFC 2317 form below a /24)."""

    def get_queryset(self):
        return selectors.visible_leases(self.request.user)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def zones(self, request, pk=None):
        lease = self.get_object()
        return Response({"lease": lease.pk, "prefix": str(lease.prefix),
                         "zones": [{"name": name, "text": text}
                                   for name, text in zones_for_lease(lease)]})
