from rest_framework import serializers

from ..models import BlocklistListing, PtrAssignment, PtrChange, PtrFlag


class PtrAssignmentSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="address_text", read_only=True)
    updated_by = serializers.StringRelatedField()

    class Meta:
        model = PtrAssignment
        fields = ["id", "lease", "address", "hostname", "updated_by", "updated_at"]


class PtrWriteSerializer(serializers.Serializer):
    lease = serializers.IntegerField(help_text="Id of an active or suspended lease of yours.")
    address = serializers.IPAddressField(protocol="IPv4")
    hostname = serializers.CharField(allow_blank=True, max_length=254,
                                     help_text="The PTR name; empty removes the PTR.")


class PtrChangeSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="address_text", read_only=True)
    actor = serializers.StringRelatedField()

    class Meta:
        model = PtrChange
        fields = ["id", "lease", "address", "old_hostname", "new_hostname", "changed_at", "source",
                  "actor"]


class PtrFlagSerializer(serializers.ModelSerializer):
    class Meta:
        model = PtrFlag
        fields = ["id", "kind", "lease", "observed", "threshold", "detail", "examples", "raised_at",
                  "resolved_at"]


class BlocklistListingSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="address_text", read_only=True)
    zone = serializers.CharField(source="zone.name")

    class Meta:
        model = BlocklistListing
        fields = ["id", "zone", "address", "lease", "kind", "codes", "reason", "listed_at",
                  "delisted_at"]
