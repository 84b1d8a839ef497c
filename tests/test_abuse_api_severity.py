"""Case severity in the API: given and filtered by name, ordered by level."""

import pytest
from rest_framework.test import APIClient

from abuse.choices import Category
from abuse.intake import record_monitor_event
from abuse.models import Case
from tests.abuse_helpers import place_lease, utc

# Categories whose cases start at each severity, from low to critical.
CATEGORY_BY_SEVERITY = {"low": Category.PTR_CHURN, "medium": Category.SPAM, "high": Category.PHISHING,
                        "critical": Category.HIJACK}


@pytest.fixture
def cases(holder, lessee, make_listing):
    """One case of the lessee per severity, keyed by the severity's name."""
    listing = make_listing(holder, "198.51.100.0/24")
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    for category in CATEGORY_BY_SEVERITY.values():
        record_monitor_event(source="dnsbl", category=category, ip="198.51.100.5", occurred_at=utc(2026, 3, 1),
                             description="")
    return {name: Case.objects.get(category=category) for name, category in CATEGORY_BY_SEVERITY.items()}


@pytest.fixture
def client(lessee, api_client_for):
    return api_client_for(lessee.owner)


def listed(client, **query):
    return client.get("/api/abuse/cases/", query).json()["results"]


def test_case_list_gives_severity_name(cases, client):
    rows = listed(client, ordering="severity")

    assert [row["severity"] for row in rows] == ["low", "medium", "high", "critical"]


def test_case_list_gives_severity_level(cases, client):
    rows = listed(client, ordering="severity")

    assert [row["severity_level"] for row in rows] == [1, 2, 3, 4]


def test_case_detail_gives_severity_name(cases, client):
    body = client.get(f"/api/abuse/cases/{cases['high'].pk}/").json()

    assert (body["severity"], body["severity_level"]) == ("high", 3)


def test_answer_response_gives_severity_name(cases, client):
    response = client.post(f"/api/abuse/cases/{cases['critical'].pk}/acknowledge/")

    assert response.json()["severity"] == "critical"


def test_ordering_by_severity_uses_level(cases, client):
    rows = listed(client, ordering="-severity")

    assert [row["id"] for row in rows] == [cases[name].pk for name in ("critical", "high", "medium", "low")]


@pytest.mark.parametrize("name", ["low", "medium", "high", "critical"])
def test_severity_filter_takes_name(cases, client, name):
    rows = listed(client, severity=name)

    assert [row["id"] for row in rows] == [cases[name].pk]


@pytest.mark.parametrize("value", ["3", "HIGH", "severe"])
def test_severity_filter_rejects_other_values(cases, client, value):
    response = client.get("/api/abuse/cases/", {"severity": value})

    assert response.status_code == 400
    assert response.json() == {
        "severity": [f"Select a valid choice. {value} is not one of the available choices."]}


def test_schema_gives_severity_names_in_order(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    assert schema["components"]["schemas"]["SeverityEnum"]["enum"] == ["low", "medium", "high", "critical"]


def test_schema_severity_filter_is_string(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    parameters = schema["paths"]["/api/abuse/cases/"]["get"]["parameters"]
    severity = next(parameter for parameter in parameters if parameter["name"] == "severity")
    assert severity["schema"]["type"] == "string"
    assert sorted(severity["schema"]["enum"]) == ["critical", "high", "low", "medium"]


def test_severity_filter_other_organisation_empty(cases, make_organization, api_client_for):
    stranger = api_client_for(make_organization().owner)

    assert listed(stranger, severity="high") == []
