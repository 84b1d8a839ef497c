"""Opening and resolving PTR flags; a new flag raises a PTR-churn case."""

import ipaddress
import logging

from django.db import IntegrityError, transaction

from . import cases
from .models import PtrFlag

logger = logging.getLogger(__name__)


def open_flag(*, kind, lessee_id, lease=None, observed, threshold, detail, examples, now, ip):
    """Open a flag unless one of this kind is already open for the subject; return (flag, created).

    A new flag raises a PTR-churn case for `ip` (an address the flag is
    about) with the abuse desk. An open flag is updated with the latest counts.
    """
    lease_id = lease.pk if lease is not None else None
    existing = PtrFlag.objects.filter(kind=kind, lessee_id=lessee_id, lease_id=lease_id,
                                      resolved_at__isnull=True).first()
    if existing is not None:
        existing.observed, existing.detail, existing.examples = observed, detail, examples
        existing.save(update_fields=["observed", "detail", "examples"])
        return existing, False
    try:
        with transaction.atomic():
            flag = PtrFlag.objects.create(
                kind=kind, lessee_id=lessee_id, lease_id=lease_id, observed=observed,
                threshold=threshold, detail=detail, examples=examples, raised_at=now,
            )
    except IntegrityError:
        # Another worker opened the same flag between our check and insert.
        return PtrFlag.objects.get(kind=kind, lessee_id=lessee_id, lease_id=lease_id,
                                   resolved_at__isnull=True), False
    logger.info("Opened PTR flag %s (%s) for lessee %s lease %s", flag.pk, kind, lessee_id, lease_id)
    transaction.on_commit(lambda: cases.raise_case(
        source="ptr-churn", category="ptr_churn", ip=ipaddress.IPv4Address(ip), occurred_at=now,
        description=detail, evidence={"flag": flag.pk, "kind": kind, "examples": examples},
    ))
    return flag, True


def resolve_flags(*, kinds, keep, now):
    """Resolve open flags of `kinds` whose (lessee id, lease id) subject is not in `keep`."""
    resolved = 0
    for flag in PtrFlag.objects.filter(kind__in=kinds, resolved_at__isnull=True):
        if (flag.lessee_id, flag.lease_id) not in keep:
            flag.resolved_at = now
            flag.save(update_fields=["resolved_at"])
            resolved += 1
    return resolved
