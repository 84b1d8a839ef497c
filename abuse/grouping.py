"""Filing parsed events: attribution, deduplication and grouping into cases.

The intake files reports in batches, and a batch costs a fixed number of
statements whatever its size. They are one attribution query, one statement
of advisory locks, one read of the stored observations and one of the open
cases. COPY then writes the new cases, events, timeline entries and queued
notifications, and one UPDATE the cases that gained events. Decisions are
made in Python on plain values, and no model object is built per event.
"""

import bisect
import hashlib
import logging
from collections import Counter

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.sql import array_literal, json_text, server_cursor
from leases.selectors import holdings_from_rows, holdings_statement
from rpki.selectors import control_statement

from . import notifications, sla
from .attribution import grouping_prefix_of, queue_of
from .bulk import copy_rows, execute, insert_statement, reserve_ids, update_statement
from .choices import (
    BASE_SEVERITY, OPEN_STATES, SEVERITY_STEPS, CaseState, Category, Escalation, NotificationStatus, Severity,
    TimelineKind,
)
from .models import Case, Event, Notification, SlaPolicy, TimelineEntry
from .models.cases import addresses_title
from .timeline import SYSTEM

logger = logging.getLogger(__name__)


def severity_for(category, event_count):
    """Severity from the category, one step up at each count in SEVERITY_STEPS."""
    severity = BASE_SEVERITY[category] + bisect.bisect_right(SEVERITY_STEPS, event_count)
    return min(severity, Severity.CRITICAL)


class _CaseRow:
    """The columns of a case that filing reads and writes, without a model instance.

    Carries the attributes `sla.apply_policy` and the notification texts use.
    """

    __slots__ = (
        "pk", "grouping_key", "queue", "category", "severity", "state", "escalation", "lease_id", "lessee_id",
        "holder_id", "prefix", "rpki_controlled", "event_count", "first_event_at", "last_event_at", "policy",
        "opened_at", "paused_total", "response_due_at", "resolution_due_at", "mitigated_at", "new", "subject",
    )

    def __init__(self, *, grouping_key, queue, category, severity, state, escalation, lease_id, lessee_id,
                 holder_id, prefix, event_count, first_event_at, last_event_at, opened_at, paused_total,
                 response_due_at, resolution_due_at, pk=None, rpki_controlled=False, mitigated_at=None, new=False):
        # Plain assignments: a loop of setattr() over keyword arguments
        # cost more than the rest of opening a case.
        self.pk = pk
        self.grouping_key = grouping_key
        self.queue = queue
        self.category = category
        self.severity = severity
        self.state = state
        self.escalation = escalation
        self.lease_id = lease_id
        self.lessee_id = lessee_id
        self.holder_id = holder_id
        self.prefix = prefix
        self.rpki_controlled = rpki_controlled
        self.event_count = event_count
        self.first_event_at = first_event_at
        self.last_event_at = last_event_at
        self.policy = None
        self.opened_at = opened_at
        self.paused_total = paused_total
        self.response_due_at = response_due_at
        self.resolution_due_at = resolution_due_at
        self.mitigated_at = mitigated_at
        self.new = new
        # Set on opening, for the timeline: the prefix, or the addresses as Case.subject gives them.
        self.subject = None


    def get_category_display(self):
        return Category(self.category).label


def plan_batch(batch, *, events=None, holdings=None):
    """Decide what filing `batch` writes, and return the _Filing that contains it.

    `batch` is a list of (report, parsed events) in the order the reports
    arrived. The rows are those of filing the reports one after another: a
    case opens with the events of the first report that names its group,
    and each later report that adds events gets its own timeline entry and
    severity check at the count it brought the case to.

    Runs the reads of filing in the caller's transaction: attribution, the
    advisory locks of the batch's groups, the stored observations and the
    open cases (locked for update). Nothing is written yet. A caller that
    attributed the batch already passes its BatchEvents and the rows of
    `events.attribution_statement()` as `holdings`.
    """
    reads = FilingReads(batch, events=events, holdings=holdings)
    return reads.plan(run_reads(reads.statements()))


