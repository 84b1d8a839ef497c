"""Celery tasks: list downloads, screenings and renewal reminders.

Each task is idempotent and works in bounded batches; rescreening locks the
profiles it works on with SKIP LOCKED so several workers share the load.
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization

from .choices import ProfileState, ViesStatus
from .models import ClientProfile
from .notifications import notify_staff
from .sanctions import ImportFailed, configured_sources, import_from_url
from .screening import screen_profile
from .services import profile_for, send_renewal_reminders
from .vat_check import check_profile_vat, due_profile_ids
from .vies import is_enabled as vies_enabled

logger = logging.getLogger(__name__)


@shared_task
def screen_organization_task(organization_id, trigger="staff"):
    """Screen and score the organisation, after a VIES check of its VAT number when one is due."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        logger.warning("Screening skipped: organisation %s no longer exists", organization_id)
        return None
    check_profile_vat(profile_for(organization).pk)
    screening = screen_profile(profile_for(organization), trigger=trigger)
    from .risk import assess

    assess(profile_for(organization))
    return screening.pk


@shared_task
def rescreen_task(reason="schedule", before=None):
    """Screen every submitted profile last screened before `before` (ISO time; default now).

    Works through KYC_RESCREEN_BATCH profiles per run and queues itself again
    while older profiles remain, so a list change reaches everyone.
    """
    from .risk import assess

    cutoff = datetime.fromisoformat(before) if before else timezone.now()
    done = []
    with transaction.atomic():
        batch = list(
            ClientProfile.objects.exclude(state=ProfileState.DRAFT)
            .filter(Q(last_screened_at__isnull=True) | Q(last_screened_at__lt=cutoff))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("organization")
            .order_by("pk")[: settings.KYC_RESCREEN_BATCH]
        )
        for profile in batch:
            screen_profile(profile, trigger=reason[:40])
            assess(profile)
            done.append(profile.pk)
    logger.info("Rescreened profiles %s (%s)", done, reason)
    if len(done) == settings.KYC_RESCREEN_BATCH:
        rescreen_task.delay(reason=reason, before=cutoff.isoformat())
    return done


@shared_task
def rescreen_due_task():
    """Screen profiles not screened within KYC_RESCREEN_DAYS (the scheduled run)."""
    before = timezone.now() - timedelta(days=settings.KYC_RESCREEN_DAYS)
    return rescreen_task(reason="schedule", before=before.isoformat())


@shared_task
def refresh_sanctions_lists_task():
    """Download and import every list with configured URLs; a failure keeps the last good version."""
    results = {}
    for source in configured_sources():
        try:
            version = import_from_url(source)
        except ImportFailed as exc:
            results[source] = f"failed: {exc}"
            notify_staff(f"Import of the {source} sanctions list failed", str(exc))
            continue
        results[source] = f"version {version.pk}"
    logger.info("Sanctions list refresh: %s", results)
    return results


@shared_task
def send_renewal_reminders_task():
    return send_renewal_reminders()


@shared_task
def check_vat_number_task(profile_id):
    """Check the profile's VAT number in VIES if it is due; a submitted profile is then screened again."""
    result = check_profile_vat(profile_id)
    if result is not None and result.status != ViesStatus.UNAVAILABLE:
        _rescreen_after_vat_check(profile_id)
    return result.status if result else None


@shared_task
def check_due_vat_numbers_task():
    """Check up to KYC_VIES_BATCH due VAT numbers: new or changed ones, and those VIES could not check."""
    if not vies_enabled():
        return []
    checked = []
    for profile_id in due_profile_ids(timezone.now(), settings.KYC_VIES_BATCH):
        result = check_profile_vat(profile_id)
        if result is None:
            continue
        checked.append(profile_id)
        if result.status != ViesStatus.UNAVAILABLE:
            _rescreen_after_vat_check(profile_id)
    if checked:
        logger.info("Checked the VAT numbers of profiles %s in VIES", checked)
    return checked


def _rescreen_after_vat_check(profile_id):
    # The registered name is screened too and feeds the risk score, so a
    # profile under review is screened and scored again with it.
    profile = ClientProfile.objects.filter(pk=profile_id).exclude(state=ProfileState.DRAFT).first()
    if profile is not None:
        screen_organization_task.delay(profile.organization_id, "vat check")
