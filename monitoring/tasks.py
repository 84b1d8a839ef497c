"""Celery tasks for PTR scans, DNSBL checks and PTR churn and pattern detection.

A run is created by a start task, which queues one task per chunk after the
run's rows commit. Chunk tasks claim their chunk with a row lock that skips
locked rows, so a redelivered or duplicate task does nothing.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import churn, dnsbl, patterns, ptrscan, runs
from .models import PtrChange, ScanRun

logger = logging.getLogger(__name__)


@shared_task
def start_ptr_scan_task(server=None):
    """Create a PTR scan run over all active and suspended leases and queue its chunks."""
    run, chunks = runs.create_run(ScanRun.Kind.PTR, server or settings.DNS_AUTHORITATIVE)
    _queue_chunks(scan_ptr_chunk_task, chunks)
    return run.pk


@shared_task
def start_dnsbl_check_task(server=None):
    """Create a DNSBL check run (through the operator's recursive resolver) and queue its chunks."""
    run, chunks = runs.create_run(ScanRun.Kind.DNSBL, server or settings.DNS_RESOLVER)
    _queue_chunks(check_dnsbl_chunk_task, chunks)
    return run.pk


def _queue_chunks(task, chunks):
    chunk_ids = [chunk.pk for chunk in chunks]
    transaction.on_commit(lambda: [task.delay(chunk_id) for chunk_id in chunk_ids])


def _process_chunk(chunk_id, check, label):
    """Claim a chunk, run `check(chunk)` on it and record the outcome; return (chunk, counts, run finished).

    An OSError from the lookups is recorded on the chunk as its error, so one
    broken chunk does not stop the run from finishing.
    """
    chunk = runs.claim_chunk(chunk_id)
    if chunk is None:
        logger.info("%s chunk %s is done or taken; skipping", label, chunk_id)
        return None, None, False
    try:
        counts = check(chunk)
        error = ""
    except OSError as exc:
        logger.exception("%s chunk %s failed", label, chunk_id)
        counts, error = {}, f"{type(exc).__name__}: {exc}"
    return chunk, counts, runs.record_chunk(chunk, counts, error=error)


@shared_task
def scan_ptr_chunk_task(chunk_id):
    """Scan one chunk; when it is the run's last, queue churn and pattern detection."""
    with transaction.atomic():
        chunk, counts, finished = _process_chunk(chunk_id, ptrscan.scan_chunk, "PTR")
        if finished:
            run_id = chunk.run_id
            transaction.on_commit(lambda: detect_ptr_findings_task.delay(run_id))
    return counts


@shared_task
def check_dnsbl_chunk_task(chunk_id):
    """Check one chunk against the enabled DNSBL zones."""
    with transaction.atomic():
        _, counts, _ = _process_chunk(chunk_id, dnsbl.check_chunk, "DNSBL")
    return counts


@shared_task
def requeue_stalled_chunks_task():
    """Queue again the chunks that sat queued long after their run started.

    A chunk task claims its chunk with a lock and a state check, so a chunk
    queued twice is scanned once.
    """
    older_than = timedelta(minutes=settings.MONITORING_CHUNK_REQUEUE_MINUTES)
    requeued = {}
    with transaction.atomic():
        for kind, task in ((ScanRun.Kind.PTR, scan_ptr_chunk_task), (ScanRun.Kind.DNSBL, check_dnsbl_chunk_task)):
            chunks = runs.stalled_chunks(kind, older_than=older_than)
            if chunks:
                _queue_chunks(task, chunks)
                requeued[kind] = [chunk.pk for chunk in chunks]
    for kind, chunk_ids in requeued.items():
        logger.warning("Requeued %s stalled %s chunks: %s", len(chunk_ids), kind, chunk_ids)
    return requeued


@shared_task
def detect_ptr_findings_task(run_id=None):
    """Run churn detection, then pattern checks for each lessee whose PTRs changed in the run."""
    churn.detect_churn()
    lessee_ids = []
    if run_id is not None and settings.MONITORING_PATTERNS_AFTER_SCAN:
        lessee_ids = list(
            PtrChange.objects.filter(scan_run_id=run_id, lessee__isnull=False)
            .values_list("lessee_id", flat=True).distinct()
        )
    for lessee_id in lessee_ids:
        transaction.on_commit(lambda lessee_id=lessee_id: check_ptr_patterns_task.delay(lessee_id))
    return len(lessee_ids)


@shared_task
def check_ptr_patterns_task(lessee_id):
    findings = patterns.check_lessee(lessee_id)
    return [finding.kind for finding in findings]


@shared_task
def detect_ptr_churn_task():
    """Detect churn outside scans too: changes made through the platform count."""
    return churn.detect_churn(timezone.now())