def run_reads(statements):
    """Run (sql, params) statements one after another; return the rows of each, or None for one without rows."""
    results = []
    for statement in statements:
        with server_cursor() as cursor:
            cursor.execute(*statement)
            results.append(cursor.fetchall() if cursor.description else None)
    return results


class FilingReads:
    """The reads that filing a batch starts with, as statements a caller can send ahead.

    They are, in order: the advisory locks of the batch's groups, the
    stored observations and the open cases, locked for update. Locks come
    first, so that an intake that waited for them reads the events and
    cases of the one it waited for: each statement reads what was committed
    when it started. Run them in the transaction that writes the filing,
    then pass their results to `plan`.
    """

    def __init__(self, batch, *, events=None, holdings=None):
        self.batch = batch
        self.events = events or BatchEvents(batch)
        found = holdings if holdings is not None else attribute_events(self.events)
        self.holdings = {event: found[position] for event, position in self.events.pair_of_event.items()}
        self.groups = {
            id(parsed): _grouping_key(self.holdings[id(parsed)], parsed.category)
            for _, parsed_events in batch for parsed in parsed_events
        }
        self.grouping_keys = sorted(set(self.groups.values()))
        self.unique_per_report = _unique_observations(batch, self.events.texts)

    def statements(self):
        """Return the (sql, params) of the reads; each returns rows, the locks a count.

        After the locks, the stored observations and the open cases come the
        leases under the platform's RPKI control and the abuse contacts, for
        every holding of the batch, since a case that opens needs them, and
        the active SLA policies.
        """
        if not self.grouping_keys:
            return []
        keys = {key for unique in self.unique_per_report for key in unique}
        holdings = set(self.holdings.values())
        leased = {holding.lease_id: holding.prefix for holding in holdings if holding.lease_id is not None}
        organizations = {holding.lessee_id for holding in holdings} | {holding.holder_id for holding in holdings}
        return [
            _locks_statement(self.grouping_keys),
            _stored_statement(keys),
            _open_cases_statement(self.grouping_keys),
            control_statement(leased, timezone.now()) if leased else _NO_ROWS,
            notifications.contacts_statement(organizations),
            sla.active_policies_statement(),
        ]

    def plan(self, results, claimed=None):
        """Return the _Filing decided from the reads' `results` (the rows of each statement, in order).

        `claimed` is the set of report ids to file, when the caller's claim
        left some of the batch out. The events of the others are not filed,
        although the reads covered them.
        """
        batch, unique_per_report = self.batch, self.unique_per_report
        if claimed is not None:
            claimed_positions = [index for index, (report, _) in enumerate(batch) if report.pk in claimed]
            batch = [batch[index] for index in claimed_positions]
            unique_per_report = [unique_per_report[index] for index in claimed_positions]
        stored, cases, controlled, contacts = {}, {}, set(), {}
        if results:
            _, stored_rows, case_rows, controlled_rows, contact_rows, policy_rows = results
            policies = sla.policies_from_rows(policy_rows)
            stored = _stored_from_rows(stored_rows)
            cases = _open_cases_from_rows(case_rows, policies)
            controlled = {lease_id for lease_id, in controlled_rows}
            contacts = notifications.contacts_from_rows(contact_rows)
        else:
            policies = sla.active_policies()
        fresh, repeats = _deduplicate(batch, unique_per_report, stored)
        plans = []
        for (report, _), report_fresh in zip(batch, fresh):
            planned = {}
            for key, parsed in report_fresh:
                planned.setdefault(self.groups[id(parsed)], []).append((key, parsed))
            plans.append((report, planned))
        filing = _Filing(plans, self.holdings, cases, policies, self.events.texts, repeats, controlled, contacts)
        for report, planned in plans:
            for grouping, group in planned.items():
                filing.add(report, grouping, group)
        return filing


