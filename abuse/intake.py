"""The one way in for abuse reports: store first, then parse and file.

Every channel (mail command, REST API, public form, the platform's own
monitors) calls `receive`, which commits the raw report with its SHA-256
before any parser reads it. A parse failure is recorded on the report and
nothing is dropped; `reparse` runs the parsers again later.
"""

import contextlib
import gc
import hashlib
import ipaddress
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.sql import array_literal
from core.text import storable_text

from . import notifications
from .bulk import copy_rows, execute, reserve_ids, update_statement, update_values
from .choices import Category, Channel, ReportStatus
from .grouping import plan_batch
from .models import Report
from .parsing import MONITOR_CONTENT_TYPE, ParseError, parse

logger = logging.getLogger(__name__)


class ReportTooLarge(ValueError):
    """The report exceeds ABUSE_MAX_REPORT_BYTES and was not stored."""


def report_too_large(size):
    """Return the ReportTooLarge error for a report of `size` bytes (an int, or text such as "more than 1000")."""
    return ReportTooLarge(
        f"The report is {size} bytes, over the limit of {settings.ABUSE_MAX_REPORT_BYTES} bytes "
        "(ABUSE_MAX_REPORT_BYTES); send it in parts or raise the limit."
    )


def _unsaved_report(received_at, *, channel, source, raw, content_type, submitted_by=None, reporter_email=""):
    """Return the report to store, unsaved; raise ReportTooLarge over the storage limit."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > settings.ABUSE_MAX_REPORT_BYTES:
        raise report_too_large(len(raw))
    # Positional values in field order skip the keyword handling of
    # Model.__init__, which cost more than hashing the report.
    return Report(
        None, channel, storable_text(source[:200]), storable_text(content_type[:100]), raw, len(raw),
        hashlib.sha256(raw).hexdigest(), received_at, submitted_by.pk if submitted_by is not None else None,
        storable_text(reporter_email), *_UNPARSED_VALUES,
    )


def store_report(**submission):
    """Commit the report unchanged, with its SHA-256, and return it; raise ReportTooLarge over the limit.

    Takes the keyword arguments of `receive`.
    """
    [outcome] = store_many([submission])
    if isinstance(outcome, ReportTooLarge):
        raise outcome
    return outcome


def process_report(report):
    """Parse a stored report and file its events; record a failure on the report.

    Returns the report with its status, counts and any parse error set.
    """
    return process_reports([report])[0]


def process_reports(reports):
    """Parse stored reports and file their events together, in one transaction.

    Reports that fail to parse get their reason recorded. The others are
    filed in arrival order, with the results of filing them one after
    another, in a fixed number of statements for the whole list. Returns
    the reports, updated.
    """
    with cyclic_collector_paused():
        file_parsed(*parse_reports(reports))
    return reports


@contextlib.contextmanager
def cyclic_collector_paused():
    """Hold off Python's cyclic garbage collector while a batch is parsed and filed.

    A batch allocates hundreds of thousands of short-lived objects, which
    start hundreds of collections that each walk the process's heap: a
    quarter of a second per 10,000 reports in the benchmark. Nearly all of
    them are freed by reference counting when the batch ends; the few
    cycles wait for the next collection after it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse_reports(reports):
    """Parse each report without touching the database. Returns ([(report, result)], [failed report])."""
    parsed = []
    failed = []
    now = timezone.now()
    for report in reports:
        report.parse_attempts += 1
        report.parsed_at = now
        try:
            result = parse(bytes(report.raw), report.content_type, as_json=report.channel in _JSON_CHANNELS)
        except ParseError as exc:
            report.status = ReportStatus.FAILED
            report.parse_error = storable_text(str(exc))
            failed.append(report)
            logger.warning("Report %s from %s failed to parse: %s", report.pk, report.source, exc)
            continue
        except Exception as exc:
            # A parser bug met by one report must not stop the batch, or
            # the sweep of unfiled reports, which would meet it again on
            # every run. The report is failed with the error, for staff to
            # parse again once the parser is fixed.
            report.status = ReportStatus.FAILED
            report.parse_error = storable_text(f"The parser failed on this report ({type(exc).__name__}: {exc}); "
                                            "it is stored, and staff can parse it again once the parser is fixed.")
            failed.append(report)
            logger.exception("Parser error on report %s from %s", report.pk, report.source)
            continue
        parsed.append((report, result))
    return parsed, failed


def file_parsed(parsed, failed):
    """Record parse failures and file the parsed reports' events, in one transaction."""
    outermost = not connection.in_atomic_block
    filing = None
    with transaction.atomic():
        if outermost:
            skip_commit_flush()
        parsed = claim_and_record_failures(parsed, failed)
        if parsed:
            filing = plan_batch([(report, result.events) for report, result in parsed])
            filing.write()
            outcomes = parsed_outcomes(parsed, filing)
            update_values(Report, PARSED_FIELDS, outcomes)
            apply_outcomes(parsed, outcomes)
            if filing.notices:
                notifications.request_delivery()


