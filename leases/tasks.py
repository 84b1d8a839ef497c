import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import services
from .choices import LIVE_STATES, LeaseState
from .models import Lease

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _handle_in_locked_batches(leases, handle):
    """Call `handle(lease)` on each lease of `leases`, BATCH_SIZE rows per transaction.

    Rows locked by another worker are skipped, so several workers can run
    the same task at once without handling a lease twice. `handle` must
    take each lease out of `leases`, or the loop would see it again.
    """
    handled = 0
    while True:
        with transaction.atomic():
            batch = list(leases.select_for_update(skip_locked=True).order_by("pk")[:BATCH_SIZE])
            for lease in batch:
                handle(lease)
        handled += len(batch)
        if len(batch) < BATCH_SIZE:
            return handled


@shared_task
def release_lapsed_reservations_task():
    """Cancel reservations whose checkout hold has run out. Safe to run on several workers."""
    now = timezone.now()
    lapsed = Lease.objects.filter(state=LeaseState.RESERVED, reserved_until__lte=now)
    released = _handle_in_locked_batches(lapsed, lambda lease: services._lapse(lease, now))
    if released:
        logger.info("Released %s lapsed reservations", released)
    return released


@shared_task
def process_due_leases_task():
    """Renew or end every live lease whose term is over. Safe to run on several workers."""
    now = timezone.now()
    due = Lease.objects.filter(state__in=LIVE_STATES, period__endswith__lte=now)
    processed = _handle_in_locked_batches(due, lambda lease: services.renew_or_end(lease, now))
    if processed:
        logger.info("Renewed or ended %s leases", processed)
    return processed
