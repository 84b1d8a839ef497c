"""Case escalation in the API: by name, with the level beside it."""

import pytest

from abuse.choices import Category, Escalation
from abuse.intake import record_monitor_event
from abuse.models import Case
from tests.abuse_helpers import place_lease, utc


@pytest.fixture
def case(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.5", occurred_at=utc(2026, 3, 1),
                         description="")
    return Case.objects.get()


@pytest.mark.parametrize("level, name", [
    (Escalation.NONE, "none"), (Escalation.WARNED, "warned"), (Escalation.ABUSE_TEAM, "abuse_team"),
    (Escalation.SUSPENDED, "suspended"), (Escalation.TERMINATED, "terminated"),
])
def test_case_detail_gives_escalation_name_and_level(case, lessee, api_client_for, level, name):
    Case.objects.filter(pk=case.pk).update(escalation=level)

    body = api_client_for(lessee.owner).get(f"/api/abuse/cases/{case.pk}/").json()

    assert (body["escalation"], body["escalation_level"]) == (name, int(level))


def test_case_list_gives_escalation_name(case, lessee, api_client_for):
    rows = api_client_for(lessee.owner).get("/api/abuse/cases/").json()["results"]

    assert [(row["escalation"], row["escalation_level"]) for row in rows] == [("warned", 1)]


def test_schema_lists_escalation_names(db, api_client_for, lessee):
    schemas = api_client_for(lessee.owner).get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

    assert schemas["Case"]["properties"]["escalation"]["allOf"] == [{"$ref": "#/components/schemas/EscalationEnum"}]
    assert schemas["EscalationEnum"]["enum"] == ["none", "warned", "abuse_team", "suspended", "terminated"]
