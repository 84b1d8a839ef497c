"""State changes of cases. Views, the API, the admin and tasks all call these.

Each function locks the case row, checks the change is allowed in the
case's state, applies it and writes a timeline entry. A change the state
does not allow raises CaseActionError with a message for the user.
"""

import logging

from django.db import transaction
from django.utils import timezone

from core.text import duration_text
from leases import services as lease_services
from leases.choices import LeaseState
from leases.exceptions import InvalidTransition

from . import notifications, timeline
from .access import responsible_party
from .choices import (
    CLOCK_STATES, CLOSED_STATES, OPEN_STATES, CaseState, Escalation, NotificationKind, Severity, TimelineKind,
)
from .models import Case

logger = logging.getLogger(__name__)


class CaseActionError(ValueError):
    pass


def _locked(case):
    return (
        Case.objects.select_for_update(of=("self",)).select_related("lease", "lessee", "holder").get(pk=case.pk)
    )


def _require(case, states, verb):
    if case.state not in states:
        labels = [CaseState(state).label.lower() for state in states]
        allowed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
        raise CaseActionError(
            f"Case {case.pk} is {case.get_state_display().lower()}; it can be {verb} only when {allowed}."
        )


def _party(case):
    """Return "lessee" or "holder": who responds to the case (see access.responsible_party)."""
    party = responsible_party(case)
    return party[0] if party else "lessee"


def _party_label(case, user):
    return f"{user.get_username()} ({_party(case)})"


def _mark_responded(case, now):
    if case.responded_at is None:
        case.responded_at = now


def acknowledge(case, *, user, by_staff=False):
    """Record the acknowledgement, which meets the response deadline.

    With `by_staff`, the abuse team records an acknowledgement that reached
    it some other way. The timeline entry then names the abuse team, not
    the user as the lessee.
    """
    with transaction.atomic():
        case = _locked(case)
        _require(case, (CaseState.OPEN,), "acknowledged")
        now = timezone.now()
        _mark_responded(case, now)
        case.state = CaseState.ACKNOWLEDGED
        case.save(update_fields=["state", "responded_at", "updated_at"])
        if by_staff:
            timeline.record(case, TimelineKind.STATE, "The abuse team marked the case acknowledged.",
                            actor=user, now=now)
        else:
            timeline.record(case, TimelineKind.STATE, f"The {_party(case)} acknowledged the case.",
                            actor=user, actor_label=_party_label(case, user), now=now)
    return case


def post_message(case, *, user, text, from_lessee):
    """Add a message visible to the lessee; a lessee's message counts as its response."""
    text = text.strip()
    if not text:
        raise CaseActionError("The message is empty; write what happened or what you did.")
    with transaction.atomic():
        case = _locked(case)
        _require(case, OPEN_STATES, "answered")
        now = timezone.now()
        label = _party_label(case, user) if from_lessee else None
        if from_lessee and case.responded_at is None:
            _mark_responded(case, now)
            case.save(update_fields=["responded_at", "updated_at"])
        timeline.record(case, TimelineKind.MESSAGE, text, actor=user, actor_label=label, now=now)
    return case


def describe_mitigation(case, *, user, text):
    """Store the lessee's description of its mitigation, which also counts as its response."""
    text = text.strip()
    if not text:
        raise CaseActionError("The mitigation is empty; describe what was done about the abuse.")
    with transaction.atomic():
        case = _locked(case)
        _require(case, OPEN_STATES, "answered")
        now = timezone.now()
        _mark_responded(case, now)
        case.mitigation = text
        case.save(update_fields=["mitigation", "responded_at", "updated_at"])
        timeline.record(case, TimelineKind.MESSAGE, f"Mitigation: {text}",
                        actor=user, actor_label=_party_label(case, user), now=now)
    return case


