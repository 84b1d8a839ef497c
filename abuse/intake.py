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
from django.db import transaction
from django.utils import timezone

from .choices import Category, Channel, ReportStatus
from .grouping import file_events
from .models import Report
from .parsing import MONITOR_CONTENT_TYPE, ParseError, parse

logger = logging.getLogger(__name__)


class ReportTooLarge(ValueError):
    """The report exceeds ABUSE_MAX_REPORT_BYTES and was not stored."""


def store_report(*, channel, source, raw, content_type, submitted_by=None, reporter_email=""):
    """Commit the report unchanged, with its SHA-256, and return it."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    limit = settings.ABUSE_MAX_REPORT_BYTES
    if len(raw) > limit:
        raise ReportTooLarge(
            f"The report is {len(raw)} bytes, over the limit of {limit} bytes "
            "(ABUSE_MAX_REPORT_BYTES); send it in parts or raise the limit."
        )
    with transaction.atomic():
        report = Report.objects.create(
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
    return report


def process_report(report):
    """Parse a stored report and file its events; record a failure on the report.

    Returns the report with its status, counts and any parse error set.
    """
    report.parse_attempts += 1
    report.parsed_at = timezone.now()
    try:
        result = parse(bytes(report.raw), report.content_type)
    except ParseError as exc:
        report.status = ReportStatus.FAILED
        report.parse_error = str(exc)
        report.save(update_fields=["status", "parse_error", "parse_attempts", "parsed_at"])
        logger.warning("Report %s from %s failed to parse: %s", report.pk, report.source, exc)
        return report
    with transaction.atomic():
        created, duplicates = file_events(report, result.events)
        report.status = ReportStatus.PARSED
        report.parser = result.parser
        report.parse_error = ""
        report.parse_notes = "\n".join(result.notes)
        report.event_count = report.events.count()
        report.duplicate_count = duplicates
        report.save()
    logger.info(
        "Report %s from %s parsed by %s: %s new events, %s duplicates",
        report.pk, report.source, result.parser, created, duplicates,
    )
    return report


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
    raw = json.dumps(document, sort_keys=True).encode("utf-8")
    return receive(channel=Channel.MONITOR, source=source, raw=raw, content_type=MONITOR_CONTENT_TYPE)
