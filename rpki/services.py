"""State changes of the RPKI app that other apps and the views call."""

import logging

from django.db import transaction

from leases.choices import LIVE_STATES, LeaseState

from .exceptions import RpkiError
from .models import LeaseRoaRequest

logger = logging.getLogger(__name__)


def schedule_reconciliation(*, reason, lease_id=None):
    """Queue a ROA reconciliation now. Lease services call this after their transaction commits.

    A broker that is down does not fail the lease change: the error is
    logged and the scheduled reconciliation picks the change up later.
    """
    from .tasks import reconcile_roas_task

    try:
        reconcile_roas_task.delay(reason=reason, lease_id=lease_id)
    except Exception:  # The broker's errors are not one class; none may undo the committed change.
        logger.exception("Could not queue ROA reconciliation (%s, lease %s)", reason, lease_id)
        return
    logger.info("Queued ROA reconciliation (%s, lease %s)", reason, lease_id)


def request_max_length(lease, max_length):
    """Set the maxLength of a lease's ROA, from its prefix length up to /32, and reconcile."""
    try:
        max_length = int(max_length)
    except (TypeError, ValueError):
        raise RpkiError(f"maxLength {max_length!r} is not a number; write it like 24.") from None
    length = lease.prefix.prefixlen
    if not length <= max_length <= 32:
        raise RpkiError(
            f"maxLength {max_length} is outside the lease {lease.prefix}; choose {length} to 32."
        )
    if lease.state not in (LeaseState.RESERVED, *LIVE_STATES):
        raise RpkiError(f"Lease {lease.prefix} has {lease.get_state_display().lower()}; its ROA can no longer change.")
    with transaction.atomic():
        LeaseRoaRequest.objects.update_or_create(lease=lease, defaults={"max_length": max_length})
        transaction.on_commit(lambda: schedule_reconciliation(reason="maxLength changed", lease_id=lease.pk))
    return max_length
