"""Abuse reports that arrive as RFC 822 mail: ARF, X-ARF 0.2, attached feeds, plain complaints."""

import email
import email.errors
import email.header
import email.policy
import email.utils
import ipaddress
import re
from email.parser import HeaderParser

from core.text import storable_text

from ..choices import Category, ParserName
from . import csvfeed, jsonforms, plaintext
from .base import (
    NOT_A_SOURCE,
    ParsedEvent,
    ParseError,
    ParseResult,
        guess_category,
    parse_ipv4,
    parse_port,
)
from .times import parse_time

# ARF Feedback-Type values (RFC 5965 and RFC 6650), mapped to categories.
FEEDBACK_TYPES = {
    "abuse": Category.SPAM,
    "fraud": Category.PHISHING,
    "virus": Category.MALWARE,
    "auth-failure": Category.OTHER,
    "not-spam": Category.OTHER,
    "other": Category.OTHER,
}
# X-ARF 0.2 Report-Type values, mapped to categories; others go through
# guess_category.
XARF_REPORT_TYPES = {
    "login-attack": Category.LOGIN_ATTACK,
    "portscan": Category.SCANNING,
    "port-scan": Category.SCANNING,
    "phishing": Category.PHISHING,
    "spam": Category.SPAM,
    "malware": Category.MALWARE,
    "ddos": Category.DDOS,
    "harvesting": Category.SPAM,
    "copyright": Category.COPYRIGHT,
    "botnet": Category.BOTNET,
}
RECEIVED_FROM_IP = re.compile(r"\[(?:IPv4:)?(\d{1,3}(?:\.\d{1,3}){3})\]")


def parse_message(raw):
    if not raw.strip():
        raise ParseError("The message is empty.")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # the email package raises many kinds on broken input
        raise ParseError(f"The message cannot be read as RFC 822 mail: {exc}.") from None
    if not message.keys():
        raise ParseError("The message has no header; it is not RFC 822 mail.")
    defects = [type(defect).__name__ for part in message.walk() for defect in part.defects]
    reporter = _sender(message)
    content_type = message.get_content_type()

    if content_type == "multipart/report" and _param(message, "report-type").lower() == "feedback-report":
        result = parse_arf(message, reporter)
    elif _header(message, "X-XARF") or _header(message, "X-ARF"):
        result = parse_xarf02(message, reporter)
    else:
        result = _parse_attachments(message, reporter)
    if defects:
        result.notes.append(f"MIME defects: {', '.join(sorted(set(defects)))}")
    return result


def _header(message, name):
    """Return the header `name` of a compat32 message as text, or "" when it is missing.

    For a value with 8-bit bytes, compat32 returns a Header object, and
    the raw value keeps the bytes as surrogates. Mail that writes UTF-8
    in headers without encoded words (RFC 6532) is read as such.
    """
    value = message.get(name)
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        raw = next(raw for key, raw in message.raw_items() if key.lower() == name.lower())
        value = raw if isinstance(raw, str) else str(raw)
    return storable_text(str(value))


def _param(message, name):
    """Return the Content-Type parameter `name` as text, or "" when it is missing."""
    return storable_text(email.utils.collapse_rfc2231_value(message.get_param(name, "")))


def _mail_date(message):
    value = _header(message, "Date")
    if not value:
        return None
    try:
        return parse_time(value)
    except ParseError:
        return None


def _fields_of(part):
    """Return the `Field: value` lines of a feedback or report part as a header message.

    The email package parses message/* parts into nested messages, so the
    fields are the nested message's headers; text parts are parsed here.
    """
    if part.is_multipart():
        return part.get_payload(0)
    payload = part.get_payload(decode=True) or b""
    return HeaderParser().parsestr(payload.decode("utf-8", errors="replace"))


def _sender(message):
    """Return the From header as "Name <address>", or the bare address when it has no name.

    The name is kept because the lessee's view of the events withholds the
    reporter's name as well as the address (abuse.access).
    """
    header = _header(message, "From")
    try:
        header = str(email.header.make_header(email.header.decode_header(header)))
    except (email.errors.MessageError, LookupError, UnicodeError):
        pass  # An undecodable encoded name stays as written.
    name, address = email.utils.parseaddr(header)
    name = " ".join(name.split())
    if name and address:
        return f"{name} <{address}>"[:200]
    return address[:200]