def skip_commit_flush():
    # The reports were committed, and flushed to disk, when stored. What
    # filing writes can be derived from them again, so its commit does not
    # wait for its flush. Should the database crash first, the reports are
    # still "received" and refile_stalled() files them. A caller's
    # transaction keeps its own setting.
    with connection.cursor() as cursor:
        cursor.execute(*SKIP_COMMIT_FLUSH)


SKIP_COMMIT_FLUSH = ("SET LOCAL synchronous_commit = off", [])


def claim_and_record_failures(parsed, failed):
    """Claim the reports, record the failures among them; return the parsed ones claimed."""
    reports = [report for report, _ in parsed] + failed
    statement = claim_statement(reports)
    rows = []
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)
            rows = cursor.fetchall()
    claimed = claimed_ids(reports, rows)
    execute(failures_statement(failed, claimed))
    return [(report, result) for report, result in parsed if report.pk in claimed]


def failures_statement(failed, claimed):
    """Return the UPDATE that records the parse failures of the claimed reports among `failed`, or None."""
    return update_statement(Report, _FAILED_FIELDS, [
        (report.pk, report.status, report.parse_error, report.parse_attempts, report.parsed_at)
        for report in failed if report.pk in claimed
    ])


def parsed_outcomes(parsed, filing):
    """Return each parsed report's row of PARSED_FIELDS values, as filing leaves it, without changing the report."""
    rows = []
    for (report, result), (created, duplicates) in zip(parsed, filing.counts(
            [(report, result.events) for report, result in parsed])):
        # A report parsed again finds its earlier events as its own
        # duplicates, so its count keeps them and adds the new ones.
        rows.append((report.pk, ReportStatus.PARSED, result.parser, "", "\n".join(result.notes),
                     report.parse_attempts, report.parsed_at, report.event_count + created, duplicates))
    return rows


def apply_outcomes(parsed, outcomes):
    for (report, _), row in zip(parsed, outcomes):
        created = row[7] - report.event_count
        (_, report.status, report.parser, report.parse_error, report.parse_notes, _, _, report.event_count,
         report.duplicate_count) = row
        logger.info(
            "Report %s from %s parsed by %s: %s new events, %s duplicates",
            report.pk, report.source, report.parser, created, report.duplicate_count,
        )


def claim_statement(reports):
    """Return the statement that locks the reports' rows and reads their parse attempts, or None for none."""
    if not reports:
        return None
    return _CLAIM_SQL, [array_literal(report.pk for report in reports)]


def claimed_ids(reports, rows):
    """Return the ids of the reports no other intake processed meanwhile, from the rows of `claim_statement`.

    Each processing raises `parse_attempts`, so a row whose count already
    reached ours was filed by another worker (the stalled report sweep, say)
    after we read it, and is left alone.
    """
    stored = dict(rows)
    claimed = {report.pk for report in reports if stored.get(report.pk, report.parse_attempts) < report.parse_attempts}
    if len(claimed) < len(reports):
        logger.info("%s of %s reports were processed by another worker first", len(reports) - len(claimed),
                    len(reports))
    return claimed


_CLAIM_SQL = f"SELECT id, parse_attempts FROM {Report._meta.db_table} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"


