import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from abuse.choices import CaseState, Category, ReportStatus
from abuse.intake import record_monitor_event, reparse
from abuse.models import Case, Report, TimelineEntry
from abuse import actions
from accounts.models import Membership, Role
from tests.abuse_helpers import place_lease, utc

SAMPLES = Path(__file__).parent / "abuse_samples"


@pytest.fixture(autouse=True)
def clear_throttle():
    cache.clear()


@pytest.fixture
def case(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.5",
                         occurred_at=utc(2026, 3, 1), description="Listed")
    return Case.objects.get()


@pytest.fixture
def staff(make_user):
    return make_user(is_staff=True)


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body) if not isinstance(body, bytes) else body,
                       content_type="application/json")


def test_submit_simple_json(case, api_client_for, make_user):
    client = api_client_for(make_user())
    response = post_json(client, "/api/abuse/reports/",
                         {"ip": "198.51.100.8", "time": "2026-03-02T10:00:00Z", "category": "spam"})
    assert response.status_code == 201
    assert response.json()["status"] == ReportStatus.PARSED
    assert response.json()["event_count"] == 1
    assert response.json()["cases"] == [case.pk]
    case.refresh_from_db()
    assert case.event_count == 2


def test_submit_xarf4_stores_body_unchanged(case, api_client_for, make_user):
    body = (SAMPLES / "xarf4.json").read_bytes()
    response = post_json(api_client_for(make_user()), "/api/abuse/reports/", body)
    assert response.status_code == 201
    assert response.json()["parser"] == "xarf4"
    assert bytes(Report.objects.get(pk=response.json()["id"]).raw) == body


def test_submit_invalid_keeps_report_and_explains(db, api_client_for, make_user):
    response = post_json(api_client_for(make_user()), "/api/abuse/reports/",
                         {"ip": "198.51.100.8", "time": "soon", "category": "spam"})
    assert response.status_code == 400
    assert response.json()["parse_error"].startswith("The time 'soon' is not in a known format")
    assert Report.objects.get().status == ReportStatus.FAILED


def test_submit_anonymous_refused(db):
    response = post_json(APIClient(), "/api/abuse/reports/", {"ip": "198.51.100.8"})
    assert response.status_code == 401


def test_reports_list_only_own_submissions(db, api_client_for, make_user):
    author, other = make_user(), make_user()
    post_json(api_client_for(author), "/api/abuse/reports/",
              {"ip": "198.51.100.8", "time": "2026-03-02T10:00:00Z", "category": "spam"})
    assert api_client_for(author).get("/api/abuse/reports/").json()["count"] == 1
    assert api_client_for(other).get("/api/abuse/reports/").json()["count"] == 0


def test_reparse_staff_only(case, api_client_for, make_user, staff):
    report = Report.objects.get()
    assert api_client_for(make_user()).post(f"/api/abuse/reports/{report.pk}/reparse/").status_code == 403
    response = api_client_for(staff).post(f"/api/abuse/reports/{report.pk}/reparse/")
    assert response.status_code == 200
    assert response.json()["parse_attempts"] == 2


def test_public_report_anonymous_accepted(case):
    response = post_json(APIClient(), reverse("abuse-api:public-report"),
                         {"ip": "198.51.100.9", "time": "2026-03-02T10:00:00Z", "category": "phishing",
                          "description": "Fake bank login"})
    assert response.status_code == 201
    assert Case.objects.filter(category=Category.PHISHING).count() == 1


def test_public_report_returns_receipt_only(case):
    response = post_json(APIClient(), reverse("abuse-api:public-report"),
                         {"ip": "198.51.100.9", "time": "2026-03-02T10:00:00Z", "category": "spam"})
    assert sorted(response.json()) == ["event_count", "parse_error", "parse_notes", "received_at", "reference",
                                       "status"]
    assert response.json()["event_count"] == 1
    assert response.json()["reference"] == Report.objects.latest("pk").pk


def test_public_report_future_time_rejected(case):
    response = post_json(APIClient(), reverse("abuse-api:public-report"),
                         {"ip": "198.51.100.9", "time": "2030-01-01T00:00:00Z", "category": "spam"})
    assert response.status_code == 400
    assert "2030-01-01 00:00 UTC is in the future" in json.dumps(response.json())
    assert Case.objects.count() == 1


