import calendar
from datetime import datetime

from .choices import Term


def add_months(moment: datetime, months: int) -> datetime:
    """Return `moment` shifted by whole calendar months.

    The day is clamped to the target month's length, so 31 January plus one
    month is 28 or 29 February.
    """
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def term_end(start: datetime, term: str) -> datetime:
    """Return when a term that begins at `start` ends: one or twelve calendar months later."""
    return add_months(start, 12 if term == Term.YEARLY else 1)
