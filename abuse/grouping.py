"""Filing parsed events: attribution, deduplication and grouping into cases."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from . import notifications, sla, timeline
from .attribution import attribute, space_under_rpki_control
from .choices import BASE_SEVERITY, OPEN_STATES, SEVERITY_STEPS, CaseState, Escalation, Queue, Severity, TimelineKind
from .models import Case, Event

logger = logging.getLogger(__name__)


def severity_for(category, event_count):
    """Severity from the category, one step up at each count in SEVERITY_STEPS."""
    severity = BASE_SEVERITY[category] + sum(1 for step in SEVERITY_STEPS if event_count >= step)
    return min(severity, Severity.CRITICAL)


def file_events(report, parsed_events):
    """Store the report's events, attribute each and add it to its case.

    Runs in the caller's transaction. Returns (new events, duplicates).
    """
    touched = {}
    duplicates = 0
    for parsed in parsed_events:
        attribution = attribute(parsed.ip, parsed.occurred_at)
        event = _insert_event(report, parsed, attribution)
        if event is None:
            duplicates += 1
            continue
        case = touched.get(_grouping_key(attribution, parsed.category))
        if case is None:
            case = _open_case(attribution, parsed)
            touched[case.grouping_key] = case
        event.case = case
        event.save(update_fields=["case"])
    # Locking in primary key order keeps two reports that touch the same
    # cases from waiting on each other in opposite orders.
    for case in sorted(touched.values(), key=lambda case: case.pk):
        _refresh_case(case, report)
    return len(parsed_events) - duplicates, duplicates


def _grouping_key(attribution, category):
    return f"{attribution.grouping_prefix}:{category}"


def _insert_event(report, parsed, attribution):
    """Insert one event, or return None when the same observation is already stored."""
    fields = dict(
        source=report.source,
        ip=str(parsed.ip),
        occurred_at=parsed.occurred_at,
        type=parsed.type,
    )
    try:
        with transaction.atomic():
            return Event.objects.create(
                report=report,
                port=parsed.port,
                zone_assumed=parsed.zone_assumed,
                category=parsed.category,
                reporter=parsed.reporter,
                confidence=parsed.confidence,
                description=parsed.description,
                evidence=parsed.evidence,
                lease=attribution.lease,
                lessee=attribution.lessee,
                holder=attribution.holder,
                **fields,
            )
    except IntegrityError as exc:
        if "event_unique_observation" not in str(exc):
            raise
    # A parse of the same report again finds its own events; only a new
    # report of the same observation counts as a repeat.
    Event.objects.filter(**fields).exclude(report=report).update(repeat_count=F("repeat_count") + 1)
    return None


def _open_case(attribution, parsed):
    """Return the open case of the event's group, opening one if there is none."""
    key = _grouping_key(attribution, parsed.category)
    case = Case.objects.filter(grouping_key=key, state__in=OPEN_STATES).first()
    if case is not None:
        return case
    now = timezone.now()
    case = Case(
        grouping_key=key,
        queue=attribution.queue,
        category=parsed.category,
        severity=severity_for(parsed.category, 1),
        lease=attribution.lease,
        lessee=attribution.lessee,
        holder=attribution.holder,
        rpki_controlled=space_under_rpki_control(attribution.lease) if attribution.lease else False,
        first_event_at=parsed.occurred_at,
        last_event_at=parsed.occurred_at,
        opened_at=now,
    )
    sla.apply_policy(case)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        if "case_one_open_per_group" not in str(exc):
            raise
        # Another intake opened the group's case first; join it.
        return Case.objects.get(grouping_key=key, state__in=OPEN_STATES)
    timeline.record(case, TimelineKind.OPENED, f"Case opened for {case.subject}.", now=now)
    if case.queue == Queue.LESSEE:
        if notifications.warn_lessee(case, now=now):
            case.escalation = Escalation.WARNED
            case.save(update_fields=["escalation", "updated_at"])
    elif case.queue == Queue.HOLDER:
        notifications.inform_holder(case, now=now)
    logger.info("Opened abuse case %s (%s) for %s", case.pk, case.category, key)
    return case


def _refresh_case(case, report):
    """Recount a case's events under its row lock and raise its severity if due."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    totals = case.events.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    added = case.events.filter(report=report).count()
    case.event_count = case.events.count()
    case.first_event_at = totals["first"]
    case.last_event_at = totals["last"]
    fields = ["event_count", "first_event_at", "last_event_at", "updated_at"]
    timeline.record(
        case, TimelineKind.EVENTS, f"{added} event(s) added from report {report.pk}.",
        data={"report": report.pk, "events": added},
    )
    severity = severity_for(case.category, case.event_count)
    if severity > case.severity:
        timeline.record(
            case, TimelineKind.STATE,
            f"Severity raised from {case.get_severity_display()} to {Severity(severity).label} "
            f"at {case.event_count} events.",
        )
        case.severity = severity
        fields.append("severity")
        if sla.apply_policy(case):
            fields += ["policy", "response_due_at", "resolution_due_at"]
            timeline.record(case, TimelineKind.DEADLINE, _deadline_text(case))
    if case.state == CaseState.MITIGATED:
        case.state = CaseState.ACKNOWLEDGED
        case.mitigated_at = None
        fields += ["state", "mitigated_at"]
        timeline.record(case, TimelineKind.STATE, "New events after mitigation; the case is open again.")
    case.save(update_fields=fields)


def _deadline_text(case):
    return (
        f"Deadlines: respond by {case.response_due_at:%Y-%m-%d %H:%M} UTC, "
        f"mitigate by {case.resolution_due_at:%Y-%m-%d %H:%M} UTC."
    )
