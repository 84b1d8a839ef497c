"""Filing parsed events: attribution, deduplication and grouping into cases."""

import hashlib
import ipaddress
import logging
from collections import Counter, defaultdict

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from . import notifications, sla, timeline
from .attribution import attribute_many, leases_under_rpki_control
from .bulk import update_rows
from .choices import BASE_SEVERITY, OPEN_STATES, SEVERITY_STEPS, CaseState, Escalation, Queue, Severity, TimelineKind
from .models import Case, Event, TimelineEntry

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
    return file_batch([(report, parsed_events)])[0]


def file_batch(batch):
    """File the events of many reports at once, as `file_events` would one report after another.

    `batch` is a list of (report, parsed events) in the order the reports
    arrived. Runs in the caller's transaction, in a fixed number of
    statements for the whole batch (one deduplication read, one attribution
    query, one read of the open cases, a few bulk inserts) plus one update
    per case that earlier reports opened. Returns (new events, duplicates)
    for each report, in order.
    """
    fresh, repeats = _deduplicate(batch)
    attributions = _attribute(fresh)

    # Group per report, in arrival order, so a case opens with the events
    # of the first report that names it and later reports join it.
    plans = []
    for (report, _), report_fresh in zip(batch, fresh):
        groups = {}
        for key, parsed in report_fresh:
            attribution = attributions[(parsed.ip, parsed.occurred_at)]
            grouping = _grouping_key(attribution, parsed.category)
            groups.setdefault(grouping, (attribution, []))[1].append((key, parsed))
        plans.append((report, groups))
    grouping_keys = sorted({grouping for _, groups in plans for grouping in groups})
    _lock_groups(grouping_keys)
    cases = {case.grouping_key: case for case in Case.objects.filter(
        grouping_key__in=grouping_keys, state__in=OPEN_STATES)}

    policies = sla.active_policies()
    now = timezone.now()
    contacts = _contact_cache()
    controlled = leases_under_rpki_control(
        attribution.lease
        for _, groups in plans
        for grouping, (attribution, _) in groups.items()
        if grouping not in cases
    )
    opened = []
    for report, groups in plans:
        for grouping, (attribution, group) in groups.items():
            if grouping not in cases:
                cases[grouping] = _new_case(grouping, attribution, [parsed for _, parsed in group], policies,
                                            contacts, now, controlled)
                opened.append((cases[grouping], report, len(group)))
    _open_cases(opened, contacts, now)

    events = []
    for report, groups in plans:
        for grouping, (attribution, group) in groups.items():
            for key, parsed in group:
                event = _event(report, parsed, attribution, cases[grouping])
                event.repeat_count = repeats.pop(key, 0)
                events.append(event)
    _add_repeats(repeats)
    created = _insert_events(events)

    added = Counter((event.report_id, event.case_id) for event in created)
    opened_by = {case.pk: report.pk for case, report, _ in opened}
    joined = defaultdict(list)
    for report, groups in plans:
        for grouping in groups:
            case_id = cases[grouping].pk
            if opened_by.get(case_id) != report.pk and added[(report.pk, case_id)]:
                joined[case_id].append((report, added[(report.pk, case_id)]))
    _refresh_cases(joined, policies, now)

    per_report = Counter(event.report_id for event in created)
    return [(per_report[report.pk], len(parsed_events) - per_report[report.pk])
            for report, parsed_events in batch]


def _observation(report, parsed):
    """Return the deduplication key: source, address, time and type."""
    return (report.source, ipaddress.IPv4Network(parsed.ip), parsed.occurred_at, parsed.type)


def _deduplicate(batch):
    """Split each report's events into new observations and repeats.

    Returns ([[(key, parsed)] per report], {key: repeats}): an observation
    stored before, or by an earlier report of the batch, is a repeat of that
    event when it comes from another report, and counted once within a report.
    """
    unique_per_report = []
    for report, parsed_events in batch:
        unique = {}
        for parsed in parsed_events:
            unique.setdefault(_observation(report, parsed), parsed)
        unique_per_report.append(unique)
    stored = _stored_observations({key for unique in unique_per_report for key in unique})
    repeats = Counter()
    fresh = []
    for (report, _), unique in zip(batch, unique_per_report):
        report_fresh = []
        for key, parsed in unique.items():
            if key in stored:
                if stored[key] != report.pk:
                    repeats[key] += 1
                continue
            stored[key] = report.pk
            report_fresh.append((key, parsed))
        fresh.append(report_fresh)
    return fresh, repeats


