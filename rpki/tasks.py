import logging

from celery import shared_task

from .checks import check_routes
from .krill import PublicationError
from .reconcile import reconcile

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(PublicationError,),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=10,
)
def reconcile_roas_task(self, reason="scheduled", lease_id=None):
    """Publish the ROA changes leases and blocks need. Idempotent; retries when publication fails."""
    logger.info("Reconciling ROAs (%s, lease %s, attempt %s)", reason, lease_id, self.request.retries + 1)
    result = reconcile(reason=reason)
    return {"added": result.added, "removed": result.removed, "change_ids": result.change_ids}


@shared_task
def check_routes_task():
    """Validate every observed route against the current VRPs again and record new findings."""
    findings = check_routes()
    logger.info("Checked observed routes: findings %s", [finding.pk for finding in findings])
    return len(findings)
