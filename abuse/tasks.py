import logging

from celery import shared_task

from .escalation import escalate_breaches

logger = logging.getLogger(__name__)


@shared_task
def escalate_breached_cases_task():
    """Escalate cases whose deadlines passed. Idempotent and safe on several workers."""
    handled = escalate_breaches()
    if handled:
        logger.info("Escalated %s breached deadlines", handled)
    return handled
