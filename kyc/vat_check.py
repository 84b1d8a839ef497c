"""VIES checks of the profiles' VAT numbers: which are due, claiming one, storing the result.

A number is due when it was never checked (vies_vat_number differs from
vat_number) or when vies_retry_at has passed. A check claims its profile by
moving vies_retry_at forward, so two workers do not check the same number
at once and a check lost with its worker is retried. The HTTP request runs
outside any transaction, and its result is stored only if the number did
not change meanwhile.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .choices import ViesStatus
from .models import ClientProfile
from .vies import is_enabled, query_vies

logger = logging.getLogger(__name__)

VIES_FIELDS = (
    "vies_status", "vies_vat_number", "vies_name", "vies_address", "vies_error", "vies_checked_at",
    "vies_retry_at",
)
FINAL_STATUSES = (ViesStatus.VALID, ViesStatus.INVALID)


def due_filter(now):
    return ~Q(vat_number="") & (~Q(vies_vat_number=F("vat_number")) | Q(vies_retry_at__lte=now))


def forget_result(profile):
    """Clear the VIES fields of `profile` in memory, after its VAT number changed; the caller saves."""
    for field in VIES_FIELDS:
        setattr(profile, field, None if field.endswith("_at") else "")


def due_profile_ids(now, limit):
    """Return the ids of up to `limit` profiles whose VAT number is due, the longest waiting first."""
    return list(
        ClientProfile.objects.filter(due_filter(now))
        .order_by(F("vies_retry_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _retry_time(now):
    return now + timedelta(minutes=settings.KYC_VIES_RETRY_MINUTES)


def _claim(profile_id, now):
    """Return the VAT number to check, or None when the profile is not due or another worker has it."""
    with transaction.atomic():
        profile = (
            ClientProfile.objects.select_for_update(skip_locked=True)
            .filter(due_filter(now), pk=profile_id)
            .first()
        )
        if profile is None:
            return None
        if profile.vies_vat_number != profile.vat_number:
            forget_result(profile)
        profile.vies_vat_number = profile.vat_number
        profile.vies_retry_at = _retry_time(now)
        profile.save(update_fields=VIES_FIELDS)
        return profile.vat_number


def _store(profile_id, vat_number, result, now):
    same_number = ClientProfile.objects.filter(
        pk=profile_id, vat_number=vat_number, vies_vat_number=vat_number
    )
    if result.status == ViesStatus.UNAVAILABLE:
        # An earlier valid or invalid result for this number stays until
        # VIES returns another one. The failed attempt is recorded beside it.
        updated = same_number.filter(vies_status__in=FINAL_STATUSES).update(
            vies_error=result.error, vies_retry_at=_retry_time(now)
        )
        if not updated:
            updated = same_number.update(
                vies_status=result.status, vies_name="", vies_address="", vies_error=result.error,
                vies_checked_at=now, vies_retry_at=_retry_time(now),
            )
    else:
        updated = same_number.update(
            vies_status=result.status, vies_name=result.name, vies_address=result.address,
            vies_error=result.error, vies_checked_at=now, vies_retry_at=None,
        )
    return bool(updated)


def check_profile_vat(profile_id, *, now=None):
    """Check the profile's VAT number in VIES when it is due, store and return the ViesResult.

    Returns None when KYC_VIES_URL is empty, the profile has no VAT number,
    its number is not due, or another worker is checking it.
    """
    if not is_enabled():
        return None
    now = now or timezone.now()
    vat_number = _claim(profile_id, now)
    if vat_number is None:
        return None
    result = query_vies(vat_number)
    if not _store(profile_id, vat_number, result, now):
        logger.info("VIES result for profile %s dropped: its VAT number changed during the check", profile_id)
        return None
    if result.status == ViesStatus.UNAVAILABLE:
        logger.warning(
            "VIES check of %s for profile %s failed, retry in %s minutes: %s",
            vat_number, profile_id, settings.KYC_VIES_RETRY_MINUTES, result.error,
        )
    else:
        logger.info("VIES check of %s for profile %s: %s", vat_number, profile_id, result.status)
    return result
