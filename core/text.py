"""Text helpers: plain-language forms of values, and text that PostgreSQL can store."""

import re


def duration_text(duration):
    """Return a timedelta in days, hours and minutes, for example "2 days 3 h 5 min", or "under a minute"."""
    minutes = int(duration.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def storable_text(value):
    """Return `value` without the characters PostgreSQL cannot store in text: NUL and lone surrogates.

    Text from outside can carry them. An abuse report or a DNS answer can
    hold NUL, as a byte or a JSON escape. Surrogates stand for bytes the
    email package could not decode (surrogateescape), or come from a JSON
    escape. Any of them would fail the whole write of a batch. NUL becomes
    U+FFFD, escaped bytes are read as UTF-8, and what remains invalid
    becomes U+FFFD.
    """
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        pass
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)


_SURROGATE = re.compile("[\ud800-\udfff]")
