from datetime import timedelta

import pytest

from core.text import duration_text, storable_text


@pytest.mark.parametrize(("duration", "text"), [
    (timedelta(seconds=0.08), "under a minute"),
    (timedelta(minutes=1), "1 min"),
    (timedelta(hours=2, minutes=5), "2 h 5 min"),
    (timedelta(days=1), "1 day"),
    (timedelta(days=3, hours=4, seconds=59), "3 days 4 h"),
])
def test_duration_text(duration, text):
    assert duration_text(duration) == text


@pytest.mark.parametrize(("value", "stored"), [
    ("plain ünïcode", "plain ünïcode"),
    ("nul\x00here", "nul\ufffdhere"),
    ("caf\udcc3\udca9", "caf\u00e9"),
    ("byte \udcff", "byte \ufffd"),
    ("lone \ud800 high", "lone \ufffd high"),
])
def test_storable_text(value, stored):
    assert storable_text(value) == stored