def attribute_events(events):
    """Return the Holding of each pair of a BatchEvents, in one query."""
    statement = events.attribution_statement()
    if statement is None:
        return []
    with server_cursor() as cursor:
        cursor.execute(*statement)
        return holdings_from_rows(cursor.fetchall())


class BatchEvents:
    """The distinct (address, time) pairs of a batch's events, and the text form of each event's address.

    Keyed by the id() of each parsed event, so that events are hashed once
    here instead of at every later lookup. str() of an IPv4Address is not
    cached, and the attribution, the deduplication keys and the event rows
    all use it.
    """

    def __init__(self, batch):
        positions = {}
        self.addresses = []
        self.times = []
        self.pair_of_event = {}
        self.texts = {}
        for _, parsed_events in batch:
            for parsed in parsed_events:
                pair = (int(parsed.ip), parsed.occurred_at)
                position = positions.get(pair)
                text = str(parsed.ip)
                if position is None:
                    position = positions[pair] = len(self.addresses)
                    self.addresses.append(text)
                    self.times.append(parsed.occurred_at)
                self.pair_of_event[id(parsed)] = position
                self.texts[id(parsed)] = text

    def attribution_statement(self):
        """Return the (sql, params) of the `holdings_at` query for the batch's pairs, or None without events."""
        return holdings_statement(self.addresses, self.times)


