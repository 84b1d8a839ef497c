from datetime import datetime, timezone


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
