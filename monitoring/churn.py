"""PTR churn: how many PTR changes a lease or lessee made in rolling windows."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from leases.models import Lease

from .flags import open_flag, resolve_flags
from .models import PtrChange, PtrFlag

logger = logging.getLogger(__name__)


def windows():
    """Return (flag kind, window, words, lease threshold, lessee threshold) for each window."""
    return (
        (PtrFlag.Kind.CHURN_24H, timedelta(hours=24), "24 hours",
         settings.MONITORING_CHURN_LEASE_24H, settings.MONITORING_CHURN_LESSEE_24H),
        (PtrFlag.Kind.CHURN_7D, timedelta(days=7), "7 days",
         settings.MONITORING_CHURN_LEASE_7D, settings.MONITORING_CHURN_LESSEE_7D),
    )


def churn_counts(group_by, since):
    """Return rows of {group_by, changes, addresses, last_ip} for changes since `since`."""
    return (
        PtrChange.objects.filter(changed_at__gte=since, **{f"{group_by}__isnull": False})
        .values(group_by)
        .annotate(changes=Count("pk"), addresses=Count("ip", distinct=True), last_ip=Max("ip"))
    )


def detect_churn(now=None):
    """Flag every lease and lessee over a churn threshold and resolve flags now under it.

    Returns the number of new flags.
    """
    now = now or timezone.now()
    created = 0
    for kind, window, words, lease_threshold, lessee_threshold in windows():
        since = now - window
        keep = set()
        lease_rows = churn_counts("lease", since).filter(changes__gte=lease_threshold)
        leases = Lease.objects.in_bulk([row["lease"] for row in lease_rows])
        for row in lease_rows:
            lease = leases[row["lease"]]
            detail = (
                f"{row['changes']} PTR changes on {row['addresses']} addresses of lease "
                f"{lease.prefix} in the last {words} (threshold {lease_threshold})."
            )
            examples = _examples(since, lease=lease)
            _, was_created = open_flag(kind=kind, lessee_id=lease.lessee_id, lease=lease,
                                       observed=row["changes"], threshold=lease_threshold,
                                       detail=detail, examples=examples, now=now, ip=row["last_ip"])
            created += was_created
            keep.add((lease.lessee_id, lease.pk))
        for row in churn_counts("lessee", since).filter(changes__gte=lessee_threshold):
            detail = (
                f"{row['changes']} PTR changes on {row['addresses']} addresses across the "
                f"lessee's leases in the last {words} (threshold {lessee_threshold})."
            )
            examples = _examples(since, lessee_id=row["lessee"])
            _, was_created = open_flag(kind=kind, lessee_id=row["lessee"], observed=row["changes"],
                                       threshold=lessee_threshold, detail=detail,
                                       examples=examples, now=now, ip=row["last_ip"])
            created += was_created
            keep.add((row["lessee"], None))
        resolve_flags(kinds=[kind], keep=keep, now=now)
    if created:
        logger.info("PTR churn detection opened %s flags", created)
    return created


def _examples(since, **subject):
    changes = PtrChange.objects.filter(changed_at__gte=since, **subject).order_by("-changed_at")[:5]
    return [
        {"address": str(change.address), "old": change.old_hostname, "new": change.new_hostname,
         "at": change.changed_at.isoformat()}
        for change in changes
    ]