class _Filing:
    """The rows one batch writes, gathered in arrival order and written in bulk.

    `holdings` maps the id() of each parsed event to its Holding, and
    `texts` to the text form of its address. `controlled` is the set of
    lease ids under the platform's RPKI control, and `contacts` maps
    organisation ids to their abuse addresses.
    """

    def __init__(self, plans, holdings, cases, policies, texts, repeats, controlled, contacts):
        self.holdings = holdings
        self.texts = texts
        self.repeats = repeats
        self.cases = cases
        self.policies = policies
        self.now = timezone.now()
        # The filing time as COPY text, made once: psycopg formats each
        # datetime value anew, and this one is in most rows of the batch.
        self.stamp = self.now.isoformat()
        self.opened = []
        self.events = []
        self.entries = []
        self.controlled = controlled
        self.contacts = contacts
        # Set once the events are written.
        self.stored_per_report = Counter()
        self.touched = set()
        self.notices = []

    def add(self, report, grouping, group):
        parsed_events = [parsed for _, parsed in group]
        holding = self.holdings[id(parsed_events[0])]
        case = self.cases.get(grouping)
        if case is None:
            case = self.cases[grouping] = self._open(grouping, holding, report, parsed_events)
        else:
            self._join(case, report, parsed_events)
        for key, parsed in group:
            self.events.append((report, parsed, holding, case, self.repeats.pop(key, 0)))

    def _open(self, grouping, holding, report, parsed_events):
        category = parsed_events[0].category
        times = [parsed.occurred_at for parsed in parsed_events]
        lessee_contacts = self.contacts.get(holding.lessee_id) if holding.lease_id is not None else None
        case = _CaseRow(
            grouping_key=grouping,
            queue=queue_of(holding),
            category=category,
            severity=severity_for(category, len(parsed_events)),
            state=CaseState.OPEN,
            # The warning goes out with the case. Without a contact to send
            # it to, the timeline records that and the level stays at none.
            escalation=Escalation.WARNED if lessee_contacts else Escalation.NONE,
            lease_id=holding.lease_id,
            lessee_id=holding.lessee_id,
            holder_id=holding.holder_id,
            prefix=holding.prefix,
            rpki_controlled=holding.lease_id in self.controlled,
            event_count=len(parsed_events),
            first_event_at=min(times),
            last_event_at=max(times),
            opened_at=self.now,
            paused_total=_NO_PAUSE,
            response_due_at=None,
            resolution_due_at=None,
            new=True,
        )
        sla.apply_policy(case, self.policies)
        case.subject = holding.prefix if holding.lease_id is not None else self._addresses_title(parsed_events)
        self.opened.append(case)
        self._entry(case, TimelineKind.OPENED,
                    f"Case opened for {case.subject} with {len(parsed_events)} event(s) from report {report.pk}.",
                    data=_counts(report.pk, len(parsed_events)))
        notice = notifications.opening_recipients(case, self.contacts)
        if notice is not None and not notice[1]:
            logger.warning("Case for %s: no recipient for %s notification", grouping, notice[0])
            self._entry(case, TimelineKind.NOTIFICATION, f"No address to send the {notice[0]} notification to.",
                        internal=True)
        return case

    def _addresses_title(self, parsed_events):
        addresses = {int(parsed.ip): self.texts[id(parsed)] for parsed in parsed_events}
        return addresses_title(addresses[min(addresses)], len(addresses))

    def _join(self, case, report, parsed_events):
        """Apply one report's events to a case, with the timeline entries they earn."""
        added = len(parsed_events)
        case.event_count += added
        case.first_event_at = min(case.first_event_at, *(parsed.occurred_at for parsed in parsed_events))
        case.last_event_at = max(case.last_event_at, *(parsed.occurred_at for parsed in parsed_events))
        self._entry(case, TimelineKind.EVENTS, f"{added} event(s) added from report {report.pk}.",
                    data=_counts(report.pk, added))
        severity = severity_for(case.category, case.event_count)
        if severity > case.severity:
            self._entry(case, TimelineKind.STATE,
                        f"Severity raised from {Severity(case.severity).label} to {Severity(severity).label} "
                        f"at {case.event_count} events.")
            case.severity = severity
            if sla.apply_policy(case, self.policies):
                self._entry(case, TimelineKind.DEADLINE, _deadline_text(case))
        if case.state == CaseState.MITIGATED:
            case.state = CaseState.ACKNOWLEDGED
            case.mitigated_at = None
            self._entry(case, TimelineKind.STATE,
                        "New events after mitigation; the case is back to acknowledged and must be mitigated again.")

    def _entry(self, case, kind, text, *, internal=False, data="{}"):
        """Add a timeline entry; `data` is its JSON text."""
        self.entries.append((case, kind, text, internal, data))

    def counts(self, batch):
        """Return (new events, duplicates) for each report of `batch`, once the events are written."""
        per_report = self.stored_per_report
        return [(per_report[report.pk], len(parsed_events) - per_report[report.pk])
                for report, parsed_events in batch]

    def write(self):
        """Write the batch's rows in the current transaction, with COPY where it can."""
        self._number_cases()
        copy_rows(Case, _CASE_COLUMNS, (_case_values(case, self.stamp) for case in self.opened))
        self._write_events()
        for statement in self._later_statements():
            execute(statement)
        self._log_opened()

    def statements(self):
        """Return the (sql, params) of every write of the batch, to send in a pipeline.

        They take every event row as new. When a concurrent intake stored one
        of the observations first, the event insert fails on its unique
        constraint, and the caller files the batch again with `write`.
        """
        self._number_cases()
        rows = self._event_rows()
        self._count_stored([(row[0], row[1]) for row in rows])
        statements = [
            insert_statement(Case, _CASE_COLUMNS, (_case_values(case, self.stamp) for case in self.opened)),
            insert_statement(Event, _EVENT_COLUMNS, rows),
            *self._later_statements(),
        ]
        return [statement for statement in statements if statement is not None]

    def _number_cases(self):
        for case, pk in zip(self.opened, reserve_ids(Case, len(self.opened))):
            case.pk = pk

    def _later_statements(self):
        """Return the writes after the events: cases that gained events, timeline, queued notices, repeat counts."""
        joined = [case for case in self.cases.values() if not case.new and case.pk in self.touched]
        self.notices = self._notice_rows()
        return [statement for statement in (
            update_statement(Case, _CASE_UPDATES, [
                (case.pk, case.event_count, case.first_event_at, case.last_event_at, self.now, case.severity,
                 case.policy.pk if case.policy else None, case.response_due_at, case.resolution_due_at, case.state,
                 case.mitigated_at)
                for case in joined
            ]),
            insert_statement(TimelineEntry, _ENTRY_COLUMNS, (
                (case.pk, kind, SYSTEM, internal, text, data, self.stamp)
                for case, kind, text, internal, data in self.entries
            )),
            insert_statement(Notification, _NOTIFICATION_COLUMNS, self.notices),
            _repeats_statement(self.repeats),
        ) if statement is not None]

    def _log_opened(self):
        for case in self.opened:
            logger.info("Opened abuse case %s (%s) for %s", case.pk, case.category, case.grouping_key)

    def _event_rows(self):
        return [
            (report.pk, case.pk, report.source, self.texts[id(parsed)], parsed.port, parsed.occurred_at,
             parsed.zone_assumed, parsed.category, parsed.type, parsed.reporter, parsed.confidence,
             parsed.description, json_text(parsed.evidence) if parsed.evidence else "{}", holding.lease_id,
             holding.lessee_id, holding.holder_id, repeat_count, self.stamp)
            for report, parsed, holding, case, repeat_count in self.events
        ]

    def _count_stored(self, stored):
        """Note the (report id, case id) of each event row stored."""
        self.stored_per_report = Counter(report_id for report_id, _ in stored)
        self.touched = {case_id for _, case_id in stored}

    def _write_events(self):
        rows = self._event_rows()
        try:
            with transaction.atomic():
                copy_rows(Event, _EVENT_COLUMNS, rows)
            stored = [(row[0], row[1]) for row in rows]
        except IntegrityError as exc:
            if "event_unique_observation" not in str(exc):
                raise
            stored = _insert_skipping_stored(rows)
            self._recount({case_id for _, case_id in {(row[0], row[1]) for row in rows}})
        self._count_stored(stored)

    def _recount(self, case_ids):
        """Set the counts of cases from their stored events, after a concurrent intake stored some first."""
        with connection.cursor() as cursor:
            cursor.execute(_RECOUNT_SQL, [array_literal(sorted(case_ids))])
        by_pk = {case.pk: case for case in self.cases.values()}
        for pk, count, first, last in cursor.fetchall():
            case = by_pk[pk]
            case.event_count, case.first_event_at, case.last_event_at = count, first, last

    def _notice_rows(self):
        # Only the recipients are decided now. The worker that sends a
        # notice writes its text then (notifications.opening_text), which
        # keeps the intake lean and names the events known at sending.
        rows = []
        for case in self.opened:
            notice = notifications.opening_recipients(case, self.contacts)
            if notice is None or not notice[1]:
                continue
            kind, recipients = notice
            rows.append((case.pk, kind, json_text(recipients), "", "", False, NotificationStatus.QUEUED,
                         self.stamp, self.stamp, 0, ""))
        return rows


