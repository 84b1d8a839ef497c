"""The one way in for abuse reports: store first, then parse and file.

Every channel (mail command, REST API, public form, the platform's own
monitors) calls `receive`, which commits the raw report with its SHA-256
before any parser reads it. A parse failure is recorded on the report and
nothing is dropped; `reparse` runs the parsers again later.
"""

import hashlib
import ipaddress
import json
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .bulk import copy_rows, reserve_ids, update_rows
from .choices import Category, Channel, ReportStatus
from .grouping import file_batch
from .models import Report
from .parsing import MONITOR_CONTENT_TYPE, ParseError, parse

logger = logging.getLogger(__name__)


class ReportTooLarge(ValueError):
    """The report exceeds ABUSE_MAX_REPORT_BYTES and was not stored."""


def _unsaved_report(*, channel, source, raw, content_type, submitted_by=None, reporter_email=""):
    """Return the report to store, unsaved; raise ReportTooLarge over the storage limit."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    limit = settings.ABUSE_MAX_REPORT_BYTES
    if len(raw) > limit:
        raise ReportTooLarge(
            f"The report is {len(raw)} bytes, over the limit of {limit} bytes "
            "(ABUSE_MAX_REPORT_BYTES); send it in parts or raise the limit."
        )
    return Report(
        channel=channel,
        source=source[:200],
        content_type=content_type[:100],
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        received_at=timezone.now(),
        submitted_by=submitted_by,
        reporter_email=reporter_email,
    )


def store_report(*, channel, source, raw, content_type, submitted_by=None, reporter_email=""):
    """Commit the report unchanged, with its SHA-256, and return it."""
    report = _unsaved_report(channel=channel, source=source, raw=raw, content_type=content_type,
                             submitted_by=submitted_by, reporter_email=reporter_email)
    with transaction.atomic():
        report.save(force_insert=True)
    return report


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
    parsed = []
    failed = []
    now = timezone.now()
    for report in reports:
        report.parse_attempts += 1
        report.parsed_at = now
        try:
            result = parse(bytes(report.raw), report.content_type)
        except ParseError as exc:
            report.status = ReportStatus.FAILED
            report.parse_error = str(exc)
            failed.append(report)
            logger.warning("Report %s from %s failed to parse: %s", report.pk, report.source, exc)
            continue
        parsed.append((report, result))
    if failed:
        update_rows(Report, failed, ["status", "parse_error", "parse_attempts", "parsed_at"])
    if not parsed:
        return reports
    with transaction.atomic():
        counts = file_batch([(report, result.events) for report, result in parsed])
        for (report, result), (created, duplicates) in zip(parsed, counts):
            report.status = ReportStatus.PARSED
            report.parser = result.parser
            report.parse_error = ""
            report.parse_notes = "\n".join(result.notes)
            # A report parsed again finds its earlier events as its own
            # duplicates, so its count keeps them and adds the new ones.
            report.event_count += created
            report.duplicate_count = duplicates
            logger.info(
                "Report %s from %s parsed by %s: %s new events, %s duplicates",
                report.pk, report.source, result.parser, created, duplicates,
            )
        update_rows(
            Report, [report for report, _ in parsed],
            ["status", "parser", "parse_error", "parse_notes", "parse_attempts", "parsed_at",
             "event_count", "duplicate_count"],
        )
    return reports


def receive(*, channel, source, raw, content_type, submitted_by=None, reporter_email=""):
    """Store a report, then parse it and file its events. Returns the report."""
    report = store_report(
        channel=channel,
        source=source,
        raw=raw,
        content_type=content_type,
        submitted_by=submitted_by,
        reporter_email=reporter_email,
    )
    return process_report(report)


def receive_many(submissions):
    """Store many reports, then parse them and file their events as one batch.

    `submissions` is a list of dicts with the keyword arguments of `receive`,
    in arrival order. Every report is committed before any is parsed. Returns
    a list in the same order holding each stored Report, or the
    ReportTooLarge error of a submission over the storage limit, which was
    not stored.
    """
    outcomes = []
    for submission in submissions:
        try:
            outcomes.append(_unsaved_report(**submission))
        except ReportTooLarge as exc:
            outcomes.append(exc)
    reports = [outcome for outcome in outcomes if isinstance(outcome, Report)]
    with transaction.atomic():
        _copy_reports(reports)
    process_reports(reports)
    return outcomes


_REPORT_COLUMNS = [
    "id", "channel", "source", "content_type", "raw", "size", "sha256", "received_at", "submitted_by_id",
    "reporter_email", "status", "parser", "parse_error", "parse_notes", "parse_attempts", "event_count",
    "duplicate_count",
]


def _copy_reports(reports):
    """Insert unsaved reports with COPY, under keys taken from the table's sequence."""
    for report, pk in zip(reports, reserve_ids(Report, len(reports))):
        report.pk = pk
    copy_rows(Report, _REPORT_COLUMNS, (
        (report.pk, report.channel, report.source, report.content_type, report.raw, report.size, report.sha256,
         report.received_at, report.submitted_by_id, report.reporter_email, report.status, report.parser,
         report.parse_error, report.parse_notes, report.parse_attempts, report.event_count, report.duplicate_count)
        for report in reports
    ))
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
