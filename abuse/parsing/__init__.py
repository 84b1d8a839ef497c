"""Turning a stored report into events.

`parse(raw, content_type)` picks the parser by content type and, for mail,
by the message's structure, and returns a ParseResult. Every parser raises
ParseError when the report contains no event where it should have one, so a changed feed
format is flagged instead of passing as an empty success.
"""

from django.conf import settings

from .base import ParsedEvent, ParseError, ParseResult

__all__ = ["ParseError", "ParseResult", "ParsedEvent", "parse"]

MONITOR_CONTENT_TYPE = "application/vnd.ipl-monitor+json"


def parse(raw, content_type):
    from . import csvfeed, jsonforms, mail, plaintext

    limit = settings.ABUSE_MAX_PARSE_BYTES
    if len(raw) > limit:
        raise ParseError(
            f"The report is {len(raw)} bytes, over the parse limit of {limit} bytes "
            "(ABUSE_MAX_PARSE_BYTES); it is stored, and staff can raise the limit and parse it again."
        )
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type == MONITOR_CONTENT_TYPE:
        result = jsonforms.parse_monitor(raw)
    elif content_type == "application/json":
        result = jsonforms.parse_json(raw)
    elif content_type in ("text/csv", "application/zip", "application/x-zip-compressed"):
        result = csvfeed.parse_feed(raw)
    elif content_type == "text/plain":
        result = plaintext.parse_text(raw.decode("utf-8", errors="replace"))
    elif content_type == "message/rfc822":
        result = mail.parse_message(raw)
    else:
        raise ParseError(
            f"Content type {content_type!r} has no parser; send message/rfc822, application/json, "
            "text/csv, application/zip or text/plain."
        )
    if not result.events:
        raise ParseError(f"The {result.parser} parser found no event in this report.")
    return result