_NO_PAUSE = Case._meta.get_field("paused_total").default
_CASE_COLUMNS = [
    "id", "grouping_key", "queue", "category", "severity", "state", "escalation", "lease_id", "lessee_id",
    "holder_id", "rpki_controlled", "event_count", "first_event_at", "last_event_at", "policy_id", "opened_at",
    "response_due_at", "resolution_due_at", "paused_total", "mitigation", "created_at", "updated_at",
]
_CASE_UPDATES = [
    "event_count", "first_event_at", "last_event_at", "updated_at", "severity", "policy", "response_due_at",
    "resolution_due_at", "state", "mitigated_at",
]
_EVENT_COLUMNS = [
    "report_id", "case_id", "source", "ip", "port", "occurred_at", "zone_assumed", "category", "type", "reporter",
    "confidence", "description", "evidence", "lease_id", "lessee_id", "holder_id", "repeat_count", "created_at",
]
_ENTRY_COLUMNS = ["case_id", "kind", "actor_label", "internal", "text", "data", "created_at"]
_NOTIFICATION_COLUMNS = [
    "case_id", "kind", "recipients", "subject", "body", "internal", "status", "queued_at", "next_attempt_at",
    "attempts", "last_error",
]


def _case_values(case, stamp):
    # A new case opens at the filing time, which `stamp` gives as text.
    return (
        case.pk, case.grouping_key, case.queue, case.category, case.severity, case.state, case.escalation,
        case.lease_id, case.lessee_id, case.holder_id, case.rpki_controlled, case.event_count, case.first_event_at,
        case.last_event_at, case.policy.pk if case.policy else None, stamp, case.response_due_at,
        case.resolution_due_at, case.paused_total, "", stamp, stamp,
    )


