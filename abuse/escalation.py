"""Escalation of cases whose deadlines passed.

The deadlines live on the case rows, so whichever worker runs next finds
every breach, also after all workers restarted. Each breach is marked on
the row (`response_breached_at`, `resolution_breached_at`) in the same
transaction that escalates it, and rows are taken with SKIP LOCKED, so two
workers never escalate the same breach twice.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leases.choices import LeaseState

from . import actions, notifications, sla, timeline
from .access import responsible_party
from .choices import CLOCK_STATES, CaseState, Escalation, NotificationKind, TimelineKind
from .models import Case

logger = logging.getLogger(__name__)


def response_breaches(now):
    return Case.objects.filter(
        state=CaseState.OPEN, responded_at__isnull=True, response_due_at__lte=now,
        response_breached_at__isnull=True,
    )


def resolution_breaches(now):
    return Case.objects.filter(
        state__in=CLOCK_STATES, mitigated_at__isnull=True, resolution_due_at__lte=now,
        resolution_breached_at__isnull=True,
    )


def escalate_breaches(now=None, batch_size=None):
    """Escalate every breached deadline once. Returns the number of breaches handled."""
    now = now or timezone.now()
    batch_size = batch_size or settings.ABUSE_ESCALATION_BATCH
    handled = 0
    for queryset, handler in ((response_breaches, _escalate_response), (resolution_breaches, _escalate_resolution)):
        while True:
            with transaction.atomic():
                batch = list(
                    queryset(now).select_for_update(skip_locked=True, of=("self",))
                    .select_related("lease", "lessee").order_by("pk")[:batch_size]
                )
                for case in batch:
                    handler(case, now)
            handled += len(batch)
            if len(batch) < batch_size:
                break
    return handled


def _escalate_response(case, now):
    case.response_breached_at = now
    actions.raise_severity(case, now, "the response deadline passed")
    case.escalation = max(case.escalation, Escalation.ABUSE_TEAM)
    case.save(update_fields=["response_breached_at", "severity", "escalation", "updated_at"])
    timeline.record(case, TimelineKind.ESCALATION,
                    f"No response by {case.response_due_at:%Y-%m-%d %H:%M} UTC; escalated to the abuse team.",
                    now=now)
    notifications.alert_abuse_team(case, NotificationKind.RESPONSE_BREACHED, "Response deadline missed", now=now)
    _tell_responsible(case, NotificationKind.RESPONSE_BREACHED_LESSEE, "Response deadline missed",
                 f"The response deadline of abuse case {case.pk} passed at "
                 f"{case.response_due_at:%Y-%m-%d %H:%M} UTC without an answer.", now)
    logger.warning("Case %s: response deadline %s missed", case.pk, case.response_due_at)


def _escalate_resolution(case, now):
    case.resolution_breached_at = now
    actions.raise_severity(case, now, "the resolution deadline passed")
    case.escalation = max(case.escalation, Escalation.ABUSE_TEAM)
    case.save(update_fields=["resolution_breached_at", "severity", "escalation", "updated_at"])
    timeline.record(case, TimelineKind.ESCALATION,
                    f"Not mitigated by {case.resolution_due_at:%Y-%m-%d %H:%M} UTC; escalated to the abuse team.",
                    now=now)
    notifications.alert_abuse_team(case, NotificationKind.RESOLUTION_BREACHED, "Resolution deadline missed", now=now)
    _tell_responsible(case, NotificationKind.RESOLUTION_BREACHED_LESSEE, "Resolution deadline missed",
                 f"The abuse of case {case.pk} was not marked mitigated by "
                 f"{case.resolution_due_at:%Y-%m-%d %H:%M} UTC; the abuse team has been told.", now)
    logger.warning("Case %s: resolution deadline %s missed", case.pk, case.resolution_due_at)
    if sla.suspends_on_breach(case) and case.lease is not None and case.lease.state == LeaseState.ACTIVE:
        try:
            actions.suspend_lease(case, user=None, reason="resolution deadline missed")
        except actions.CaseActionError as exc:
            logger.warning("Case %s: suspension on breach failed: %s", case.pk, exc)
            timeline.record(case, TimelineKind.ENFORCEMENT, f"Suspension on breach failed: {exc}",
                            internal=True, now=now)


def _tell_responsible(case, kind, title, text, now):
    # The holder responds for space no lease covered. Platform queue cases
    # have no organisation to mail, because the abuse team handles them.
    party = responsible_party(case)
    if party is None:
        return
    organization = case.lessee if party[0] == "lessee" else case.holder
    notifications.notify(
        case, kind, notifications.abuse_contacts(organization), f"[Abuse case {case.pk}] {title}",
        f"{text}\nAnswer at {notifications.case_url(case)}\n", now=now,
    )
