"""The events of a case in the API: GET cases/{id}/events/ and the capped list in the case detail."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from abuse.choices import Category, Channel
from abuse.intake import receive, record_monitor_event, record_monitor_events
from abuse.models import Case
from tests.abuse_helpers import place_lease, utc


@pytest.fixture
def lease(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    return place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))


def submit(document, *, source="soc-user", reporter_email=""):
    """File a simple-form JSON report and return the case its first event joined."""
    report = receive(channel=Channel.API, source=source, raw=json.dumps(document).encode(),
                     content_type="application/json", reporter_email=reporter_email)
    return report.events.get().case


SPAM_RUN = {"ip": "198.51.100.7", "time": "2026-03-01T12:00:00", "category": "spam", "port": 25,
            "type": "spamtrap", "reporter": "Jane Doe", "description": "Jane Doe saw a spam run",
            "evidence": {"headers": "Received: from mx7", "to": "jane@trap.example", "log": "x" * 3000}}


@pytest.fixture
def busy_case(lease):
    """A case with 120 events, one a minute from 2026-03-01 00:00, on 198.51.100.0 to .119."""
    record_monitor_events([
        {"source": "dnsbl", "category": Category.SPAM, "ip": f"198.51.100.{minute}",
         "occurred_at": utc(2026, 3, 1, minute // 60, minute % 60), "description": ""}
        for minute in range(120)
    ])
    return Case.objects.get()


@pytest.fixture
def holder_case(holder, make_listing):
    """A case on the holder's 203.0.113.0/24, which no lease covered."""
    make_listing(holder, "203.0.113.0/24")
    record_monitor_event(source="dnsbl", category=Category.MALWARE, ip="203.0.113.9",
                         occurred_at=utc(2026, 3, 1), description="C2 beacon")
    return Case.objects.get(category=Category.MALWARE)


def events_url(case):
    return f"/api/abuse/cases/{case.pk}/events/"


def test_events_endpoint_gives_disclosed_event(lease, lessee, api_client_for):
    case = submit(SPAM_RUN)

    response = api_client_for(lessee.owner).get(events_url(case))

    event = case.events.get()
    assert response.status_code == 200
    assert response.json()["results"] == [{
        "id": event.pk, "ip": "198.51.100.7", "port": 25, "occurred_at": "2026-03-01T12:00:00Z",
        "zone_assumed": True, "category": "spam", "type": "spamtrap", "confidence": "high",
        "description": "[reporter] saw a spam run",
        "evidence": {"headers": "Received: from mx7", "to": "[withheld]", "log": "x" * 3000},
    }]


def test_events_endpoint_pages_fifty(busy_case, lessee, api_client_for):
    response = api_client_for(lessee.owner).get(events_url(busy_case))

    body = response.json()
    assert body["count"] == 120
    assert [event["ip"] for event in body["results"]] == [f"198.51.100.{host}" for host in range(50)]
    assert body["next"] == f"http://testserver{events_url(busy_case)}?page=2"


def test_events_endpoint_last_page(busy_case, lessee, api_client_for):
    response = api_client_for(lessee.owner).get(events_url(busy_case), {"page": 3})

    assert [event["ip"] for event in response.json()["results"]] == [f"198.51.100.{host}" for host in range(100, 120)]
    assert response.json()["next"] is None


def test_events_endpoint_only_this_case(lease, lessee, api_client_for):
    spam = submit(SPAM_RUN)
    submit({**SPAM_RUN, "ip": "198.51.100.8", "category": "phishing"})

    response = api_client_for(lessee.owner).get(events_url(spam))

    assert [event["ip"] for event in response.json()["results"]] == ["198.51.100.7"]


def test_events_endpoint_holder_sees_lessee_case(lease, holder, api_client_for):
    case = submit(SPAM_RUN)

    response = api_client_for(holder.owner).get(events_url(case))

    assert [event["ip"] for event in response.json()["results"]] == ["198.51.100.7"]


