"""Raising abuse cases from monitoring findings through the abuse desk's intake."""

import logging

logger = logging.getLogger(__name__)

SOURCE = "monitoring"


def raise_case(*, category, ip, occurred_at, description, evidence=None):
    """Record a monitoring event with the abuse desk, which opens or extends a case.

    `category` is "blocklist" or "ptr_churn". Returns what the intake
    returns, or None when the abuse desk's intake is not installed.
    """
    try:
        from abuse.intake import record_monitor_event
    except ImportError:
        # TODO: drop this branch once abuse.intake is on this branch; until then no case is opened.
        logger.warning("abuse.intake is not installed; no %s case raised for %s: %s",
                       category, ip, description)
        return None
    logger.info("Raising %s case for %s: %s", category, ip, description)
    return record_monitor_event(
        source=SOURCE, category=category, ip=str(ip), occurred_at=occurred_at,
        description=description, evidence=evidence,
    )
