"""Case titles: the lease's prefix, or for space no lease covered, the addresses of the events."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abuse.choices import Category, Channel, NotificationKind
from abuse.intake import receive_many, record_monitor_event
from abuse.models import Case
from abuse.notifications import opening_text
from tests.abuse_helpers import place_lease, utc


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def report_malware(*addresses):
    """File one malware event per address, a minute apart, and return the case they joined."""
    for minute, address in enumerate(addresses):
        record_monitor_event(source="dnsbl", category=Category.MALWARE, ip=address,
                             occurred_at=utc(2026, 3, 1, 12, minute), description="")
    return Case.objects.get(category=Category.MALWARE)


@pytest.fixture
def block(holder, make_listing):
    """The holder's 203.0.113.0/24, with no lease in it."""
    return make_listing(holder, "203.0.113.0/24")


def test_title_single_address(block):
    case = report_malware("203.0.113.9")

    assert case.subject == "203.0.113.9"


def test_title_lowest_address_and_count(block):
    case = report_malware("203.0.113.9", "203.0.113.40", "203.0.113.2", "203.0.113.9")

    assert case.subject == "203.0.113.2 and 2 more addresses"


def test_title_one_more_address_singular(block):
    case = report_malware("203.0.113.9", "203.0.113.10")

    assert case.subject == "203.0.113.9 and 1 more address"


def test_title_compares_addresses_numerically(block):
    case = report_malware("203.0.113.100", "203.0.113.20")

    assert case.subject == "203.0.113.20 and 1 more address"


def test_title_platform_case_address(db):
    case = report_malware("192.0.2.77")

    assert case.subject == "192.0.2.77"


def test_title_lessee_case_lease_prefix(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))

    case = report_malware("198.51.100.5", "198.51.100.6")

    assert case.subject == "198.51.100.0/25"


def test_title_without_events_queue_label(block):
    case = report_malware("203.0.113.9")
    case.events.update(case=None)

    assert Case.objects.get(pk=case.pk).subject == "Holder (no lease at the time)"


def test_case_str_uses_title(block):
    case = report_malware("203.0.113.9")

    assert str(case) == f"Case {case.pk}: Malware on 203.0.113.9"


def test_case_list_shows_title(block, holder):
    report_malware("203.0.113.9", "203.0.113.10")

    page = client_for(holder.owner).get("/abuse/").content.decode()

    assert "<td>203.0.113.9 and 1 more address</td>" in page
    assert "Holder (no lease at the time)" not in page


def test_case_page_heading_shows_title(block, holder):
    case = report_malware("203.0.113.9")

    page = client_for(holder.owner).get(f"/abuse/cases/{case.pk}/").content.decode()

    assert f"<h1>Abuse case #{case.pk}: Malware on 203.0.113.9</h1>" in page


def test_case_list_query_count_constant(block, holder):
    report_malware("203.0.113.9")
    client = client_for(holder.owner)
    with CaptureQueriesContext(connection) as one_case:
        client.get("/abuse/")
    for address, category in (("203.0.113.10", Category.SPAM), ("203.0.113.11", Category.PHISHING)):
        record_monitor_event(source="dnsbl", category=category, ip=address, occurred_at=utc(2026, 3, 1),
                             description="")

    with CaptureQueriesContext(connection) as three_cases:
        page = client.get("/abuse/").content.decode()

    assert "<td>203.0.113.11</td>" in page
    assert len(three_cases) == len(one_case)


def test_admin_list_shows_title(block, make_user):
    case = report_malware("203.0.113.9", "203.0.113.10", "203.0.113.11")

    page = client_for(make_user(is_staff=True, is_superuser=True)).get("/admin/abuse/case/").content.decode()

    assert '<td class="field-subject_link">203.0.113.9 and 2 more addresses</td>' in page
    assert f"/admin/abuse/case/{case.pk}/change/" in page


def test_api_case_list_gives_subject(block, holder, api_client_for):
    report_malware("203.0.113.9", "203.0.113.10")

    results = api_client_for(holder.owner).get("/api/abuse/cases/").json()["results"]

    assert [row["subject"] for row in results] == ["203.0.113.9 and 1 more address"]


def test_api_case_detail_gives_subject(block, holder, api_client_for):
    case = report_malware("203.0.113.9")

    response = api_client_for(holder.owner).get(f"/api/abuse/cases/{case.pk}/")

    assert response.json()["subject"] == "203.0.113.9"


def test_opening_entry_names_addresses_of_holder_case(block):
    feed = ('"time","src_ip","infection"\n"2026-03-05 01:02:03","203.0.113.20","mirai"\n'
            '"2026-03-05 01:02:03","203.0.113.9","mirai"\n"2026-03-05 01:05:00","203.0.113.20","mirai"\n')
    [report] = receive_many([{"channel": Channel.FEED, "source": "feed", "raw": feed, "content_type": "text/csv"}])
    case = Case.objects.get()

    assert case.timeline.order_by("pk").first().text == (
        f"Case opened for 203.0.113.9 and 1 more address with 3 event(s) from report {report.pk}.")


def test_holder_notice_subject_names_addresses(block):
    case = report_malware("203.0.113.9", "203.0.113.10")

    subject, _ = opening_text(case, NotificationKind.HOLDER)

    assert subject == (f"[Abuse case {case.pk}] Malware reported on 203.0.113.9 and 1 more address, "
                       "unleased space of your block")
