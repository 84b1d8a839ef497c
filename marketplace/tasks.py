from celery import shared_task

from .verification import check_roa_proofs


@shared_task
def check_roa_proofs_task():
    """Verify the pending ROA proofs that the current VRPs prove, and fail the overdue ones.

    Idempotent. VRP imports run the same check, so this run mainly fails
    overdue proofs when no import comes.
    """
    result = check_roa_proofs()
    return {"verified": result.verified, "failed": result.failed}
