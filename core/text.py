"""Plain-language forms of values, shared by messages and templates."""


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
