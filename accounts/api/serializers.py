from rest_framework import serializers

from core.validators import country_code

from ..models import Organization


class OrganizationSerializer(serializers.ModelSerializer):
    role = serializers.CharField(
        source="user_role", read_only=True, help_text="The requesting user's role in the organisation."
    )

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "country", "website", "abuse_email", "role", "created_at"]
        read_only_fields = ["slug", "created_at"]
        # The name's uniqueness is checked case-insensitively in validate_name.
        extra_kwargs = {"name": {"validators": []}}

    def validate_name(self, value):
        value = value.strip()
        others = Organization.objects.filter(name__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(
                f"An organisation named {value!r} already exists; choose another name."
            )
        return value

    def validate_country(self, value):
        return country_code(value) if value else value