def test_future_event_left_out_of_list_with_note(case):
    from abuse.intake import receive

    body = [{"ip": "198.51.100.9", "time": "2026-03-02T10:00:00Z", "category": "spam"},
            {"ip": "198.51.100.10", "time": "2031-05-01T00:00:00Z", "category": "spam"}]
    report = receive(channel="api", source="test", raw=json.dumps(body), content_type="application/json")
    assert report.event_count == 1
    assert "198.51.100.10 at 2031-05-01 00:00 UTC left out: the time is in the future" in report.parse_notes


def test_public_report_throttled(db, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], abuse_report_form="2/hour")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    body = {"ip": "198.51.100.9", "time": "2026-03-02T10:00:00Z", "category": "spam"}
    codes = [post_json(APIClient(), reverse("abuse-api:public-report"), body).status_code for _ in range(3)]
    assert codes == [201, 201, 429]


def test_case_list_lessee_sees_own(case, lessee, api_client_for):
    response = api_client_for(lessee.owner).get("/api/abuse/cases/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [case.pk]
    assert response.json()["results"][0]["response_due_at"] is not None


def test_case_list_holder_sees_cases_on_space(case, holder, api_client_for):
    response = api_client_for(holder.owner).get("/api/abuse/cases/")
    assert [item["id"] for item in response.json()["results"]] == [case.pk]


def test_case_list_other_organisation_empty(case, make_organization, api_client_for):
    stranger = make_organization()
    assert api_client_for(stranger.owner).get("/api/abuse/cases/").json()["results"] == []


def test_case_detail_other_organisation_404(case, make_organization, api_client_for):
    stranger = make_organization()
    assert api_client_for(stranger.owner).get(f"/api/abuse/cases/{case.pk}/").status_code == 404


def test_case_detail_anonymous_refused(case):
    assert APIClient().get(f"/api/abuse/cases/{case.pk}/").status_code == 401


def test_case_detail_hides_internal_notes(case, lessee, staff, api_client_for):
    actions.add_note(case, user=staff, text="Probably the reseller again.")
    timeline = api_client_for(lessee.owner).get(f"/api/abuse/cases/{case.pk}/").json()["timeline"]
    assert "Probably the reseller again." not in [entry["text"] for entry in timeline]
    assert TimelineEntry.objects.filter(text="Probably the reseller again.").count() == 1


def test_case_detail_shows_events(case, lessee, api_client_for):
    events = api_client_for(lessee.owner).get(f"/api/abuse/cases/{case.pk}/").json()["events"]
    assert [event["ip"] for event in events] == ["198.51.100.5"]


def test_lessee_acknowledges_through_api(case, lessee, api_client_for):
    response = api_client_for(lessee.owner).post(f"/api/abuse/cases/{case.pk}/acknowledge/")
    assert response.status_code == 200
    assert response.json()["state"] == CaseState.ACKNOWLEDGED


def test_lessee_marks_mitigated_through_api(case, lessee, api_client_for):
    response = api_client_for(lessee.owner).post(
        f"/api/abuse/cases/{case.pk}/mark-mitigated/", {"text": "Host reinstalled."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == CaseState.MITIGATED
    assert response.json()["mitigation"] == "Host reinstalled."


def test_lessee_empty_message_rejected(case, lessee, api_client_for):
    response = api_client_for(lessee.owner).post(f"/api/abuse/cases/{case.pk}/message/", {"text": " "},
                                                 format="json")
    assert response.status_code == 400
    assert "The message is empty" in response.json()["detail"]


def test_holder_cannot_answer_for_lessee(case, holder, api_client_for):
    assert api_client_for(holder.owner).post(f"/api/abuse/cases/{case.pk}/acknowledge/").status_code == 404


def test_billing_member_cannot_answer(case, lessee, make_user, api_client_for):
    billing = make_user()
    Membership.objects.create(user=billing, organization=lessee, role=Role.BILLING)
    assert api_client_for(billing).post(f"/api/abuse/cases/{case.pk}/acknowledge/").status_code == 404


def test_other_organisation_cannot_answer(case, make_organization, api_client_for):
    stranger = make_organization()
    assert api_client_for(stranger.owner).post(f"/api/abuse/cases/{case.pk}/acknowledge/").status_code == 404


def test_metrics_staff_only(case, lessee, staff, api_client_for):
    assert APIClient().get("/api/abuse/metrics/").status_code == 401
    assert api_client_for(lessee.owner).get("/api/abuse/metrics/").status_code == 403
    response = api_client_for(staff).get("/api/abuse/metrics/")
    assert response.status_code == 200
    assert response.json()["open_cases"] == 1


def test_every_api_route_refuses_anonymous_except_public_report(case):
    """Anonymous GET and POST on each abuse API route are refused, except the public report."""
    resolver = get_resolver()
    client = APIClient()
    urls = {
        "/api/abuse/reports/": ("get", "post"),
        f"/api/abuse/reports/{Report.objects.first().pk}/": ("get",),
        f"/api/abuse/reports/{Report.objects.first().pk}/reparse/": ("post",),
        "/api/abuse/cases/": ("get",),
        f"/api/abuse/cases/{case.pk}/": ("get",),
        f"/api/abuse/cases/{case.pk}/acknowledge/": ("post",),
        f"/api/abuse/cases/{case.pk}/message/": ("post",),
        f"/api/abuse/cases/{case.pk}/mitigation/": ("post",),
        f"/api/abuse/cases/{case.pk}/mark-mitigated/": ("post",),
        "/api/abuse/metrics/": ("get",),
    }
    for url, methods in urls.items():
        assert resolver.resolve(url).namespace == "abuse-api"
        for method in methods:
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, data="{}", content_type="application/json")
            assert response.status_code == 401, (method, url, response.status_code)


def test_submit_without_json_content_type_parsed(case, api_client_for, make_user):
    client = api_client_for(make_user())
    body = '{"ip": "198.51.100.8", "time": "2026-03-02T10:00:00Z", "category": "spam"}'
    response = client.post("/api/abuse/reports/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201
    assert bytes(Report.objects.latest("pk").raw) == body.encode()


def test_submit_form_encoded_body_stored_and_explained(db, api_client_for, make_user):
    client = api_client_for(make_user())
    response = client.post("/api/abuse/reports/", "ip=198.51.100.8&category=spam",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["parse_error"] == (
        "The body was sent as application/x-www-form-urlencoded and is not valid JSON (Expecting value: line 1 "
        "column 1 (char 0)). Send a JSON object with ip, time and category, or an XARF v4 report, with "
        "Content-Type: application/json.")
    assert bytes(Report.objects.get().raw) == b"ip=198.51.100.8&category=spam"


def test_oversized_body_rejected_unstored(db, api_client_for, make_user, settings):
    settings.ABUSE_MAX_REPORT_BYTES = 1_000
    body = json.dumps({"ip": "198.51.100.8", "time": "2026-03-02T10:00:00Z", "category": "spam",
                       "description": "x" * 5_000})
    response = api_client_for(make_user()).post("/api/abuse/reports/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": f"The report is {len(body)} bytes, over the limit of 1000 bytes "
                                          "(ABUSE_MAX_REPORT_BYTES); send it in parts or raise the limit."}
    assert Report.objects.count() == 0


def test_submit_list_lists_each_case_once(case, api_client_for, make_user):
    client = api_client_for(make_user())
    events = [{"ip": f"198.51.100.{host}", "time": "2026-03-02T10:00:00Z", "category": "spam"} for host in (8, 9, 10)]
    response = post_json(client, "/api/abuse/reports/", events)
    assert response.status_code == 201
    assert response.json()["cases"] == [case.pk]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain; charset=utf-8",
                                          "text/csv"])
def test_submitted_report_keeps_content_type_sent(case, api_client_for, make_user, content_type):
    client = api_client_for(make_user())
    body = '{"ip": "198.51.100.8", "time": "2026-03-02T10:00:00Z", "category": "spam"}'
    response = client.post("/api/abuse/reports/", body, content_type=content_type)
    report = Report.objects.latest("pk")
    assert (response.status_code, report.content_type, report.status) == (201, content_type, "parsed")


def test_reparse_reads_api_body_as_json(case, api_client_for, make_user):
    client = api_client_for(make_user())
    body = '{"ip": "198.51.100.8", "time": "2026-03-02T10:00:00Z", "category": "spam"}'
    client.post("/api/abuse/reports/", body, content_type="text/plain")
    report = reparse(Report.objects.latest("pk"))
    assert (report.status, report.parser) == ("parsed", "json")


def test_case_list_orders_by_next_deadline(case, lessee, api_client_for):
    record_monitor_event(source="dnsbl", category=Category.PHISHING, ip="198.51.100.5",
                         occurred_at=utc(2026, 3, 1), description="")
    acknowledged = Case.objects.get(category=Category.PHISHING)
    Case.objects.filter(pk=case.pk).update(response_due_at=utc(2026, 3, 2, 3), resolution_due_at=utc(2026, 3, 2, 9))
    Case.objects.filter(pk=acknowledged.pk).update(state=CaseState.ACKNOWLEDGED, responded_at=utc(2026, 3, 2),
                                                   response_due_at=utc(2026, 3, 2), resolution_due_at=utc(2026, 3, 2, 5))
    results = api_client_for(lessee.owner).get("/api/abuse/cases/").json()["results"]
    assert [row["id"] for row in results] == [case.pk, acknowledged.pk]


def test_case_list_puts_mitigated_before_closed(case, lessee, api_client_for):
    categories = [Category.PHISHING, Category.MALWARE, Category.SCANNING]
    for category in categories:
        record_monitor_event(source="dnsbl", category=category, ip="198.51.100.5", occurred_at=utc(2026, 3, 1),
                             description="")
    resolved, mitigated, invalid = (Case.objects.get(category=category) for category in categories)
    mitigated_at = utc(2026, 3, 2)
    Case.objects.filter(pk=case.pk).update(state=CaseState.RESOLVED, responded_at=mitigated_at,
                                           mitigated_at=mitigated_at)
    Case.objects.filter(pk=resolved.pk).update(state=CaseState.RESOLVED, responded_at=mitigated_at,
                                               mitigated_at=mitigated_at)
    Case.objects.filter(pk=mitigated.pk).update(state=CaseState.MITIGATED, responded_at=mitigated_at,
                                                mitigated_at=mitigated_at)
    Case.objects.filter(pk=invalid.pk).update(state=CaseState.INVALID)
    results = api_client_for(lessee.owner).get("/api/abuse/cases/").json()["results"]
    assert [row["id"] for row in results] == [mitigated.pk, case.pk, resolved.pk, invalid.pk]


@pytest.fixture
def holder_case(holder, make_listing):
    """A case on space of the holder's block that no lease covered."""
    make_listing(holder, "203.0.113.0/24")
    record_monitor_event(source="dnsbl", category=Category.MALWARE, ip="203.0.113.9",
                         occurred_at=utc(2026, 3, 1), description="")
    return Case.objects.get(category=Category.MALWARE)


def test_holder_acknowledges_case_on_unleased_space(holder_case, holder, api_client_for):
    response = api_client_for(holder.owner).post(f"/api/abuse/cases/{holder_case.pk}/acknowledge/")
    entry = TimelineEntry.objects.filter(case=holder_case).latest("pk")
    assert (response.status_code, response.json()["state"]) == (200, "acknowledged")
    assert (entry.text, entry.actor_label) == ("The holder acknowledged the case.",
                                               f"{holder.owner.get_username()} (holder)")


def test_lessee_cannot_answer_holder_case(holder_case, lessee, api_client_for):
    response = api_client_for(lessee.owner).post(f"/api/abuse/cases/{holder_case.pk}/acknowledge/")
    assert response.status_code == 404


def test_nobody_answers_platform_case(db, make_user, api_client_for):
    record_monitor_event(source="dnsbl", category=Category.SPAM, ip="192.0.2.77",
                         occurred_at=utc(2026, 3, 1), description="")
    case = Case.objects.get()
    response = api_client_for(make_user(is_staff=True)).post(f"/api/abuse/cases/{case.pk}/acknowledge/")
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["0", "-1", "61", "1000", "1.5", "twelve"])
def test_metrics_reject_months_out_of_range(staff, api_client_for, value):
    response = api_client_for(staff).get("/api/abuse/metrics/", {"months": value})
    assert (response.status_code, response.json()) == (
        400, {"months": f"The number of months '{value}' is not valid; give a whole number from 1 to 60."})


@pytest.mark.parametrize("value, since", [("1", "2026-12-01"), ("60", "2021-12-01")])
def test_metrics_accept_months_at_bounds(staff, api_client_for, value, since):
    from datetime import datetime, timezone as dt_timezone

    import time_machine

    with time_machine.travel(datetime(2026, 12, 5, tzinfo=dt_timezone.utc), tick=False):
        response = api_client_for(staff).get("/api/abuse/metrics/", {"months": value})
    assert (response.status_code, response.json()["since"][:10]) == (200, since)
