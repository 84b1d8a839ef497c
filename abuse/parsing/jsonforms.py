"""JSON reports: XARF v4, the simple form of the API and public form, and monitor signals."""

import json

from ..choices import Category, Confidence, ParserName
from .base import (
    NotJsonError,
    ParsedEvent,
    ParseError,
    ParseResult,
    check_category,
    guess_category,
    parse_ipv4,
    parse_port,
)
from .times import parse_time

# XARF v4 `type` values, mapped to categories. Types not listed fall back to
# the XARF `category`, then to the word match of guess_category.
XARF_TYPES = {
    "spam": Category.SPAM,
    "phishing": Category.PHISHING,
    "malware": Category.MALWARE,
    "ddos": Category.DDOS,
    "port_scan": Category.SCANNING,
    "login_attack": Category.LOGIN_ATTACK,
    "bot": Category.BOTNET,
    "botnet": Category.BOTNET,
    "blocklist": Category.BLOCKLIST,
    "copyright": Category.COPYRIGHT,
}
XARF_CATEGORIES = {
    "messaging": Category.SPAM,
    "copyright": Category.COPYRIGHT,
    "reputation": Category.BLOCKLIST,
}


def load_json(raw):
    if not raw.strip():
        raise ParseError(
            "The body is empty; send a JSON object with ip, time and category, a list of such objects, "
            "or an XARF v4 report."
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NotJsonError(f"The JSON body is not UTF-8: {exc}.", f"not UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise NotJsonError(f"The body is not valid JSON: {exc}.", str(exc)) from None


def parse_json(raw):
    """Parse a JSON body: XARF v4 when it has `xarf_version`, else the simple form."""
    document = load_json(raw)
    if isinstance(document, dict) and "xarf_version" in document:
        event = xarf_event(document)
        notes = []
        if event.category == Category.OTHER:
            notes.append(f"XARF type {event.type!r} and category {event.evidence['xarf_category']!r} name no "
                         "category of this platform, so the report is filed as other.")
        return ParseResult(ParserName.XARF_4, [event], notes)
    if isinstance(document, list):
        if not document:
            raise ParseError("The list is empty; send at least one object with ip, time and category.")
        # Numbered from 1 in messages. One invalid item fails the whole
        # report, so the sender corrects it and sends the list again.
        events = [simple_event(item, number) for number, item in enumerate(document, 1)]
        notes = [note for number, item in enumerate(document, 1) for note in _unknown_fields(item, number)]
        return ParseResult(ParserName.JSON, events, notes)
    return ParseResult(ParserName.JSON, [simple_event(document)], _unknown_fields(document))


# The fields of the simple JSON form.
SIMPLE_FIELDS = ("ip", "time", "category", "description", "evidence", "port", "type", "reporter")


def _unknown_fields(document, number=None):
    """Return a note naming the fields of a simple-form object that are not read, so that none is lost unseen."""
    unknown = sorted(key for key in document if key not in SIMPLE_FIELDS)
    if not unknown:
        return []
    where = f"Item {number}: " if number is not None else ""
    names = ", ".join(repr(key) for key in unknown)
    return [f"{where}Field(s) {names} are not part of the form and were not read; the form takes "
            f"{', '.join(SIMPLE_FIELDS)}. They stay in the stored report."]


def xarf_event(document):
    """Read one XARF v4 object into an event."""
    if not isinstance(document, dict):
        raise ParseError("An XARF v4 report must be a JSON object.")
    version = str(document.get("xarf_version", ""))
    if not version.startswith("4"):
        raise ParseError(f"XARF version {version!r} is not supported; send xarf_version 4.x.")
    for name in ("source_identifier", "timestamp", "category", "type"):
        if not document.get(name):
            raise ParseError(f"The XARF v4 report has no {name!r}; it is required.")
    source = str(document["source_identifier"])
    ip = parse_ipv4(source, what="source_identifier")
    occurred_at, zone_assumed = parse_time(document["timestamp"])
    xarf_type = str(document["type"]).lower()
    xarf_category = str(document["category"]).lower()
    category = XARF_TYPES.get(xarf_type) or XARF_CATEGORIES.get(xarf_category) or guess_category(
        xarf_type, xarf_category
    )
    reporter = document.get("reporter") or {}
    reporter_name = ""
    if isinstance(reporter, dict):
        reporter_name = reporter.get("org") or reporter.get("domain") or reporter.get("contact") or ""
    confidence = document.get("confidence")
    return ParsedEvent(
        ip=ip,
        occurred_at=occurred_at,
        zone_assumed=zone_assumed,
        category=category,
        type=xarf_type,
        port=parse_port(document.get("source_port")),
        reporter=str(reporter_name)[:200],
        confidence=Confidence.LOW if isinstance(confidence, (int, float)) and confidence < 0.5 else Confidence.HIGH,
        description=str(document.get("description", "")),
        evidence={
            "report_id": document.get("report_id", ""),
            "xarf_category": xarf_category,
            "evidence": document.get("evidence", []),
        },
    )


def simple_event(document, number=None):
    """Read the simple JSON form: ip, time, category, description, evidence, optional port and type.

    `number` is the item's position in a list, from 1, for error messages.
    """
    where = f"Item {number}: " if number is not None else ""
    if not isinstance(document, dict):
        raise ParseError(f"{where}A report must be a JSON object with ip, time and category.")
    try:
        ip = parse_ipv4(document.get("ip"), what="ip")
        occurred_at, zone_assumed = parse_time(document.get("time"))
        category = check_category(document.get("category"))
        port = parse_port(document.get("port"))
    except ParseError as exc:
        raise ParseError(f"{where}{exc}") from None
    evidence = document.get("evidence") or {}
    if not isinstance(evidence, dict):
        evidence = {"text": str(evidence)}
    return ParsedEvent(
        ip=ip,
        occurred_at=occurred_at,
        zone_assumed=zone_assumed,
        category=category,
        type=str(document.get("type") or category)[:64],
        port=port,
        reporter=str(document.get("reporter", ""))[:200],
        description=str(document.get("description", "")),
        evidence=evidence,
    )


def parse_monitor(raw):
    """Parse a signal of the platform's own monitors, stored by record_monitor_event."""
    document = load_json(raw)
    event = simple_event(document)
    event.reporter = "platform monitor"
    return ParseResult(ParserName.MONITOR, [event])
