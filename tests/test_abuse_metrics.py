from datetime import timedelta

import pytest

from abuse.choices import Category
from abuse.metrics import charts, collect
from abuse.models import Case
from tests.abuse_helpers import utc

NOW = utc(2026, 4, 15)


def make_case(key, category, opened, first_event, mitigated=None, rpki=False, breached=False):
    return Case.objects.create(
        grouping_key=key, queue="platform", category=category, opened_at=opened, first_event_at=first_event,
        last_event_at=first_event, response_due_at=opened + timedelta(hours=24),
        resolution_due_at=opened + timedelta(hours=72), mitigated_at=mitigated, rpki_controlled=rpki,
        state="resolved" if mitigated else "open", response_breached_at=opened if breached else None,
    )


@pytest.fixture
def cases(db):
    march = utc(2026, 3, 10)
    make_case("a", Category.SPAM, march, march, march + timedelta(hours=24), rpki=True)
    make_case("b", Category.SPAM, march, march, march + timedelta(hours=48), rpki=True)
    make_case("c", Category.SPAM, march, march, march + timedelta(hours=96))
    make_case("d", Category.PHISHING, march, march)
    make_case("e", Category.SCANNING, utc(2026, 4, 2), utc(2026, 4, 2), breached=True)


def test_cases_per_category_and_spam_share(cases):
    data = collect(months=3, now=NOW)
    march = data["categories_by_month"][0]
    assert march["month"] == "2026-03"
    assert march["counts"] == {"spam": 3, "phishing": 1}
    assert march["spam_share"] == 0.75


def test_median_handling_split_by_rpki(cases):
    march = collect(months=3, now=NOW)["handling_time_by_month"][0]
    assert march["rpki_controlled_hours"] == 36.0
    assert march["rpki_controlled_cases"] == 2
    assert march["not_rpki_controlled_hours"] == 96.0


def test_open_and_breached_counts(cases):
    data = collect(months=3, now=NOW)
    assert data["open_cases"] == 2
    assert data["breached_open_cases"] == 1


def test_charts_one_bar_per_category_and_month(cases):
    layout = charts(collect(months=3, now=NOW))
    assert len(layout["stacked"]) == 3
    assert len(layout["grouped"]) == 2
