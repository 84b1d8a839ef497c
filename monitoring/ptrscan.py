"""PTR scans: resolve every address of a chunk and write only what changed."""

import logging
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from leases.models import Lease

from .chunks import chunk_ranges
from .dns import wire
from .dns.resolver import BulkResolver, Outcome
from .models import PtrChange, PtrRecord

logger = logging.getLogger(__name__)

WRITE_BATCH = 5000


def ptr_resolver(server):
    rate = settings.MONITORING_PTR_RATE or None
    return BulkResolver(server, max_in_flight=settings.MONITORING_MAX_IN_FLIGHT, rate=rate,
                        timeout=settings.MONITORING_DNS_TIMEOUT,
                        retries=settings.MONITORING_DNS_RETRIES)


def ptr_questions(ranges):
    """Yield resolver questions (ip, name, PTR, wire question) for integer address ranges."""
    reverse_question = wire.reverse_question
    for first, last, _ in ranges:
        for ip in range(first, last + 1):
            name = f"{ip & 255}.{(ip >> 8) & 255}.{(ip >> 16) & 255}.{ip >> 24}.in-addr.arpa"
            yield ip, name, wire.TYPE_PTR, reverse_question(ip)


def resolve_ptrs(ranges, resolver):
    """Return {ip: Result} for every address in the ranges."""
    return {result.key: result for result in resolver.resolve(ptr_questions(ranges))}


def scan_ranges(ranges, resolver, *, scan_run=None, now=None):
    """Resolve the PTRs of the ranges and persist the changes; return counts by outcome."""
    ranges = list(ranges)
    results = resolve_ptrs(ranges, resolver)
    return persist_results(ranges, results, scan_run=scan_run, now=now)


def persist_results(ranges, results, *, scan_run=None, now=None):
    """Write the PTR changes among `results`; return counts by outcome plus `changed`.

    Only a definite answer changes the stored state: NXDOMAIN and NODATA
    remove a PTR, an answer sets one, and SERVFAIL, REFUSED, timeouts and
    errors leave the stored name alone.
    """
    now = now or timezone.now()
    counts = Counter(result.outcome.value for result in results.values())
    lessees = dict(Lease.objects.filter(pk__in={lease_id for _, _, lease_id in ranges})
                   .values_list("pk", "lessee_id"))
    inserts, updates, deletions, changes = [], [], [], []
    if not ranges:
        return dict(counts)
    # One range query for the whole chunk: its leases are consecutive in address
    # order, so the span contains no other live lease's records.
    rows = PtrRecord.objects.filter(
        ip__gte=min(r[0] for r in ranges), ip__lte=max(r[1] for r in ranges)
    ).values_list("ip", "hostname", "lease_id")
    stored = {ip: (hostname, stored_lease_id) for ip, hostname, stored_lease_id in rows}
    for first, last, lease_id in ranges:
        for ip in range(first, last + 1):
            result = results.get(ip)
            if result is None:
                continue
            old, old_lease_id = stored.get(ip, ("", None))
            if result.outcome == Outcome.ANSWER:
                new = min(result.values)[:255]
            elif result.outcome in (Outcome.NXDOMAIN, Outcome.NODATA):
                new = ""
            else:
                continue
            if new == old:
                if new and old_lease_id != lease_id:
                    # Same name under a new lease: move the record, no change event.
                    updates.append(PtrRecord(ip=ip, hostname=new, lease_id=lease_id, changed_at=now))
                continue
            if not new:
                deletions.append(ip)
            elif old:
                updates.append(PtrRecord(ip=ip, hostname=new, lease_id=lease_id, changed_at=now))
            else:
                inserts.append((ip, new, lease_id, now))
            changes.append((ip, lease_id, lessees.get(lease_id), old, new, now,
                            PtrChange.Source.SCAN, scan_run.pk if scan_run else None))
    with transaction.atomic():
        # COPY: a first scan of a /16 inserts 65,536 records and as many
        # changes, several times faster than INSERT batches.
        copy_rows(PtrRecord, ["ip", "hostname", "lease_id", "changed_at"], inserts)
        for start in range(0, len(updates), WRITE_BATCH):
            PtrRecord.objects.bulk_create(
                updates[start:start + WRITE_BATCH], update_conflicts=True, unique_fields=["ip"],
                update_fields=["hostname", "lease", "changed_at"],
            )
        for start in range(0, len(deletions), WRITE_BATCH):
            PtrRecord.objects.filter(ip__in=deletions[start:start + WRITE_BATCH]).delete()
        copy_rows(PtrChange, ["ip", "lease_id", "lessee_id", "old_hostname", "new_hostname",
                              "changed_at", "source", "scan_run_id"], changes)
    counts["changed"] = len(changes)
    return dict(counts)


def copy_rows(model, columns, rows):
    """Insert rows (tuples in `columns` order) with PostgreSQL COPY."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def scan_chunk(chunk, *, now=None):
    """Scan one claimed chunk against its run's server; return counts by outcome."""
    resolver = ptr_resolver(chunk.run.server)
    counts = scan_ranges(chunk_ranges(chunk.prefixes), resolver, scan_run=chunk.run, now=now)
    logger.info("PTR chunk %s of run %s: %s", chunk.pk, chunk.run_id, counts)
    return counts
