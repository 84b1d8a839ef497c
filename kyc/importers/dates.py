from datetime import datetime, timezone

from .base import partial_date


def parse_timestamp(value):
    """Return an aware UTC datetime from an ISO 8601 timestamp or date, or None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # The lists state generation times without a zone; UTC is assumed.
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def parse_list_date(value):
    """Return an aware UTC datetime from an ISO timestamp or a date such as 13-Feb-2026 or 02/12/2026.

    Day-first dates and dates inside text ("Report Date: 13-Feb-2026") are
    read as midnight UTC. Returns None when `value` contains no complete date.
    """
    parsed = parse_timestamp(value)
    if parsed is not None:
        return parsed
    day = partial_date(value)
    if len(day) != len("2026-01-01"):
        return None
    try:
        return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
    except ValueError:
        # A day that does not exist, such as 31/02/2026.
        return None