_STORED_SQL = f"""
    SELECT event.source, event.ip, event.occurred_at, event.type, event.report_id
    FROM unnest(%s::varchar[], %s::cidr[], %s::timestamptz[], %s::varchar[]) AS key(source, ip, at, type)
    JOIN {Event._meta.db_table} AS event
      ON event.source = key.source AND event.ip = key.ip AND event.occurred_at = key.at AND event.type = key.type
"""

_REPEAT_SQL = f"""
    UPDATE {Event._meta.db_table} AS event SET repeat_count = event.repeat_count + key.repeats
    FROM unnest(%s::varchar[], %s::cidr[], %s::timestamptz[], %s::varchar[], %s::int[])
         AS key(source, ip, at, type, repeats)
    WHERE event.source = key.source AND event.ip = key.ip AND event.occurred_at = key.at AND event.type = key.type
"""


def _columns(keys):
    keys = list(keys)
    return [
        [key[0] for key in keys], [str(key[1]) for key in keys], [key[2] for key in keys], [key[3] for key in keys],
    ]


def _stored_observations(keys):
    """Return {key: report id} for the observations among `keys` already stored, in one query."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_STORED_SQL, _columns(keys))
        rows = cursor.fetchall()
    return {(source, ipaddress.IPv4Network(ip), occurred_at, kind): report_id
            for source, ip, occurred_at, kind, report_id in rows}


def _add_repeats(repeats):
    """Raise the repeat count of stored events by how often the batch repeated them."""
    if not repeats:
        return
    keys = list(repeats)
    with connection.cursor() as cursor:
        cursor.execute(_REPEAT_SQL, [*_columns(keys), [repeats[key] for key in keys]])


def _attribute(fresh):
    """Return {(address, time): Attribution} for the new events, in one pass over the leases."""
    pairs = list(dict.fromkeys((parsed.ip, parsed.occurred_at) for report_fresh in fresh for _, parsed in report_fresh))
    return dict(zip(pairs, attribute_many(pairs)))


def _grouping_key(attribution, category):
    return f"{attribution.grouping_prefix}:{category}"


def _lock_groups(grouping_keys):
    """Take a transaction advisory lock per grouping key, in a fixed order.

    Two intakes that would open a case for the same lease and category wait
    for each other here, so the second one finds the first one's case.
    The partial unique index on open cases stays as the last safeguard.
    """
    if not grouping_keys:
        return
    ids = sorted({int.from_bytes(hashlib.sha256(f"abuse-case:{key}".encode()).digest()[:8], "big", signed=True)
                  for key in grouping_keys})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_advisory_xact_lock(id)) FROM unnest(%s::bigint[]) AS id", [ids])


def _contact_cache():
    cache = {}

    def contacts(organization):
        if organization is None:
            return []
        if organization.pk not in cache:
            cache[organization.pk] = notifications.abuse_contacts(organization)
        return cache[organization.pk]

    return contacts


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
    """Insert the events in bulk; when a concurrent intake stored one first, insert one by one."""
    try:
        with transaction.atomic():
            return Event.objects.bulk_create(events, batch_size=1000)
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


def _new_case(key, attribution, group, policies, contacts, now, controlled_lease_ids):
    """Return an unsaved case for a group that has no open case, holding the group's counts."""
    category = group[0].category
    case = Case(
        grouping_key=key,
        queue=attribution.queue,
        category=category,
        severity=severity_for(category, len(group)),
        lease=attribution.lease,
        lessee=attribution.lessee,
        holder=attribution.holder,
        rpki_controlled=attribution.lease is not None and attribution.lease.pk in controlled_lease_ids,
        event_count=len(group),
        first_event_at=min(parsed.occurred_at for parsed in group),
        last_event_at=max(parsed.occurred_at for parsed in group),
        opened_at=now,
        # The warning below goes out with the case. Without a contact to
        # send it to, the timeline records that and the level stays at none.
        escalation=Escalation.WARNED if contacts(attribution.lessee) else Escalation.NONE,
    )
    sla.apply_policy(case, policies)
    return case


