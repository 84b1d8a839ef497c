from rest_framework import serializers

from accounts.access import managed_organizations

from ..choices import Term
from ..models import MAX_ASN, Lease, LeaseEvent


class LeaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    # Plain strings: a second enum over the lease states would give the schema two names for one set.
    from_state = serializers.CharField(read_only=True)
    to_state = serializers.CharField(read_only=True)

    class Meta:
        model = LeaseEvent
        fields = ["kind", "from_state", "to_state", "actor", "note", "created_at"]


class LeaseSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(read_only=True)
    block = serializers.CharField(source="block.prefix", read_only=True)
    holder = serializers.CharField(source="block.holder.name", read_only=True)
    lessee_name = serializers.CharField(source="lessee.name", read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    address_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Lease
        fields = [
            "id", "listing", "block", "holder", "lessee", "lessee_name", "prefix", "address_count",
            "term", "price_per_ip_month", "currency", "starts_at", "ends_at", "auto_renew",
            "origin_asn", "state", "reserved_until", "activated_at", "suspended_at",
            "suspension_reason", "ended_at", "cancelled_at", "renewal_count", "created_at",
        ]
        read_only_fields = [field for field in fields if field != "origin_asn"]


class LeaseDetailSerializer(LeaseSerializer):
    events = LeaseEventSerializer(many=True, read_only=True)

    class Meta(LeaseSerializer.Meta):
        fields = [*LeaseSerializer.Meta.fields, "events"]


class OriginAsnSerializer(serializers.Serializer):
    origin_asn = serializers.IntegerField(min_value=1, max_value=MAX_ASN, allow_null=True)


class RentSerializer(serializers.Serializer):
    prefix_length = serializers.IntegerField(min_value=8, max_value=32)
    term = serializers.ChoiceField(choices=Term.choices)
    origin_asn = serializers.IntegerField(min_value=1, max_value=MAX_ASN, required=False, allow_null=True)
    auto_renew = serializers.BooleanField(default=True)
    activate = serializers.BooleanField(
        default=True,
        help_text="Activate at once (true) or only reserve the prefix for the checkout hold (false).",
    )
    lessee = serializers.IntegerField(
        required=False,
        help_text="Id of the renting organisation; required when the user manages more than one.",
    )

    def validate_lessee(self, organization_id):
        user = self.context["request"].user
        organization = managed_organizations(user).filter(pk=organization_id).first()
        if organization is None:
            raise serializers.ValidationError(
                f"Organisation {organization_id} is not one you manage; "
                "use the id of an organisation in which you are owner, admin or technical contact."
            )
        return organization

    def validate(self, data):
        if "lessee" in data:
            return data
        managed = list(managed_organizations(self.context["request"].user)[:2])
        if not managed:
            raise serializers.ValidationError(
                {"lessee": "You manage no organisation; create one with POST /api/organizations/."}
            )
        if len(managed) > 1:
            raise serializers.ValidationError(
                {"lessee": "You manage several organisations; name the renting one in lessee."}
            )
        data["lessee"] = managed[0]
        return data