def test_events_endpoint_holder_sees_unleased_space(holder_case, holder, api_client_for):
    response = api_client_for(holder.owner).get(events_url(holder_case))

    assert [event["description"] for event in response.json()["results"]] == ["C2 beacon"]


def test_events_endpoint_other_organisation_404(busy_case, make_organization, api_client_for):
    stranger = make_organization()

    response = api_client_for(stranger.owner).get(events_url(busy_case))

    assert response.status_code == 404


def test_events_endpoint_lessee_on_holder_case_404(holder_case, lessee, api_client_for):
    response = api_client_for(lessee.owner).get(events_url(holder_case))

    assert response.status_code == 404


def test_events_endpoint_other_holder_404(holder_case, make_organization, make_listing, api_client_for):
    other_holder = make_organization()
    make_listing(other_holder, "192.0.2.0/24")

    response = api_client_for(other_holder.owner).get(events_url(holder_case))

    assert response.status_code == 404


def test_events_endpoint_anonymous_401(busy_case):
    assert APIClient().get(events_url(busy_case)).status_code == 401


def test_events_endpoint_ignores_case_filters(busy_case, lessee, api_client_for):
    response = api_client_for(lessee.owner).get(events_url(busy_case), {"state": "resolved"})

    assert response.json()["count"] == 120


def test_case_detail_caps_nested_events(busy_case, lessee, api_client_for):
    body = api_client_for(lessee.owner).get(f"/api/abuse/cases/{busy_case.pk}/").json()

    assert body["event_count"] == 120
    assert [event["ip"] for event in body["events"]] == [f"198.51.100.{host}" for host in range(50)]


def test_case_detail_events_withhold_reporter(lease, lessee, api_client_for):
    case = submit(SPAM_RUN, reporter_email="jane@trap.example")

    body = api_client_for(lessee.owner).get(f"/api/abuse/cases/{case.pk}/").json()

    assert "reporter" not in body["events"][0]
    assert "Jane Doe" not in json.dumps(body)
    assert "jane@trap.example" not in json.dumps(body)


def submit_as(user, host, description=""):
    """File a simple-form JSON report as `user`, about 198.51.100.`host`; return the case its event joined."""
    document = {"ip": f"198.51.100.{host}", "time": "2026-03-01T12:00:00Z", "category": "spam",
                "description": description, "evidence": {"contact": user.email}}
    report = receive(channel=Channel.API, source=user.username, raw=json.dumps(document).encode(),
                     content_type="application/json", submitted_by=user)
    return report.events.get().case


def test_events_withhold_submitting_user(lease, lessee, make_organization, api_client_for):
    user = make_organization("Other Reporter Org").owner
    user.first_name, user.last_name = "Ola", "Nordmann"
    user.save()
    case = submit_as(user, 7, f"Seen by Ola Nordmann of Other Reporter Org, write to {user.email} or noc@example.net")

    [event] = api_client_for(lessee.owner).get(events_url(case)).json()["results"]

    assert event["description"] == "Seen by [reporter] of [reporter], write to [reporter] or [reporter]"
    assert event["evidence"] == {"contact": "[reporter]"}


def test_events_page_queries_independent_of_submitters(lease, lessee, make_organization, api_client_for):
    client = api_client_for(lessee.owner)
    case = submit_as(make_organization().owner, 7)
    with CaptureQueriesContext(connection) as one_submitter:
        client.get(events_url(case))
    for host in (8, 9, 10):
        submit_as(make_organization().owner, host)
    with CaptureQueriesContext(connection) as four_submitters:
        client.get(events_url(case))
    assert len(four_submitters) == len(one_submitter)


def test_schema_lists_events_endpoint(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/abuse/cases/{id}/events/"]["get"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/PaginatedEventList"}
    assert "reporter" not in schema["components"]["schemas"]["Event"]["properties"]
