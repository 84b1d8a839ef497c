"""Scan runs: creating them with their chunks, and recording each chunk's outcome."""

import logging

from django.db import transaction
from django.utils import timezone

from .chunks import leased_prefixes, plan_chunks
from .models import ScanChunk, ScanRun

logger = logging.getLogger(__name__)

MAX_RUN_ERRORS = 100


def create_run(kind, server, *, chunk_addresses=None, now=None):
    """Create a scan run over all live leases with its chunks; return it."""
    now = now or timezone.now()
    planned = plan_chunks(leased_prefixes(), chunk_addresses)
    with transaction.atomic():
        run = ScanRun.objects.create(kind=kind, server=server, started_at=now,
                                     chunks_total=len(planned))
        chunks = ScanChunk.objects.bulk_create([
            ScanChunk(run=run, prefixes=prefixes,
                      address_count=sum(_size(text) for text, _ in prefixes))
            for prefixes in planned
        ])
        run.address_count = sum(chunk.address_count for chunk in chunks)
        if not chunks:
            run.finished_at = now
        run.save(update_fields=["address_count", "finished_at"])
    logger.info("Created %s run %s with %s chunks over %s addresses",
                kind, run.pk, len(chunks), run.address_count)
    return run, chunks


def _size(prefix_text):
    return 2 ** (32 - int(prefix_text.rsplit("/", 1)[1]))


def claim_chunk(chunk_id):
    """Lock a queued chunk for this worker, or return None if it is done or taken.

    Call inside a transaction; the row lock is held until it commits.
    """
    # of=("self",): lock only the chunk row. Without it the join would lock
    # the shared run row too, and every other chunk's claim would skip.
    return (
        ScanChunk.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("run")
        .filter(pk=chunk_id, state=ScanChunk.State.QUEUED)
        .first()
    )


def stalled_chunks(kind, *, older_than, now=None):
    """Lock and return the queued chunks of `kind` whose unfinished run started before `now - older_than`.

    Chunk tasks are acknowledged late, so the broker redelivers the task of a
    worker that dies mid-chunk. This catches the rest, such as a message lost
    from the broker. A chunk being scanned right now holds its row lock and is
    skipped. Call inside a transaction.
    """
    now = now or timezone.now()
    return list(
        ScanChunk.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            state=ScanChunk.State.QUEUED,
            run__kind=kind,
            run__finished_at__isnull=True,
            run__started_at__lt=now - older_than,
        )
        .order_by("pk")
    )


def record_chunk(chunk, counts, *, error="", now=None):
    """Mark a chunk done (or failed) and add its counts to the run; return True when the run is over."""
    now = now or timezone.now()
    chunk.state = ScanChunk.State.FAILED if error else ScanChunk.State.DONE
    chunk.counts = counts
    chunk.error = error
    chunk.finished_at = now
    chunk.save(update_fields=["state", "counts", "error", "finished_at"])
    run = ScanRun.objects.select_for_update().get(pk=chunk.run_id)
    for name, value in counts.items():
        run.counts[name] = run.counts.get(name, 0) + value
    if error and len(run.errors) < MAX_RUN_ERRORS:
        run.errors.append(f"chunk {chunk.pk}: {error}")
    run.chunks_done += 1
    finished = run.chunks_done >= run.chunks_total
    if finished:
        run.finished_at = now
    run.save(update_fields=["counts", "errors", "chunks_done", "finished_at"])
    if finished:
        logger.info("%s run %s finished: %s", run.kind, run.pk, run.counts)
    return finished
