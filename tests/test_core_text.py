from datetime import timedelta

import pytest

from core.text import duration_text


@pytest.mark.parametrize(("duration", "text"), [
    (timedelta(seconds=0.08), "under a minute"),
    (timedelta(minutes=1), "1 min"),
    (timedelta(hours=2, minutes=5), "2 h 5 min"),
    (timedelta(days=1), "1 day"),
    (timedelta(days=3, hours=4, seconds=59), "3 days 4 h"),
])
def test_duration_text(duration, text):
    assert duration_text(duration) == text
