"""API of the ROA state of a user's space and its history, and of the lessee's maxLength request."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.access import managed_organizations

from .. import selectors, services
from ..exceptions import RpkiError
from .serializers import BlockStateSerializer, LeaseStateSerializer, PublishedRoaSerializer, RoaChangeSerializer


class MaxLengthSerializer(serializers.Serializer):
    max_length = serializers.IntegerField(help_text="maxLength of the lease's ROA, from its prefix length to 32.")


class PublishedRoaViewSet(viewsets.ReadOnlyModelViewSet):
    """ROAs published for the user's blocks and leases. With `?history=true` removed ones are included."""

    serializer_class = PublishedRoaSerializer
    filterset_fields = ["purpose", "asn", "lease", "block"]
    ordering = ["prefix", "asn"]

    def get_queryset(self):
        queryset = selectors.roas_for(self.request.user)
        if self.request.query_params.get("history") not in ("true", "1"):
            queryset = queryset.filter(removed_at=None)
        return queryset.order_by("prefix", "asn", "pk")


class RoaChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """ROA changes in the user's blocks and leases, newest request first."""

    serializer_class = RoaChangeSerializer
    filterset_fields = ["status", "action", "lease", "block"]

    def get_queryset(self):
        return selectors.changes_for(self.request.user).order_by("-requested_at", "-pk")


class BlockStateViewSet(viewsets.ReadOnlyModelViewSet):
    """The ROA state of each block the user's organisations hold."""

    serializer_class = BlockStateSerializer

    def get_queryset(self):
        return selectors.visible_blocks(self.request.user).order_by("prefix")

    @action(detail=True)
    def history(self, request, pk=None):
        block = self.get_object()
        changes = self.paginate_queryset(selectors.block_changes(block).order_by("-requested_at", "-pk"))
        return self.get_paginated_response(RoaChangeSerializer(changes, many=True).data)


class LeaseStateViewSet(viewsets.ReadOnlyModelViewSet):
    """The ROA state of each lease of the user's organisations."""

    serializer_class = LeaseStateSerializer

    def get_queryset(self):
        return selectors.visible_leases(self.request.user).order_by("prefix", "pk")

    @action(detail=True)
    def history(self, request, pk=None):
        lease = self.get_object()
        changes = self.paginate_queryset(selectors.lease_changes(lease).order_by("-requested_at", "-pk"))
        return self.get_paginated_response(RoaChangeSerializer(changes, many=True).data)

    @extend_schema(request=MaxLengthSerializer, responses=LeaseStateSerializer)
    @action(detail=True, methods=["post"], url_path="max-length")
    def max_length(self, request, pk=None):
        """Request a maxLength for the lease's ROA, from the prefix length up to 32."""
        lease = self.get_object()
        if not managed_organizations(request.user).filter(pk=lease.lessee_id).exists():
            return Response(
                {"detail": "Only the lessee's owners, administrators and technical contacts may change its ROA."},
                status=status.HTTP_403_FORBIDDEN,
            )
        body = MaxLengthSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.request_max_length(lease, body.validated_data["max_length"])
        except RpkiError as exc:
            raise ValidationError({"max_length": [str(exc)]}) from None
        return Response(self.get_serializer(lease).data)

