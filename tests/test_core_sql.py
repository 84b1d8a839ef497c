import json
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection

from core.sql import array_literal, array_param, json_text, server_cursor

STRINGS = ['plain', 'with "quotes"', "back\\slash", "comma, {braces}", "NULL", "", "  spaced  ", "ünïcode", None]


def round_trip(values, cast):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{cast}[]", [array_literal(values)])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_strings_round_trip_unchanged():
    assert round_trip(STRINGS, "varchar") == STRINGS


@pytest.mark.django_db
def test_aware_datetimes_round_trip_to_same_instant():
    moments = [datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=timezone.utc),
               datetime(2026, 3, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))), None]
    assert round_trip(moments, "timestamptz") == moments


@pytest.mark.django_db
def test_numbers_and_booleans_round_trip():
    assert round_trip([0, -7, 2**62, None], "bigint") == [0, -7, 2**62, None]
    assert round_trip([True, False, None], "boolean") == [True, False, None]


def test_empty_list_is_empty_array():
    assert array_literal([]) == "{}"


@pytest.mark.django_db
def test_choice_members_round_trip_as_their_values():
    from abuse.choices import Category, Severity

    assert round_trip([Category.SPAM, Category.DDOS], "varchar") == ["spam", "ddos"]
    assert round_trip([Severity.LOW, Severity.CRITICAL], "smallint") == [int(Severity.LOW), int(Severity.CRITICAL)]


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["line\nbreak", "tab\there", "bell\x07", 'quote "', "back\\", "\\n literally"])
def test_text_with_escapes_round_trips(text):
    """Text JSON would escape takes the element by element path, mixed with plain text."""
    assert round_trip(["plain", text, None], "text") == ["plain", text, None]


def test_plain_text_array_is_json_between_braces():
    assert array_literal(["a b", "", "NULL", None, "ü"]) == '{"a b","","NULL",null,"ü"}'


@pytest.mark.django_db
def test_integers_beyond_64_bits_round_trip():
    assert round_trip([2**70, -(2**65), 1], "numeric") == [2**70, -(2**65), 1]


def test_lone_surrogate_takes_element_path():
    """Text decoded with surrogateescape reaches the database as it did before orjson, which rejects it."""
    assert array_literal(["ok", "bad\udc80"]) == '{"ok","bad\udc80"}'


@pytest.mark.parametrize("value", [
    {"port": 25, "line": 'quoted "x"', "nested": {"list": [1, None, True]}},
    {1: "integer key"},
    ["ünïcode", "tab\t"],
    {"big": 2**70},
    {"lone": "\udc80"},
])
def test_json_text_reads_back_as_value(value):
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))


@pytest.mark.django_db
def test_floats_round_trip():
    assert round_trip([0.5, 1e-07, -2.25, None], "float8") == [0.5, 1e-07, -2.25, None]


@pytest.mark.django_db
def test_array_param_sends_datetimes_in_binary():
    moments = [datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=timezone.utc), None]
    placeholder, param = array_param(moments, "timestamptz")
    assert (placeholder, param) == ("%b::timestamptz[]", moments)
    with server_cursor() as cursor:
        cursor.execute(f"SELECT {placeholder}", [param])
        assert cursor.fetchone()[0] == moments


@pytest.mark.django_db
def test_array_param_sends_text_as_one_literal():
    assert array_param(["a", None], "varchar") == ("%s::varchar[]", '{"a",null}')


@pytest.mark.django_db
def test_server_cursor_queries_are_counted(django_assert_num_queries):
    with django_assert_num_queries(1), server_cursor() as cursor:
        cursor.execute("SELECT %s::bigint[]", ["{1,2}"])
