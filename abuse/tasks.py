import logging

from celery import shared_task
from django.conf import settings

from .escalation import escalate_breaches
from .intake import refile_stalled
from .notifications import deliver_queued

logger = logging.getLogger(__name__)


@shared_task
def escalate_breached_cases_task():
    """Escalate cases whose deadlines passed. Idempotent and safe on several workers."""
    handled = escalate_breaches()
    if handled:
        logger.info("Escalated %s breached deadlines", handled)
    return handled


@shared_task(ignore_result=True)
def deliver_notifications_task():
    """Send the queued case notifications that are due, batch by batch, until none is left."""
    sent = _until_short_batch(deliver_queued, settings.ABUSE_NOTIFY_BATCH)
    if sent:
        logger.info("Sent %s case notifications", sent)
    return sent


@shared_task
def refile_stalled_reports_task():
    """File the reports a stopped worker or a database crash left unfiled, batch by batch."""
    return _until_short_batch(refile_stalled, settings.ABUSE_INTAKE_BATCH)


def _until_short_batch(step, batch_size):
    """Run `step` until it handles fewer than a full batch; return the total it handled."""
    total = 0
    while True:
        handled = step()
        total += handled
        if handled < batch_size:
            return total
