"""Read-only API of the ROA state of a user's space and its history."""

from rest_framework import viewsets
from rest_framework.decorators import action

from .. import selectors
from .serializers import BlockStateSerializer, LeaseStateSerializer, PublishedRoaSerializer, RoaChangeSerializer


class PublishedRoaViewSet(viewsets.ReadOnlyModelViewSet):
    """ROAs published for the user's blocks and leases; `?history=true` includes removed ones."""

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