def mark_mitigated(case, *, user, text=""):
    """Record that the lessee stopped the abuse, which meets the resolution deadline.

    Staff confirm with `resolve`; new events reopen the case.
    """
    with transaction.atomic():
        case = _locked(case)
        _require(case, CLOCK_STATES, "marked mitigated")
        now = timezone.now()
        _mark_responded(case, now)
        case.mitigated_at = now
        case.state = CaseState.MITIGATED
        if text.strip():
            case.mitigation = text.strip()
        case.save(update_fields=["state", "mitigated_at", "responded_at", "mitigation", "updated_at"])
        timeline.record(case, TimelineKind.STATE, f"The {_party(case)} marked the abuse as mitigated."
                        + (f" {text.strip()}" if text.strip() else ""),
                        actor=user, actor_label=_party_label(case, user), now=now)
    return case


def add_note(case, *, user, text):
    """Add an internal note, never shown or sent to the lessee or holder."""
    text = text.strip()
    if not text:
        raise CaseActionError("The note is empty.")
    return timeline.record(case, TimelineKind.NOTE, text, actor=user, internal=True)


def assign(case, *, user, assignee):
    with transaction.atomic():
        case = _locked(case)
        case.assigned_to = assignee
        case.save(update_fields=["assigned_to", "updated_at"])
        name = assignee.get_username() if assignee else "nobody"
        timeline.record(case, TimelineKind.ASSIGNMENT, f"Assigned to {name}.", actor=user, internal=True)
    return case


def pause(case, *, user, reason):
    """Stop the SLA clocks while the abuse team waits for the reporter."""
    with transaction.atomic():
        case = _locked(case)
        _require(case, CLOCK_STATES, "paused")
        now = timezone.now()
        case.state = CaseState.PAUSED
        case.paused_at = now
        case.save(update_fields=["state", "paused_at", "updated_at"])
        text = "Paused, waiting for the reporter."
        if reason.strip() and reason.strip().lower() != "waiting for the reporter":
            text = f"Paused, waiting for the reporter: {reason.strip()}"
        timeline.record(case, TimelineKind.STATE, text, actor=user, now=now)
    return case


def resume(case, *, user):
    """Restart the SLA clocks; both deadlines move by the time spent paused."""
    with transaction.atomic():
        case = _locked(case)
        _require(case, (CaseState.PAUSED,), "resumed")
        now = timezone.now()
        paused_for = now - case.paused_at
        case.paused_total += paused_for
        case.response_due_at += paused_for
        case.resolution_due_at += paused_for
        case.paused_at = None
        case.state = CaseState.ACKNOWLEDGED if case.responded_at else CaseState.OPEN
        case.save(update_fields=["state", "paused_at", "paused_total", "response_due_at",
                                 "resolution_due_at", "updated_at"])
        timeline.record(
            case, TimelineKind.DEADLINE,
            f"Resumed after {duration_text(paused_for)}; respond by {case.response_due_at:%Y-%m-%d %H:%M} UTC, "
            f"mitigate by {case.resolution_due_at:%Y-%m-%d %H:%M} UTC.",
            actor=user, now=now, data={"paused_seconds": int(paused_for.total_seconds())},
        )
    return case


def raise_severity(case, now, reason, *, user=None):
    """Raise the severity one step (the caller holds the row lock and saves)."""
    if case.severity < Severity.CRITICAL:
        previous = case.get_severity_display()
        case.severity += 1
        timeline.record(case, TimelineKind.ESCALATION,
                        f"Severity raised from {previous} to {Severity(case.severity).label}: {reason}",
                        actor=user, now=now)


def escalate(case, *, user, reason):
    """Hand the case to the abuse team by hand, raising its severity."""
    with transaction.atomic():
        case = _locked(case)
        _require(case, OPEN_STATES, "escalated")
        now = timezone.now()
        raise_severity(case, now, reason, user=user)
        case.escalation = max(case.escalation, Escalation.ABUSE_TEAM)
        case.save(update_fields=["severity", "escalation", "updated_at"])
        notifications.alert_abuse_team(case, NotificationKind.ESCALATED, f"Escalated: {reason}", now=now)
    return case


