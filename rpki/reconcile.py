"""Reconciliation: publish the difference between the desired and the published ROAs."""

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from marketplace.models import IPBlock

from .backends import entry, get_backend
from .choices import ChangeAction, ChangeStatus, RoaPurpose
from .desired import controlled_blocks, desired_roas
from .krill import KrillDeltaRejected, PublicationError
from .models import PublishedRoa, RoaChange
from .parking import write_parking_exports

logger = logging.getLogger(__name__)

# One reconciliation at a time across all workers: a second one waits and
# then finds nothing left to do. The key is "RPKI" in ASCII.
ADVISORY_LOCK_KEY = 0x52504B49
OPEN_STATES = (ChangeStatus.PENDING, ChangeStatus.FAILED)
# Changes sent in one delta. Krill applies a delta atomically, so a batch
# keeps the additions and removals of adjacent prefixes together.
BATCH_SIZE = 1000


@dataclass
class ReconcileResult:
    added: int = 0
    removed: int = 0
    change_ids: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.added or self.removed)


@contextmanager
def reconciliation_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def reconcile(*, reason="", backend=None):
    """Publish the ROA changes that make the published set equal the desired set.

    Idempotent: a run with nothing to change publishes nothing. Raises
    PublicationError after recording the failure on the changes, so that the
    task retries. A delta that Krill rejects because its ROAs differ from
    the platform's record (an entry added or removed by hand) resynchronises
    the record from Krill and is planned and sent once more.
    """
    backend = backend or get_backend()
    result = ReconcileResult()
    with reconciliation_lock():
        changes = plan_changes(reason=reason, backend_name=backend.name)
        try:
            _publish_in_batches(changes, backend, result)
        except KrillDeltaRejected as exc:
            current = backend.current()
            logger.warning("Krill's ROAs differ from the platform's record (%s); resynchronising", exc)
            resync_published(current)
            changes = plan_changes(reason=reason, backend_name=backend.name)
            _publish_in_batches(changes, backend, result)
        # Written after every run, so a deleted or stale export is restored.
        write_parking_exports()
    ids = result.change_ids
    # A first run can publish thousands of changes; the log names a range then.
    named = ", ".join(map(str, ids)) if len(ids) <= 20 else f"{ids[0]} to {ids[-1]} ({len(ids)} in all)"
    logger.info(
        "Reconciled ROAs (%s): %s added, %s removed, changes %s",
        reason or "unspecified", result.added, result.removed, named or "none",
    )
    return result


def plan_changes(*, reason, backend_name):
    """Record the open changes the desired set needs and return them, oldest request first.

    An open change that is still needed is reused, with its original request
    time; one that is no longer needed is marked superseded.
    """
    now = timezone.now()
    desired = desired_roas()
    with transaction.atomic():
        published = {roa.key: roa for roa in PublishedRoa.objects.filter(removed_at__isnull=True)}
        needed = {}
        for key, roa in desired.items():
            if key not in published:
                needed[(ChangeAction.ADD, key)] = roa
        for key, roa in published.items():
            if key not in desired:
                needed[(ChangeAction.REMOVE, key)] = roa
        open_changes = {
            (change.action, change.key): change
            for change in RoaChange.objects.select_for_update().filter(status__in=OPEN_STATES)
        }
        superseded = [change.pk for key, change in open_changes.items() if key not in needed]
        if superseded:
            RoaChange.objects.filter(pk__in=superseded).update(status=ChangeStatus.SUPERSEDED)
        changes = []
        for (action, key), source in needed.items():
            change = open_changes.get((action, key))
            if change is None:
                change = RoaChange.objects.create(
                    action=action,
                    prefix=source.prefix,
                    asn=source.asn,
                    max_length=source.max_length,
                    purpose=source.purpose,
                    block_id=source.block_id,
                    lease_id=source.lease_id,
                    reason=reason[:200],
                    backend=backend_name,
                    requested_at=now,
                )
            changes.append(change)
    changes.sort(key=lambda change: (int(change.prefix.network_address), change.prefix.prefixlen, change.pk))
    return changes


def _publish_in_batches(changes, backend, result):
    for start in range(0, len(changes), BATCH_SIZE):
        batch = changes[start:start + BATCH_SIZE]
        publish_changes(batch, backend)
        result.added += sum(1 for change in batch if change.action == ChangeAction.ADD)
        result.removed += sum(1 for change in batch if change.action == ChangeAction.REMOVE)
        result.change_ids.extend(change.pk for change in batch)


