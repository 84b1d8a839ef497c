"""Filing parsed events: attribution, deduplication and grouping into cases."""

import ipaddress
import logging
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Q
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

    Runs in the caller's transaction. Observations already stored (by any
    report) are not stored again; one from another report raises that
    event's `repeat_count`. Returns (new events, duplicates).
    """
    unique = {}
    for parsed in parsed_events:
        unique.setdefault(_observation(report, parsed), parsed)
    stored = _stored_observations(report, unique)
    fresh = [parsed for key, parsed in unique.items() if key not in stored]
    repeated = [key for key, report_id in stored.items() if report_id != report.pk]
    if repeated:
        Event.objects.filter(_matching(repeated)).update(repeat_count=F("repeat_count") + 1)

    groups = {}
    for parsed in fresh:
        attribution = attribute(parsed.ip, parsed.occurred_at)
        key = _grouping_key(attribution, parsed.category)
        groups.setdefault(key, (attribution, []))[1].append(parsed)

    policies = sla.active_policies()
    events = []
    joined = {}
    for key, (attribution, group) in groups.items():
        case, is_new = _case_for(key, attribution, group, report, policies)
        if not is_new:
            joined[case.pk] = case
        events.extend(_event(report, parsed, attribution, case) for parsed in group)
    created = _insert_events(events)

    added = Counter(event.case_id for event in created)
    # Locking in primary key order keeps two reports that join the same
    # cases from waiting on each other in opposite orders.
    for pk in sorted(joined):
        if added[pk]:
            _refresh_case(joined[pk], report, added[pk], policies)
    return len(created), len(parsed_events) - len(created)


def _observation(report, parsed):
    """Return the deduplication key: source, address, time and type."""
    return (report.source, ipaddress.IPv4Network(parsed.ip), parsed.occurred_at, parsed.type)


def _matching(keys):
    condition = Q()
    for source, ip, occurred_at, kind in keys:
        condition |= Q(source=source, ip=ip, occurred_at=occurred_at, type=kind)
    return condition


def _stored_observations(report, unique):
    """Return {key: report id} for the observations among `unique` already stored."""
    if not unique:
        return {}
    rows = Event.objects.filter(
        source=report.source, ip__in=[key[1] for key in unique],
        occurred_at__in={key[2] for key in unique},
    ).values_list("source", "ip", "occurred_at", "type", "report_id")
    return {
        (source, ip, occurred_at, kind): report_id
        for source, ip, occurred_at, kind, report_id in rows
        if (source, ip, occurred_at, kind) in unique
    }


def _grouping_key(attribution, category):
    return f"{attribution.grouping_prefix}:{category}"


def _event(report, parsed, attribution, case):
    return Event(
        report=report,
        case=case,
        source=report.source,
        ip=str(parsed.ip),
        occurred_at=parsed.occurred_at,
        type=parsed.type,
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
    )


def _insert_events(events):
    """Insert the events in one statement; when a concurrent intake stored one first, insert one by one."""
    try:
        with transaction.atomic():
            return Event.objects.bulk_create(events)
    except IntegrityError as exc:
        if "event_unique_observation" not in str(exc):
            raise
    created = []
    for event in events:
        try:
            with transaction.atomic():
                event.save(force_insert=True)
        except IntegrityError as exc:
            if "event_unique_observation" not in str(exc):
                raise
            event.pk = None
            continue
        created.append(event)
    return created


def _case_for(key, attribution, group, report, policies):
    """Return (case, is_new): the group's open case, or a new one holding the group's counts."""
    case = Case.objects.filter(grouping_key=key, state__in=OPEN_STATES).first()
    if case is not None:
        return case, False
    category = group[0].category
    now = timezone.now()
    case = Case(
        grouping_key=key,
        queue=attribution.queue,
        category=category,
        severity=severity_for(category, len(group)),
        lease=attribution.lease,
        lessee=attribution.lessee,
        holder=attribution.holder,
        rpki_controlled=space_under_rpki_control(attribution.lease) if attribution.lease else False,
        event_count=len(group),
        first_event_at=min(parsed.occurred_at for parsed in group),
        last_event_at=max(parsed.occurred_at for parsed in group),
        opened_at=now,
        # The warning below goes out with the case. Without a contact to
        # send it to, the timeline records that and the level stays at none.
        escalation=Escalation.WARNED if notifications.abuse_contacts(attribution.lessee) else Escalation.NONE,
    )
    sla.apply_policy(case, policies)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        if "case_one_open_per_group" not in str(exc):
            raise
        # Another intake opened the group's case first; join it.
        return Case.objects.get(grouping_key=key, state__in=OPEN_STATES), False
    timeline.record(
        case, TimelineKind.OPENED,
        f"Case opened for {case.subject} with {len(group)} event(s) from report {report.pk}.",
        now=now, data={"report": report.pk, "events": len(group)},
    )
    if case.queue == Queue.LESSEE:
        notifications.warn_lessee(case, now=now)
    elif case.queue == Queue.HOLDER:
        notifications.inform_holder(case, now=now)
    logger.info("Opened abuse case %s (%s) for %s", case.pk, case.category, key)
    return case, True


def _refresh_case(case, report, added, policies):
    """Recount a case's events under its row lock and raise its severity if due."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    totals = case.events.aggregate(count=Count("pk"), first=Min("occurred_at"), last=Max("occurred_at"))
    case.event_count = totals["count"]
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
        if sla.apply_policy(case, policies):
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