def parse_arf(message, reporter):
    feedback = None
    original = None
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            feedback = _fields_of(part)
        elif part.get_content_type() in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _fields_of(part)
    if feedback is None and message.get_boundary() is None:
        raise ParseError("The ARF report's Content-Type has no boundary parameter, so its parts cannot be "
                         "found; the sender must name the boundary (RFC 2046).")
    if feedback is None:
        raise ParseError("The ARF report has no message/feedback-report part.")

    feedback_type = _header(feedback, "Feedback-Type").strip().lower()
    if not feedback_type:
        raise ParseError("The ARF feedback part has no Feedback-Type field, which RFC 5965 requires.")

    notes = []
    source = _header(feedback, "Source-IP")
    if source:
        ip = parse_ipv4(source, what="Source-IP")
    else:
        ip = first_external_hop(original)
        if ip is None:
            raise ParseError(
                "The ARF report has no Source-IP and the original message has no Received header "
                "with an external IPv4 address."
            )
        notes.append(f"No Source-IP; {ip} taken from the first external Received hop.")

    when = _header(feedback, "Arrival-Date") or _header(feedback, "Received-Date")
    if when:
        occurred_at, zone_assumed = parse_time(when)
    else:
        found = (_mail_date(original) if original is not None else None) or _mail_date(message)
        if found is None:
            raise ParseError("The ARF report has no Arrival-Date and no Date header to take the time from.")
        occurred_at, zone_assumed = found
        notes.append("No Arrival-Date; the time is the message's Date header.")

    evidence = {
        name: _header(feedback, name)
        for name in ("Feedback-Type", "User-Agent", "Version", "Original-Mail-From", "Original-Rcpt-To",
                     "Reported-Domain", "Reported-URI", "Incidents")
        if _header(feedback, name)
    }
    if original is not None:
        evidence["original_headers"] = {
            name: _header(original, name)
            for name in ("From", "To", "Subject", "Date", "Message-ID") if _header(original, name)
        }
    event = ParsedEvent(
        ip=ip,
        occurred_at=occurred_at,
        zone_assumed=zone_assumed,
        category=FEEDBACK_TYPES.get(feedback_type, Category.OTHER),
        type=f"arf-{feedback_type}"[:64],
        reporter=reporter,
        description=_header(message, "Subject"),
        evidence=evidence,
    )
    return ParseResult(ParserName.ARF, [event], notes)


def first_external_hop(original):
    """Return the first public address in the original message's Received headers.

    Received headers are prepended, so the top one records the hop into the
    reporter's network. Hops with private or loopback addresses are the
    reporter's own and are skipped.
    """
    if original is None:
        return None
    for header in original.get_all("Received") or []:
        for match in RECEIVED_FROM_IP.finditer(str(header).split(" by ")[0]):
            try:
                address = ipaddress.IPv4Address(match.group(1))
            except ValueError:
                continue
            if not any(address in network for network, _ in NOT_A_SOURCE):
                return address
    return None


def parse_xarf02(message, reporter):
    report_part = None
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = storable_text(part.get_filename() or "").lower()
        if filename == "report.txt" or part.get_content_type() in ("text/yaml", "application/x-yaml"):
            report_part = part
            break
    if report_part is None:
        raise ParseError("The X-ARF message has no report.txt part with the report fields.")
    fields = _yaml_fields((report_part.get_payload(decode=True) or b"").decode("utf-8", errors="replace"))

    source_type = fields.get("source-type", "ipv4").lower()
    if "ip" not in source_type:
        raise ParseError(f"X-ARF Source-Type {fields.get('source-type')!r} is not an IP address type.")
    ip = parse_ipv4(fields.get("source"), what="X-ARF Source")
    occurred_at, zone_assumed = parse_time(fields.get("date"))
    report_type = fields.get("report-type", "").lower()
    category = XARF_REPORT_TYPES.get(report_type) or guess_category(report_type, fields.get("category", ""))
    event = ParsedEvent(
        ip=ip,
        occurred_at=occurred_at,
        zone_assumed=zone_assumed,
        category=category,
        type=report_type[:64] or "x-arf",
        port=parse_port(fields.get("port")),
        reporter=fields.get("reported-from") or reporter,
        description=_header(message, "Subject"),
        evidence={key: value for key, value in fields.items()},
    )
    return ParseResult(ParserName.XARF_02, [event])


def _yaml_fields(text):
    """Read the flat `Key: value` lines of an X-ARF 0.2 report.txt, keys lower-cased.

    X-ARF 0.2 reports use only top-level scalars, so no YAML library is needed.
    """
    fields = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "---")) or ":" not in line:
            continue
        key, value = line.split(":", 1)
        fields[key.strip().lower()] = value.strip().strip("'\"")
    return fields


def _parse_attachments(message, reporter):
    """Read a mail that is no ARF or X-ARF: attached XARF v4 JSON or feeds, else the text."""
    fallback_time = _mail_date(message)
    feed_name = _header(message, "Subject")
    texts = []
    notes = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = storable_text(part.get_filename() or "").lower()
        payload = part.get_payload(decode=True) or b""
        if content_type == "application/json" or filename.endswith(".json"):
            result = jsonforms.parse_json(payload)
            for event in result.events:
                event.reporter = event.reporter or reporter
            return result
        if content_type in ("text/csv", "application/zip") or filename.endswith((".csv", ".zip")):
            return csvfeed.parse_feed(payload, feed_name=filename or feed_name, fallback_time=fallback_time)
        # A multipart part whose boundary never appears stays unsplit text,
        # so the complaint in it can still be read.
        if content_type == "text/plain" or content_type.startswith("multipart/"):
            texts.append(_part_text(part, payload, notes))
    if not texts:
        raise ParseError("The message has no text part, JSON report or CSV feed to read events from.")
    result = plaintext.parse_text(
        "\n".join(texts), fallback_time=fallback_time, reporter=reporter, subject=_header(message, "Subject")
    )
    result.notes[:0] = notes
    return result


def _part_text(part, payload, notes):
    """Return the text of a MIME part, read as UTF-8 when its charset is unknown to Python, with a note."""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        notes.append(f"Unknown charset {charset!r}; the text was read as UTF-8.")
        return payload.decode("utf-8", errors="replace")
