from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leases.models import Lease
from marketplace.models import IPBlock

from .. import selectors
from ..models import PublishedRoa, RoaChange


class PublishedRoaSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField()

    class Meta:
        model = PublishedRoa
        fields = ["id", "prefix", "asn", "max_length", "purpose", "block", "lease", "published_at", "removed_at"]


class RoaChangeSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField()

    class Meta:
        model = RoaChange
        fields = [
            "id", "action", "prefix", "asn", "max_length", "purpose", "block", "lease", "reason", "status",
            "requested_at", "published_at", "attempts",
        ]


class SpaceStateMixin(serializers.Serializer):
    roa_state = serializers.SerializerMethodField()
    roas = serializers.SerializerMethodField()

    def live_roas(self, obj):
        raise NotImplementedError

    @extend_schema_field(OpenApiTypes.STR)
    def get_roa_state(self, obj):
        return selectors.roa_state(self.live_roas(obj))[0]

    @extend_schema_field(PublishedRoaSerializer(many=True))
    def get_roas(self, obj):
        return PublishedRoaSerializer(self.live_roas(obj), many=True).data


class BlockStateSerializer(SpaceStateMixin, serializers.ModelSerializer):
    prefix = serializers.CharField()

    class Meta:
        model = IPBlock
        fields = ["id", "prefix", "roa_state", "roas"]

    def live_roas(self, obj):
        return list(selectors.block_roas(obj).filter(removed_at=None).order_by("prefix", "asn"))


class LeaseStateSerializer(SpaceStateMixin, serializers.ModelSerializer):
    prefix = serializers.CharField()
    suspension_publication_delay_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Lease
        fields = ["id", "prefix", "state", "origin_asn", "roa_state", "roas", "suspension_publication_delay_seconds"]

    def live_roas(self, obj):
        return list(selectors.lease_roas(obj).filter(removed_at=None).order_by("prefix", "asn"))

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_suspension_publication_delay_seconds(self, obj):
        delay = selectors.suspension_publication_delay(obj)
        return None if delay is None else delay.total_seconds()
