"""Helpers for tests and demo data that need an organisation with a current approval."""

from datetime import timedelta

from django.utils import timezone

from .choices import ProfileState
from .models import ClientProfile


def record_approval(organization, *, days=365):
    """Give `organization` an approved profile valid for `days`, without a review."""
    now = timezone.now()
    profile, _ = ClientProfile.objects.update_or_create(
        organization=organization,
        defaults={
            "legal_name": organization.name, "country": organization.country, "state": ProfileState.APPROVED,
            "approved_at": now, "approved_until": now + timedelta(days=days),
        },
    )
    return profile
