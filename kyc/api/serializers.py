from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import DocumentKind
from ..models import ClientProfile, KeyPerson, ProfileDocument, Screening
from ..validation import validate_country, validate_vat


def _django_to_drf(function, *args):
    try:
        return function(*args)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


class KeyPersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyPerson
        fields = ["id", "full_name", "role", "birth_date", "nationality"]

    def validate_nationality(self, value):
        return _django_to_drf(validate_country, value) if value else ""


class VatCheckSerializer(serializers.Serializer):
    """The VIES lookup of the profile's VAT number."""

    status = serializers.CharField(source="vies_status", help_text="valid, invalid or unavailable.")
    vat_number = serializers.CharField(source="vies_vat_number", help_text="The number VIES was asked about.")
    name = serializers.CharField(source="vies_name", help_text="The name VIES has for it, if it publishes one.")
    address = serializers.CharField(source="vies_address", help_text="The address VIES has for it, if any.")
    checked_at = serializers.DateTimeField(source="vies_checked_at")


class ProfileSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    people = KeyPersonSerializer(many=True, read_only=True)
    # A plain string in the schema: other apps' "state" enums would collide
    # with this one in drf-spectacular's component names.
    state = serializers.CharField(
        read_only=True, help_text="draft, submitted, in_review, approved, rejected or more_information."
    )
    vat_check = serializers.SerializerMethodField()

    class Meta:
        model = ClientProfile
        fields = [
            "id", "organization", "legal_name", "registration_number", "country", "vat_number", "address",
            "website", "abuse_email", "abuse_email_confirmed_at", "declared_use", "declared_use_detail",
            "policy_text", "policy_url", "state", "review_round", "submitted_at", "approved_at",
            "approved_until", "people", "vat_check", "updated_at",
        ]
        read_only_fields = [
            "abuse_email_confirmed_at", "state", "review_round", "submitted_at", "approved_at",
            "approved_until", "updated_at",
        ]

    @extend_schema_field(VatCheckSerializer(allow_null=True))
    def get_vat_check(self, profile):
        """Return the VIES result for the current VAT number, or None before VIES has checked it or without KYC_VIES_URL."""
        return VatCheckSerializer(profile).data if profile.vies_result_current else None

    def validate_country(self, value):
        return _django_to_drf(validate_country, value) if value else ""

    def validate(self, attrs):
        if attrs.get("vat_number"):
            country = attrs.get("country", getattr(self.instance, "country", ""))
            try:
                attrs["vat_number"] = validate_vat(attrs["vat_number"], country)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"vat_number": exc.messages}) from None
        return attrs


class DocumentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    kind = serializers.ChoiceField(choices=DocumentKind.choices)

    class Meta:
        model = ProfileDocument
        fields = ["id", "kind", "file", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]


class ScreeningSerializer(serializers.ModelSerializer):
    class Meta:
        model = Screening
        fields = ["id", "status", "trigger", "problems", "names_screened", "created_at"]
