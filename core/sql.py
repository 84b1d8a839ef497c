"""Helpers for raw SQL."""

from datetime import datetime


def array_literal(values):
    """Return the PostgreSQL text form of an array of `values`, to pass as one parameter cast to a typed array.

    psycopg dumps a list element by element in Python, which cost more than
    the query itself for the thousands of values of an intake batch. One
    string is dumped at once. Values are strings, numbers, booleans, aware
    datetimes or None.
    """
    return "{" + ",".join(map(_element, values)) + "}"


def _element(value):
    # The exact types first, by identity: they are nearly all the values,
    # and this runs once per value of every batch array.
    kind = type(value)
    if kind is str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind is int:
        return str(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return '"' + value.isoformat() + '"'
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
