from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection

from core.sql import array_literal

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
