"""Raising abuse cases from monitoring findings through the abuse desk's intake."""

import logging

from abuse.intake import record_monitor_event, record_monitor_events

logger = logging.getLogger(__name__)


def raise_case(*, source, category, ip, occurred_at, description, evidence=None):
    """Record a monitoring event with the abuse desk, which opens or extends a case.

    `source` names the monitor ("dnsbl" or "ptr-churn"), `category` is
    "blocklist" or "ptr_churn" (abuse.choices.Category). Returns the stored
    abuse report.
    """
    logger.info("Raising %s case for %s: %s", category, ip, description)
    return record_monitor_event(
        source=source, category=category, ip=str(ip), occurred_at=occurred_at,
        description=description, evidence=evidence,
    )


def raise_cases(signals):
    """Record many monitoring events with the abuse desk in one batch; returns the stored reports.

    Each signal is a dict of the keyword arguments of `raise_case`.
    """
    if not signals:
        return []
    logger.info("Raising %s %s cases", len(signals), signals[0]["category"])
    return record_monitor_events(signals)
