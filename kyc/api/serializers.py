from django.core.exceptions import ValidationError as DjangoValidationError
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


class ProfileSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    people = KeyPersonSerializer(many=True, read_only=True)
    # A plain string in the schema: other apps' "state" enums would collide
    # with this one in drf-spectacular's component names.
    state = serializers.CharField(
        read_only=True, help_text="draft, submitted, in_review, approved, rejected or more_information."
    )

    class Meta:
        model = ClientProfile
        fields = [
            "id", "organization", "legal_name", "registration_number", "country", "vat_number", "address",
            "website", "abuse_email", "abuse_email_confirmed_at", "declared_use", "declared_use_detail",
            "policy_text", "policy_url", "state", "review_round", "submitted_at", "approved_at",
            "approved_until", "people", "updated_at",
        ]
        read_only_fields = [
            "abuse_email_confirmed_at", "state", "review_round", "submitted_at", "approved_at",
            "approved_until", "updated_at",
        ]

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