def refile_stalled(*, now=None, limit=None):
    """File reports that stayed "received" for ABUSE_REFILE_AFTER_MINUTES; return how many.

    A report stays "received" when the worker that stored it stopped before
    filing it, or when the database lost an unflushed filing in a crash.
    Rows are claimed with SKIP LOCKED, so several workers can sweep at once.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.ABUSE_REFILE_AFTER_MINUTES)
    with transaction.atomic():
        reports = list(
            Report.objects.select_for_update(skip_locked=True)
            .filter(status=ReportStatus.RECEIVED, received_at__lt=cutoff)
            .order_by("received_at", "pk")[:limit or settings.ABUSE_INTAKE_BATCH]
        )
        if reports:
            logger.warning("Filing %s reports left unparsed since before %s", len(reports), cutoff)
            process_reports(reports)
    return len(reports)


# Channels whose bodies are read as JSON whatever content type they were
# sent with: the REST API and the public form.
_JSON_CHANNELS = (Channel.API, Channel.FORM)
# The fields after reporter_email, as a new report has them.
_UNPARSED_VALUES = (ReportStatus.RECEIVED, "", "", "", 0, None, 0, 0)
_FAILED_FIELDS = ["status", "parse_error", "parse_attempts", "parsed_at"]
PARSED_FIELDS = [
    "status", "parser", "parse_error", "parse_notes", "parse_attempts", "parsed_at", "event_count",
    "duplicate_count",
]


def receive(*, channel, source, raw, content_type, submitted_by=None, reporter_email=""):
    """Store a report, then parse it and file its events. Returns the report."""
    report = store_report(channel=channel, source=source, raw=raw, content_type=content_type,
                          submitted_by=submitted_by, reporter_email=reporter_email)
    return process_report(report)


def receive_many(submissions):
    """Store many reports, then parse them and file their events as one batch.

    `submissions` is a list of dicts with the keyword arguments of `receive`,
    in arrival order. Every report is committed before any is parsed. Returns
    a list in the same order holding each stored Report, or the
    ReportTooLarge error of a submission over the storage limit, which was
    not stored.
    """
    outcomes = store_many(submissions)
    process_reports([outcome for outcome in outcomes if isinstance(outcome, Report)])
    return outcomes


def store_many(submissions, *, using=None):
    """Commit many reports unchanged; return each Report, or the ReportTooLarge error of one not stored.

    `using` is a separate database connection (a Django connection object)
    in autocommit mode to store them on, for a caller whose own connection
    is inside another transaction.
    """
    # The reports of a batch arrive together and share one time of receipt.
    received_at = timezone.now()
    outcomes = []
    for submission in submissions:
        try:
            outcomes.append(_unsaved_report(received_at, **submission))
        except ReportTooLarge as exc:
            outcomes.append(exc)
    reports = [outcome for outcome in outcomes if isinstance(outcome, Report)]
    if using is not None:
        # COPY is one statement, so it commits the reports as a whole.
        _copy_reports(reports, received_at, using)
    else:
        with transaction.atomic():
            _copy_reports(reports, received_at, connection)
    return outcomes


_REPORT_COLUMNS = [
    "id", "channel", "source", "content_type", "raw", "size", "sha256", "received_at", "submitted_by_id",
    "reporter_email", "status", "parser", "parse_error", "parse_notes", "parse_attempts", "event_count",
    "duplicate_count",
]


def _copy_reports(reports, received_at, using):
    """Insert unsaved reports with COPY on the connection `using`, under keys taken from the table's sequence.

    The binary format passes the raw messages as they are, where text
    would write each byte as two hexadecimal digits.
    """
    for report, pk in zip(reports, reserve_ids(Report, len(reports), using=using)):
        report.pk = pk
    copy_rows(Report, _REPORT_COLUMNS, (
        (report.pk, report.channel, report.source, report.content_type, report.raw, report.size, report.sha256,
         received_at, report.submitted_by_id, report.reporter_email, report.status, report.parser,
         report.parse_error, report.parse_notes, report.parse_attempts, report.event_count, report.duplicate_count)
        for report in reports
    ), using=using, binary=True)
    for report in reports:
        report._state.adding = False
        report._state.db = connection.alias


def reparse(report):
    """Parse a stored report again, for example after a parser was fixed.

    Events the report already yielded are found as its own and not counted
    twice.
    """
    logger.info("Parsing report %s again (attempt %s)", report.pk, report.parse_attempts + 1)
    return process_report(report)


def record_monitor_event(*, source, category, ip, occurred_at, description, evidence=None, port=None):
    """Store a signal of the platform's own monitors as a report and file its event.

    `source` names the monitor (dnsbl, ptr-churn, routing, sanctions),
    `category` is a value of abuse.choices.Category and `occurred_at` an aware
    datetime. Raises ValueError for an unknown category, an invalid address or
    a naive time, since those are programming errors of the caller.
    """
    return record_monitor_events([dict(
        source=source, category=category, ip=ip, occurred_at=occurred_at, description=description,
        evidence=evidence, port=port,
    )])[0]


def record_monitor_events(signals):
    """Store many monitor signals as reports and file them as one batch; return the reports in order.

    Each signal is a dict of the keyword arguments of `record_monitor_event`.
    A monitor that finds many things in one run (a blocklist check of a
    chunk of leased space, say) hands them over here together, which costs
    a fixed number of statements instead of a transaction per signal.
    Every signal is checked before any is stored.
    """
    submissions = [
        {"channel": Channel.MONITOR, "source": signal["source"], "raw": _monitor_document(**signal),
         "content_type": MONITOR_CONTENT_TYPE}
        for signal in signals
    ]
    outcomes = receive_many(submissions)
    for outcome in outcomes:
        if isinstance(outcome, ReportTooLarge):
            raise outcome
    return outcomes


def _monitor_document(*, source, category, ip, occurred_at, description, evidence=None, port=None):
    if category not in Category.values:
        raise ValueError(f"Category {category!r} is unknown; use one of {', '.join(Category.values)}.")
    address = ipaddress.IPv4Address(str(ip))
    if occurred_at.tzinfo is None:
        raise ValueError(f"occurred_at {occurred_at!r} has no time zone; pass an aware datetime.")
    document = {
        "source": source,
        "category": category,
        "ip": str(address),
        "time": occurred_at.isoformat(),
        "description": description,
        "evidence": evidence or {},
        "port": port,
    }
    return json.dumps(document, sort_keys=True).encode("utf-8")
