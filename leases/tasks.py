import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import services
from .choices import LIVE_STATES, LeaseState
from .models import Lease

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@shared_task
def release_lapsed_reservations_task():
    """Cancel reservations whose checkout hold has run out. Safe to run on several workers."""
    now = timezone.now()
    released = 0
    while True:
        with transaction.atomic():
            batch = list(
                Lease.objects.filter(state=LeaseState.RESERVED, reserved_until__lte=now)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:BATCH_SIZE]
            )
            for lease in batch:
                services._lapse(lease, now)
        released += len(batch)
        if len(batch) < BATCH_SIZE:
            break
    if released:
        logger.info("Released %s lapsed reservations", released)
    return released


@shared_task
def process_due_leases_task():
    """Renew or end every live lease whose term is over. Safe to run on several workers."""
    now = timezone.now()
    processed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Lease.objects.filter(state__in=LIVE_STATES, period__endswith__lte=now)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:BATCH_SIZE]
            )
            for lease in batch:
                services.renew_or_end(lease, now)
        processed += len(batch)
        if len(batch) < BATCH_SIZE:
            break
    if processed:
        logger.info("Renewed or ended %s leases", processed)
    return processed