def _counts(report_pk, events):
    """Return the JSON data of a timeline entry naming a report and its event count, as json.dumps writes it."""
    return f'{{"report": {int(report_pk)}, "events": {int(events)}}}'


def _grouping_key(holding, category):
    # Concatenation, not an f-string: formatting a Category member goes
    # through Enum.__format__, which cost more than the rest of this call.
    return grouping_prefix_of(holding) + ":" + category


# A read with nothing to look up, in place of one, so that results keep their positions.
_NO_ROWS = ("SELECT NULL::bigint WHERE false", [])


def _locks_statement(grouping_keys):
    """Return the statement that takes a transaction advisory lock per grouping key, in a fixed order.

    Two intakes that would open a case for the same lease and category wait
    for each other here, so the second one finds the first one's case.
    The partial unique index on open cases stays as the last safeguard.
    """
    ids = sorted({int.from_bytes(hashlib.sha256(f"abuse-case:{key}".encode()).digest()[:8], "big", signed=True)
                  for key in grouping_keys})
    return "SELECT count(pg_advisory_xact_lock(id)) FROM unnest(%s::bigint[]) AS id", [array_literal(ids)]


_OPEN_CASES_SQL = f"""
    SELECT id, grouping_key, queue, category, severity, state, escalation, lease_id, lessee_id, holder_id,
           event_count, first_event_at, last_event_at, policy_id, opened_at, paused_total, response_due_at,
           resolution_due_at, mitigated_at
    FROM {Case._meta.db_table}
    WHERE grouping_key = ANY(%s::varchar[]) AND state = ANY(%s::varchar[])
    ORDER BY id
    FOR UPDATE
"""


def _open_cases_statement(grouping_keys):
    """Return the statement that reads the open cases of those groups, locked for update."""
    return _OPEN_CASES_SQL, [array_literal(grouping_keys), array_literal(OPEN_STATES)]


def _open_cases_from_rows(rows, policies):
    """Return {grouping key: _CaseRow} of the rows of the open cases statement."""
    policies = {policy.pk: policy for policy in policies}
    cases = {}
    for row in rows:
        (pk, grouping_key, queue, category, severity, state, escalation, lease_id, lessee_id, holder_id, event_count,
         first_event_at, last_event_at, policy_id, opened_at, paused_total, response_due_at, resolution_due_at,
         mitigated_at) = row
        case = _CaseRow(
            pk=pk, grouping_key=grouping_key, queue=queue, category=category, severity=severity, state=state,
            escalation=escalation, lease_id=lease_id, lessee_id=lessee_id, holder_id=holder_id, prefix=None,
            event_count=event_count, first_event_at=first_event_at, last_event_at=last_event_at,
            opened_at=opened_at, paused_total=paused_total, response_due_at=response_due_at,
            resolution_due_at=resolution_due_at, mitigated_at=mitigated_at,
        )
        # A policy made inactive since still names the case's deadlines.
        case.policy = policies.get(policy_id) or (SlaPolicy(pk=policy_id) if policy_id else None)
        cases[grouping_key] = case
    return cases


def _unique_observations(batch, texts):
    """Return, per report, {observation key: parsed event}: an observation counts once within a report."""
    unique_per_report = []
    for report, parsed_events in batch:
        unique = {}
        for parsed in parsed_events:
            unique.setdefault((report.source, texts[id(parsed)], parsed.occurred_at, parsed.type), parsed)
        unique_per_report.append(unique)
    return unique_per_report


