"""Reading the many time notations of abuse reports into aware UTC datetimes.

A time without a zone is taken as UTC and reported as assumed, so that the
event can be flagged.
"""

import email.utils
import re
from datetime import UTC, datetime

from .base import ParseError

_TRAILING_ZONE = re.compile(r"\s*\b(UTC|GMT|UT)$", re.IGNORECASE)
_SPACED_OFFSET = re.compile(r"\s+([+-]\d{2}:?\d{2})$")
_RFC2822_ZONE = re.compile(r"(\s[+-]\d{4}|\s[A-Za-z]{1,5})\s*(\([^)]*\))?$")
_UNKNOWN_ZONE = re.compile(r"\s-0000\s*(\([^)]*\))?$")
_EPOCH = re.compile(r"^\d{9,10}(\.\d+)?$")


def parse_time(value):
    """Return (aware UTC datetime, zone_assumed) for `value`.

    Reads ISO 8601 (with `Z`, an offset or no zone), the same with a space
    instead of `T`, a trailing UTC/GMT word, RFC 2822 dates as in mail
    headers, and Unix epoch seconds. Raises ParseError naming the value when
    none of them fits.
    """
    text = str(value or "").strip()
    if not text:
        raise ParseError(
            "The time is missing; give it in ISO 8601, for example 2026-03-01T12:00:00Z (UTC is assumed without a zone)."
        )
    try:
        return _parse_known(text)
    except (OverflowError, OSError, ValueError):
        # A date such as year 2877025 matches a notation but no datetime.
        raise ParseError(
            f"The time {text!r} is out of range; give the time the abuse was seen, "
            "for example 2026-03-01T12:00:00Z."
        ) from None


def _parse_known(text):
    if _EPOCH.match(text):
        return datetime.fromtimestamp(float(text), tz=UTC), False

    iso = _parse_iso(text)
    if iso is not None:
        return iso

    parsed = email.utils.parsedate_tz(text)
    if parsed is not None:
        # parsedate_tz returns offset 0 both for "+0000" and for no zone at
        # all, so the zone is looked for in the text. RFC 2822 writes "-0000"
        # for "zone unknown".
        zone_assumed = not _RFC2822_ZONE.search(text) or _UNKNOWN_ZONE.search(text) is not None
        stamp = email.utils.mktime_tz(parsed)
        return datetime.fromtimestamp(stamp, tz=UTC), zone_assumed

    raise ParseError(
        f"The time {text!r} is not in a known format; use ISO 8601 with a zone, "
        "for example 2026-03-01T12:00:00Z."
    )


def _parse_iso(text):
    candidate = _TRAILING_ZONE.sub("+00:00", text)
    # "2026-03-01 12:00:00 +0100": fromisoformat wants the offset attached.
    candidate = _SPACED_OFFSET.sub(r"\1", candidate)
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), True
    return moment.astimezone(UTC), False