def _open_cases(opened, contacts, now):
    """Insert the new cases, their opening entries and their first notices.

    `opened` lists (case, report, events) in arrival order. The advisory
    locks of `_lock_groups` make a conflict here a bug, not a race.
    """
    if not opened:
        return
    Case.objects.bulk_create([case for case, _, _ in opened], batch_size=1000)
    TimelineEntry.objects.bulk_create([
        timeline.entry(
            case, TimelineKind.OPENED,
            f"Case opened for {case.subject} with {events} event(s) from report {report.pk}.",
            now=now, data={"report": report.pk, "events": events},
        )
        for case, report, events in opened
    ], batch_size=1000)
    notifications.opening_notices([case for case, _, _ in opened], contacts, now)
    for case, _, _ in opened:
        logger.info("Opened abuse case %s (%s) for %s", case.pk, case.category, case.grouping_key)


def _refresh_cases(joined, policies, now):
    """Recount the joined cases under their row locks, add timeline entries and raise severity.

    `joined` maps a case id to [(report, events added)] in arrival order.
    Each report's addition gets its entry and the severity check at the
    count it brought the case to, as if the reports had come one by one.
    """
    if not joined:
        return
    # Locking in primary key order keeps two intakes that join the same
    # cases from waiting on each other in opposite orders.
    locked = list(Case.objects.select_for_update().filter(pk__in=joined).order_by("pk"))
    totals = {
        row["case_id"]: row
        for row in Event.objects.filter(case_id__in=joined).values("case_id").annotate(
            count=Count("pk"), first=Min("occurred_at"), last=Max("occurred_at"))
    }
    entries = []
    fields = ["event_count", "first_event_at", "last_event_at", "updated_at", "severity",
              "policy", "response_due_at", "resolution_due_at", "state", "mitigated_at"]
    for case in locked:
        total = totals[case.pk]
        case.event_count = total["count"]
        case.first_event_at = total["first"]
        case.last_event_at = total["last"]
        case.updated_at = now
        additions = joined[case.pk]
        remaining = sum(events for _, events in additions)
        for report, events in additions:
            remaining -= events
            entries.extend(_joined_entries(case, report, events, case.event_count - remaining, policies, now))
    update_rows(Case, locked, fields)
    TimelineEntry.objects.bulk_create(entries, batch_size=1000)


def _joined_entries(case, report, added, count, policies, now):
    """Apply one report's events to a locked case; return the timeline entries it earns."""
    entries = [timeline.entry(
        case, TimelineKind.EVENTS, f"{added} event(s) added from report {report.pk}.",
        data={"report": report.pk, "events": added}, now=now,
    )]
    severity = severity_for(case.category, count)
    if severity > case.severity:
        entries.append(timeline.entry(
            case, TimelineKind.STATE,
            f"Severity raised from {case.get_severity_display()} to {Severity(severity).label} at {count} events.",
            now=now,
        ))
        case.severity = severity
        if sla.apply_policy(case, policies):
            entries.append(timeline.entry(case, TimelineKind.DEADLINE, _deadline_text(case), now=now))
    if case.state == CaseState.MITIGATED:
        case.state = CaseState.ACKNOWLEDGED
        case.mitigated_at = None
        entries.append(timeline.entry(
            case, TimelineKind.STATE, "New events after mitigation; the case is open again.", now=now,
        ))
    return entries


def _deadline_text(case):
    return (
        f"Deadlines: respond by {case.response_due_at:%Y-%m-%d %H:%M} UTC, "
        f"mitigate by {case.resolution_due_at:%Y-%m-%d %H:%M} UTC."
    )