def _deduplicate(batch, unique_per_report, stored):
    """Split each report's events into new observations and repeats.

    `stored` maps the observations among the batch's keys that were stored
    before to their report id. Returns ([[(key, parsed)] per report],
    {key: repeats}): an observation stored before, or by an earlier report
    of the batch, is a repeat of that event when it comes from another
    report.
    """
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
    SELECT event.source, host(event.ip), event.occurred_at, event.type, event.report_id
    FROM unnest(%s::varchar[], %s::cidr[], %b::timestamptz[], %s::varchar[]) AS key(source, ip, at, type)
    JOIN {Event._meta.db_table} AS event
      ON event.source = key.source AND event.ip = key.ip AND event.occurred_at = key.at AND event.type = key.type
"""

_REPEAT_SQL = f"""
    UPDATE {Event._meta.db_table} AS event SET repeat_count = event.repeat_count + key.repeats
    FROM unnest(%s::varchar[], %s::cidr[], %b::timestamptz[], %s::varchar[], %s::int[])
         AS key(source, ip, at, type, repeats)
    WHERE event.source = key.source AND event.ip = key.ip AND event.occurred_at = key.at AND event.type = key.type
"""

_RECOUNT_SQL = f"""
    UPDATE {Case._meta.db_table} AS target
    SET event_count = total.count, first_event_at = total.first, last_event_at = total.last
    FROM (
        SELECT case_id, count(*) AS count, min(occurred_at) AS first, max(occurred_at) AS last
        FROM {Event._meta.db_table} WHERE case_id = ANY(%s::bigint[]) GROUP BY case_id
    ) AS total
    WHERE target.id = total.case_id
    RETURNING target.id, target.event_count, target.first_event_at, target.last_event_at
"""


def _columns(keys):
    """The four parts of observation keys as array parameters: source, address, time (binary) and type."""
    keys = list(keys)
    return [array_literal(key[0] for key in keys), array_literal(key[1] for key in keys), [key[2] for key in keys],
            array_literal(key[3] for key in keys)]


def _stored_statement(keys):
    """Return the statement that reads which observations among `keys` are stored, and by which report."""
    return _STORED_SQL, _columns(keys)


def _stored_from_rows(rows):
    return {(source, ip, occurred_at, kind): report_id for source, ip, occurred_at, kind, report_id in rows}


def _repeats_statement(repeats):
    """Return the UPDATE that raises the repeat count of stored events by how often the batch repeated them."""
    if not repeats:
        return None
    keys = list(repeats)
    return _REPEAT_SQL, [*_columns(keys), array_literal(repeats[key] for key in keys)]


def _insert_skipping_stored(rows):
    """Insert event rows, leaving out observations a concurrent intake stored first.

    This is the slow path after COPY met the unique constraint. The rows go
    through a temporary table and INSERT ... ON CONFLICT DO NOTHING. Returns the
    (report id, case id) of each stored row.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in _EVENT_COLUMNS)
    table = quote(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE abuse_event_incoming ON COMMIT DROP AS "
                       f"SELECT {names} FROM {table} WITH NO DATA")
        with cursor.copy(f"COPY abuse_event_incoming ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM abuse_event_incoming "
            "ON CONFLICT ON CONSTRAINT event_unique_observation DO NOTHING RETURNING report_id, case_id"
        )
        stored = cursor.fetchall()
        cursor.execute("DROP TABLE abuse_event_incoming")
    logger.info("%s of %s events were stored by a concurrent intake first", len(rows) - len(stored), len(rows))
    return stored


def _deadline_text(case):
    return (
        f"Deadlines: respond by {case.response_due_at:%Y-%m-%d %H:%M} UTC, "
        f"mitigate by {case.resolution_due_at:%Y-%m-%d %H:%M} UTC."
    )