def publish_changes(changes, backend):
    """Send one delta to the backend and record the outcome on each change."""
    if not changes:
        return
    attempted_at = timezone.now()
    ids = [change.pk for change in changes]
    added = [change for change in changes if change.action == ChangeAction.ADD]
    removed = [change for change in changes if change.action == ChangeAction.REMOVE]
    removed_keys = {change.key for change in removed}
    resulting = [
        entry(roa.prefix, roa.asn, roa.max_length, _comment(roa))
        for roa in PublishedRoa.objects.filter(removed_at__isnull=True)
        if roa.key not in removed_keys
    ] + [entry(change.prefix, change.asn, change.max_length, _comment(change)) for change in added]

    controlled = {block.prefix for block in controlled_blocks()}
    controlled.update(
        IPBlock.objects.filter(pk__in={change.block_id for change in changes if change.block_id})
        .values_list("prefix", flat=True)
    )

    try:
        backend.publish(
            added=[entry(c.prefix, c.asn, c.max_length, _comment(c)) for c in added],
            removed=[entry(c.prefix, c.asn, c.max_length, _comment(c)) for c in removed],
            resulting=resulting,
            controlled_prefixes=controlled,
        )
    except PublicationError as exc:
        RoaChange.objects.filter(pk__in=ids).update(
            status=ChangeStatus.FAILED,
            attempts=F("attempts") + 1,
            last_attempt_at=attempted_at,
            last_error=str(exc)[:2000],
        )
        logger.error("Publishing ROA changes %s through %s failed: %s", ids, backend.name, exc)
        raise
    _record_published(added, removed, ids, attempted_at)


def _record_published(added, removed, ids, attempted_at):
    published_at = timezone.now()
    with transaction.atomic():
        RoaChange.objects.filter(pk__in=ids).update(
            status=ChangeStatus.PUBLISHED,
            published_at=published_at,
            attempts=F("attempts") + 1,
            last_attempt_at=attempted_at,
            last_error="",
        )
        for change in removed:
            PublishedRoa.objects.filter(
                prefix=change.prefix, asn=change.asn, max_length=change.max_length, removed_at__isnull=True
            ).update(removed_at=published_at)
        PublishedRoa.objects.bulk_create(
            PublishedRoa(
                prefix=change.prefix,
                asn=change.asn,
                max_length=change.max_length,
                purpose=change.purpose,
                block_id=change.block_id,
                lease_id=change.lease_id,
                published_at=published_at,
            )
            for change in added
        )
        parked_lease_ids = {
            change.lease_id
            for change in [*added, *removed]
            if change.lease_id and _takes_space_from_lessee(change)
        }
        if parked_lease_ids:
            # Imported here: abuse.actions imports leases.services, which imports this app.
            from abuse.actions import record_roa_change_published

            record_roa_change_published(lease_ids=parked_lease_ids, published_at=published_at)


def _takes_space_from_lessee(change):
    if change.action == ChangeAction.REMOVE:
        return change.purpose == RoaPurpose.LEASE
    return change.purpose in (RoaPurpose.PARKING, RoaPurpose.AS0)


def _comment(roa):
    if roa.purpose == RoaPurpose.LEASE and roa.lease_id:
        return f"lease {roa.lease_id}"
    if roa.lease_id:
        return f"{roa.purpose} for lease {roa.lease_id}"
    return roa.purpose


def resync_published(entries):
    """Make the platform's record of published ROAs equal `entries`, the backend's own list."""
    if entries is None:
        return
    now = timezone.now()
    current = {(item["prefix"], item["asn"], item["max_length"]): item for item in entries}
    desired = desired_roas()
    with transaction.atomic():
        live = {roa.key: roa for roa in PublishedRoa.objects.select_for_update().filter(removed_at__isnull=True)}
        gone = [roa.pk for key, roa in live.items() if key not in current]
        PublishedRoa.objects.filter(pk__in=gone).update(removed_at=now)
        for key in current.keys() - live.keys():
            known = desired.get(key)
            prefix, asn, max_length = key
            PublishedRoa.objects.create(
                prefix=prefix,
                asn=asn,
                max_length=max_length,
                purpose=known.purpose if known else _purpose_of(asn),
                block_id=known.block_id if known else None,
                lease_id=known.lease_id if known else None,
                published_at=now,
            )
    logger.info("Resynchronised published ROAs: %s marked removed, %s recorded", len(gone),
                len(current.keys() - live.keys()))


def _purpose_of(asn):
    if asn == 0:
        return RoaPurpose.AS0
    if asn == settings.RPKI_PARKING_ASN:
        return RoaPurpose.PARKING
    return RoaPurpose.LEASE