def suspend_lease(case, *, user, reason):
    """Suspend the lease at fault; the lessee's other leases stay as they are.

    `user` is None when the escalation task suspends on a breach.
    """
    with transaction.atomic():
        case = _locked(case)
        _require(case, OPEN_STATES, "used to suspend a lease")
        lease = case.lease
        if lease is None:
            raise CaseActionError(f"Case {case.pk} concerns no lease, so there is nothing to suspend.")
        if lease.state != LeaseState.ACTIVE:
            raise CaseActionError(
                f"Lease {lease.prefix} is {lease.get_state_display().lower()}; only an active lease can be suspended."
            )
        now = timezone.now()
        case.suspension_decided_at = now
        try:
            lease_services.suspend(lease, reason=f"Abuse case {case.pk}: {reason}", user=user)
        except InvalidTransition as exc:
            raise CaseActionError(str(exc)) from None
        case.escalation = max(case.escalation, Escalation.SUSPENDED)
        case.save(update_fields=["escalation", "suspension_decided_at", "updated_at"])
        timeline.record(case, TimelineKind.ENFORCEMENT, f"Lease {lease.prefix} suspended: {reason}",
                        actor=user, now=now)
        subject = f"[Abuse case {case.pk}] Lease {lease.prefix} suspended"
        body = (f"Your lease of {lease.prefix} is suspended because of abuse case {case.pk}: {reason}\n"
                f"Details and your response form: {notifications.case_url(case)}\n")
        notifications.notify(case, NotificationKind.SUSPENDED, notifications.abuse_contacts(case.lessee), subject,
                             body, now=now)
    logger.warning("Case %s: suspended lease %s", case.pk, lease.pk)
    return case


def record_roa_change_published(*, lease_ids, published_at):
    """Stamp the time a parking ROA change went out on cases whose suspension it carried out.

    The rpki app calls this after it publishes changes that take space away
    from lessees. Only cases with a suspension decided before `published_at`
    and no publication recorded yet are stamped, so a repeat call changes
    nothing.
    """
    cases = list(
        Case.objects.filter(
            lease_id__in=lease_ids,
            suspension_decided_at__isnull=False,
            suspension_decided_at__lte=published_at,
            roa_change_published_at__isnull=True,
        )
    )
    for case in cases:
        case.roa_change_published_at = published_at
        case.save(update_fields=["roa_change_published_at", "updated_at"])
        delay = published_at - case.suspension_decided_at
        timeline.record(
            case,
            TimelineKind.ENFORCEMENT,
            f"Parking ROA change for {case.lease.prefix} published "
            f"{int(delay.total_seconds() // 60)} minutes after the suspension decision",
            now=published_at,
        )
    return len(cases)


def terminate_lease(case, *, user, reason):
    """End the lease at fault now. Staff only."""
    with transaction.atomic():
        case = _locked(case)
        lease = case.lease
        if lease is None:
            raise CaseActionError(f"Case {case.pk} concerns no lease, so there is nothing to terminate.")
        try:
            lease_services.terminate(lease, reason=f"Abuse case {case.pk}: {reason}", user=user)
        except InvalidTransition as exc:
            raise CaseActionError(str(exc)) from None
        now = timezone.now()
        case.escalation = Escalation.TERMINATED
        case.save(update_fields=["escalation", "updated_at"])
        timeline.record(case, TimelineKind.ENFORCEMENT, f"Lease {lease.prefix} terminated: {reason}",
                        actor=user, now=now)
    logger.warning("Case %s: terminated lease %s", case.pk, lease.pk)
    return case


def resolve(case, *, user, note=""):
    """Close a case as handled. A case without a mitigation time gets now."""
    return _close(case, user=user, state=CaseState.RESOLVED, text="Resolved." + (f" {note}" if note else ""))


def close_invalid(case, *, user, reason):
    return _close(case, user=user, state=CaseState.INVALID, text=f"Closed as invalid: {reason}")


def _close(case, *, user, state, text):
    with transaction.atomic():
        case = _locked(case)
        if case.state in CLOSED_STATES:
            raise CaseActionError(f"Case {case.pk} is already {case.get_state_display().lower()}.")
        now = timezone.now()
        if case.state == CaseState.PAUSED:
            case.paused_total += now - case.paused_at
            case.paused_at = None
        if state == CaseState.RESOLVED and case.mitigated_at is None:
            case.mitigated_at = now
        case.state = state
        case.closed_at = now
        case.save(update_fields=["state", "closed_at", "mitigated_at", "paused_at", "paused_total", "updated_at"])
        timeline.record(case, TimelineKind.STATE, text, actor=user, now=now)
    return case
