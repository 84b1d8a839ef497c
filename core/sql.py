"""Helpers for raw SQL."""

import json
from datetime import datetime

import orjson
import psycopg
from django.db import connection


def array_literal(values):
    """Return the PostgreSQL text form of an array of `values`, to pass as one parameter cast to a typed array.

    psycopg dumps a list element by element in Python, which cost more than
    the query itself for the thousands of values of an intake batch. One
    string is dumped at once. Values are strings, numbers, booleans, aware
    datetimes or None.
    """
    if not isinstance(values, (list, tuple)):
        values = list(values)
    # Without an escape in its output, a JSON array is an array literal
    # between other brackets: strings in double quotes, numbers, true,
    # false and null read the same way. Text with a quote, a backslash or
    # a control character has an escape, which the two formats write
    # differently, so such arrays take the element by element path.
    text = _json_or_none(values)
    if text is not None and "\\" not in text:
        return "{" + text[1:-1] + "}"
    return "{" + ",".join(map(_element, values)) + "}"


def json_text(value):
    """Return `value` as JSON text, for a json or jsonb column written from SQL built here."""
    text = _json_or_none(value)
    return json.dumps(value, default=_json_default) if text is None else text


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _json_or_none(value):
    # orjson encoded an array of 700 addresses in 4 microseconds, json in
    # 42 (timeit, Python 3.11, the 2-core benchmark machine). It rejects
    # lone surrogates and integers beyond 64 bits, which json writes, so
    # None sends those values to json.
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return None


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


def array_param(values, db_type):
    """Return (placeholder, parameter) that pass `values` as one array of `db_type`.

    Text, numbers and booleans go as one array literal. Datetimes go as a
    list that psycopg dumps in binary, since writing each as text costs
    more than a microsecond. Run the statement on `server_cursor()`: a
    cursor that binds parameters client-side would write the list as text.
    """
    if not isinstance(values, (list, tuple)):
        values = list(values)
    sample = next((value for value in values if value is not None), None)
    if isinstance(sample, datetime):
        return f"%b::{db_type}[]", list(values)
    return f"%s::{db_type}[]", array_literal(values)


def server_cursor():
    """Return a cursor on Django's connection that sends parameters separately from the query.

    Django's own cursors bind parameters into the query text. This one runs
    in Django's transaction, is logged and turns errors into Django's like
    them, but passes `array_param` lists in binary.
    """
    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))
