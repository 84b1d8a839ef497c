from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.access import managed_organizations
from core.ipspace import validate_block_prefix
from core.validators import country_code, currency_code

from ..models import IPBlock, Listing
from ..verification import is_pending_roa_proof, roa_proof_for


def _managed_organization(request, organization_id, field):
    """Return the organisation `organization_id` when the user manages it, or the only one they manage."""
    managed = managed_organizations(request.user)
    if organization_id is not None:
        organization = managed.filter(pk=organization_id).first()
        if organization is None:
            raise serializers.ValidationError(
                {field: f"Organisation {organization_id} is not one you manage; "
                 "use the id of an organisation in which you are owner, admin or technical contact."}
            )
        return organization
    candidates = list(managed[:2])
    if len(candidates) != 1:
        raise serializers.ValidationError(
            {field: "Name the organisation: you manage "
             + ("none; create one with POST /api/organizations/." if not candidates else "several.")}
        )
    return candidates[0]


class RoaProofSerializer(serializers.Serializer):
    """The ROA a holder creates to prove control of a block, while the proof is pending."""

    prefix = serializers.CharField()
    origin_asn = serializers.IntegerField(source="asn")
    max_length = serializers.IntegerField()
    deadline = serializers.DateTimeField(
        help_text="The proof fails when the ROA has not appeared by then."
    )
    instructions = serializers.CharField()


class BlockSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(
        help_text="CIDR notation as registered with the RIR, for example 203.0.113.0/24. "
        "Fixed after creation."
    )
    holder = serializers.IntegerField(
        source="holder_id", required=False,
        help_text="Id of the holding organisation; required when the user manages more than one.",
    )
    address_count = serializers.IntegerField(read_only=True)
    listing = serializers.PrimaryKeyRelatedField(read_only=True)
    roa_proof = serializers.SerializerMethodField(
        help_text="The ROA to create while a ROA proof is pending, otherwise null. "
        "POST verify/ starts the proof."
    )

    class Meta:
        model = IPBlock
        fields = [
            "id", "prefix", "holder", "rir", "country", "description", "address_count",
            "verification_status", "verification_method", "verified_at", "verification_requested_at",
            "proof_asn", "verification_note", "roa_proof", "listing", "created_at", "updated_at",
        ]
        read_only_fields = [
            "verification_status", "verification_method", "verified_at", "verification_requested_at",
            "proof_asn", "verification_note", "created_at", "updated_at",
        ]

    @extend_schema_field(RoaProofSerializer(allow_null=True))
    def get_roa_proof(self, block):
        if not is_pending_roa_proof(block):
            return None
        return RoaProofSerializer(roa_proof_for(block)).data

    def validate_prefix(self, value):
        if self.instance is not None and value != str(self.instance.prefix):
            raise serializers.ValidationError(
                f"The prefix of block {self.instance.prefix} cannot change to {value}; "
                "delete the block and add the new one."
            )
        try:
            return validate_block_prefix(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_country(self, value):
        return country_code(value)

    def validate(self, data):
        if self.instance is None:
            data["holder"] = _managed_organization(
                self.context["request"], data.pop("holder_id", None), "holder"
            )
        elif "holder_id" in data and data.pop("holder_id") != self.instance.holder_id:
            raise serializers.ValidationError({"holder": "The holder of a block cannot change."})
        return data


class ListingSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(source="block.prefix", read_only=True)
    rir = serializers.CharField(source="block.rir", read_only=True)
    country = serializers.CharField(source="block.country", read_only=True)
    holder = serializers.CharField(source="block.holder.name", read_only=True)
    rentable_prefix_lengths = serializers.ListField(
        child=serializers.IntegerField(), read_only=True
    )
    block = serializers.PrimaryKeyRelatedField(
        queryset=IPBlock.objects.all(), help_text="Id of one of your blocks."
    )

    class Meta:
        model = Listing
        fields = [
            "id", "block", "prefix", "rir", "country", "holder", "price_per_ip_month", "currency",
            "terms", "yearly_discount_percent", "allow_split", "max_prefix_length",
            "rentable_prefix_lengths", "status", "description", "published_at", "created_at",
        ]
        read_only_fields = ["status", "published_at", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            fields["block"].queryset = IPBlock.objects.filter(
                holder__in=managed_organizations(request.user)
            )
        return fields

    def validate_block(self, block):
        if self.instance is not None and block.pk != self.instance.block_id:
            raise serializers.ValidationError("The block of a listing cannot change.")
        if self.instance is None and Listing.objects.filter(block=block).exists():
            raise serializers.ValidationError(
                f"Block {block.prefix} already has a listing; change that listing instead."
            )
        return block

    def validate_currency(self, value):
        return currency_code(value)

    def validate(self, data):
        block = data.get("block") or self.instance.block
        length = data.get("max_prefix_length", getattr(self.instance, "max_prefix_length", 24))
        if length < block.prefix.prefixlen:
            raise serializers.ValidationError(
                {"max_prefix_length": f"/{length} is larger than the block {block.prefix}; "
                 f"use {block.prefix.prefixlen} or more."}
            )
        return data


