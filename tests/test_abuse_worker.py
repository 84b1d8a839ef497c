from datetime import timedelta

import pytest

from abuse.choices import Category
from abuse.intake import record_monitor_event
from abuse.models import Case, Notification, TimelineEntry
from abuse.tasks import escalate_breached_cases_task
from tests.abuse_helpers import place_lease, utc

pytestmark = pytest.mark.worker


def test_escalation_task_on_two_workers_escalates_once(celery_worker, holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    place_lease(listing, lessee, "198.51.100.0/24", utc(2026, 1, 1))
    categories = (Category.SPAM, Category.SCANNING, Category.MALWARE, Category.LOGIN_ATTACK)
    for index, category in enumerate(categories):
        record_monitor_event(
            source="dnsbl", category=category, ip=f"198.51.100.{index + 1}",
            occurred_at=utc(2026, 2, 1), description="",
        )
    # The cases opened now; moving their deadlines into the past makes them breached.
    past = utc(2026, 2, 2)
    Case.objects.update(response_due_at=past, resolution_due_at=past + timedelta(hours=1))

    results = [escalate_breached_cases_task.delay() for _ in range(4)]
    handled = [result.get(timeout=60) for result in results]

    assert sum(handled) == 8
    assert Case.objects.filter(response_breached_at__isnull=False).count() == 4
    assert Case.objects.filter(resolution_breached_at__isnull=False).count() == 4
    assert Notification.objects.filter(kind="response_breached").count() == 4
    assert TimelineEntry.objects.filter(text__startswith="No response by").count() == 4
