"""Turning a stored report into events.

`parse(raw, content_type)` picks the parser by content type and, for mail,
by the message's structure, and returns a ParseResult. Every parser raises
ParseError when the report contains no event where it should have one, so a changed feed
format is flagged instead of passing as an empty success.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.text import storable_text

from ..models import Event
from .base import NotJsonError, ParsedEvent, ParseError, ParseResult

__all__ = ["ParseError", "ParseResult", "ParsedEvent", "parse"]

MONITOR_CONTENT_TYPE = "application/vnd.ipl-monitor+json"


def parse(raw, content_type, *, as_json=False):
    """Return the ParseResult of a report; raise ParseError naming what is wrong.

    `as_json` reads the body as JSON whatever `content_type` is, as the REST
    API documents for its clients.
    """
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
    elif as_json:
        try:
            result = jsonforms.parse_json(raw)
        except NotJsonError as exc:
            sent_as = content_type or "no content type"
            raise ParseError(
                f"The body was sent as {sent_as} and is not valid JSON ({exc.detail}). Send a JSON object "
                "with ip, time and category, or an XARF v4 report, with Content-Type: application/json."
            ) from None
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
    _clean(result)
    _drop_future_events(result)
    return result


def _clean(result):
    """Make the text of every event and note storable, whatever parser wrote it.

    That is text PostgreSQL can store (see core.text.storable_text), and
    type and reporter no longer than their columns: one value too long
    would fail the write of the whole batch.
    """
    for event in result.events:
        event.type = storable_text(event.type)[:_TYPE_LENGTH]
        event.reporter = storable_text(event.reporter)[:_REPORTER_LENGTH]
        event.description = storable_text(event.description)
        if event.evidence:
            event.evidence = _clean_value(event.evidence)
    result.notes = [storable_text(note) for note in result.notes]


_TYPE_LENGTH = Event._meta.get_field("type").max_length
_REPORTER_LENGTH = Event._meta.get_field("reporter").max_length


def _clean_value(value):
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        # JSON reads 1e999 as infinity, which jsonb cannot store.
        return None
    if isinstance(value, dict):
        return {storable_text(str(key)): _clean_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean_value(item) for item in value]
    return value


def _drop_future_events(result):
    """Leave out events dated later than now plus ABUSE_MAX_CLOCK_SKEW_MINUTES, with a note each.

    Such a time is a typo or a wrong clock, and attributing it would pick the
    lease that holds the address today. The report stays stored either way.
    """
    latest = timezone.now() + timedelta(minutes=settings.ABUSE_MAX_CLOCK_SKEW_MINUTES)
    future = [event for event in result.events if event.occurred_at > latest]
    if not future:
        return
    for event in future:
        result.notes.append(
            f"Event for {event.ip} at {event.occurred_at:%Y-%m-%d %H:%M} UTC left out: "
            "the time is in the future."
        )
    result.events = [event for event in result.events if event.occurred_at <= latest]
    if not result.events:
        first = future[0]
        raise ParseError(
            f"The time {first.occurred_at:%Y-%m-%d %H:%M} UTC is in the future; give the time "
            "the abuse was seen, in UTC or with its zone."
        )
