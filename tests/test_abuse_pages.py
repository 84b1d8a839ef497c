from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from abuse import actions
from abuse.choices import CaseState, Category, TimelineKind
from abuse.intake import record_monitor_event
from abuse.models import Case, Notification, Report
from tests.abuse_helpers import place_lease, utc


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
    return make_user(is_staff=True, is_superuser=True)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_case_list_lessee_sees_case(case, lessee):
    response = client_for(lessee.owner).get("/abuse/")
    assert response.status_code == 200
    assert f"/abuse/cases/{case.pk}/" in response.content.decode()


def test_case_list_other_organisation_sees_none(case, make_organization):
    response = client_for(make_organization().owner).get("/abuse/")
    assert f"/abuse/cases/{case.pk}/" not in response.content.decode()


def test_case_page_shows_paused_time_in_words(case, lessee):
    Case.objects.filter(pk=case.pk).update(paused_total=timedelta(hours=2, minutes=5, microseconds=80790))
    page = client_for(lessee.owner).get(f"/abuse/cases/{case.pk}/").content.decode()
    assert "Paused in total: 2 h 5 min" in page


def test_case_list_anonymous_redirected(case):
    response = Client().get("/abuse/")
    assert response.status_code == 302


def test_case_page_lessee_sees_deadlines_and_form(case, lessee):
    page = client_for(lessee.owner).get(f"/abuse/cases/{case.pk}/").content.decode()
    assert "Respond by" in page
    assert "198.51.100.5" in page
    assert f"/abuse/cases/{case.pk}/respond/" in page


def test_case_page_holder_sees_no_form(case, holder):
    response = client_for(holder.owner).get(f"/abuse/cases/{case.pk}/")
    assert response.status_code == 200
    assert f"/abuse/cases/{case.pk}/respond/" not in response.content.decode()


def test_case_page_other_organisation_404(case, make_organization):
    assert client_for(make_organization().owner).get(f"/abuse/cases/{case.pk}/").status_code == 404


def test_case_page_anonymous_redirected(case):
    assert Client().get(f"/abuse/cases/{case.pk}/").status_code == 302


def test_case_page_hides_internal_note(case, lessee, staff):
    actions.add_note(case, user=staff, text="Reseller of a known spammer.")
    page = client_for(lessee.owner).get(f"/abuse/cases/{case.pk}/").content.decode()
    assert "Reseller of a known spammer." not in page


def test_lessee_acknowledges_on_page(case, lessee):
    response = client_for(lessee.owner).post(f"/abuse/cases/{case.pk}/respond/", {"action": "acknowledge"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ACKNOWLEDGED


def test_holder_cannot_respond(case, holder):
    response = client_for(holder.owner).post(f"/abuse/cases/{case.pk}/respond/", {"action": "acknowledge"})
    assert response.status_code == 404


def test_other_organisation_cannot_respond(case, make_organization):
    response = client_for(make_organization().owner).post(f"/abuse/cases/{case.pk}/respond/",
                                                          {"action": "acknowledge"})
    assert response.status_code == 404


def test_public_form_anonymous_creates_report(case):
    response = Client().post("/abuse/report/", {
        "ip": "198.51.100.6", "time": "2026-03-02 10:00", "category": "phishing",
        "description": "Fake login page", "reporter_email": "victim@example.net",
    })
    assert response.status_code == 200
    assert "Report received" in response.content.decode()
    report = Report.objects.get(channel="form")
    assert report.reporter_email == "victim@example.net"
    assert report.event_count == 1


def test_public_form_throttled(db, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], abuse_report_form="1/hour")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    data = {"ip": "198.51.100.6", "time": "2026-03-02 10:00", "category": "spam", "description": "x"}
    assert Client().post("/abuse/report/", data).status_code == 200
    assert Client().post("/abuse/report/", data).status_code == 429


def test_metrics_page_staff_only(case, lessee, staff):
    assert Client().get("/abuse/metrics/").status_code == 302
    assert client_for(lessee.owner).get("/abuse/metrics/").status_code == 404
    page = client_for(staff).get("/abuse/metrics/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_raw_report_staff_only(case, lessee, staff):
    report = Report.objects.get()
    assert Client().get(f"/abuse/reports/{report.pk}/raw/").status_code == 302
    assert client_for(lessee.owner).get(f"/abuse/reports/{report.pk}/raw/").status_code == 404
    response = client_for(staff).get(f"/abuse/reports/{report.pk}/raw/")
    assert response.content == bytes(report.raw)


def test_admin_queue_nearest_deadline_first(case, staff, holder, lessee, make_listing):
    record_monitor_event(source="dnsbl", category=Category.PHISHING, ip="198.51.100.6",
                         occurred_at=utc(2026, 3, 1), description="")
    phishing = Case.objects.get(category=Category.PHISHING)
    page = client_for(staff).get("/admin/abuse/case/").content.decode()
    assert page.index(f"/admin/abuse/case/{phishing.pk}/change/") < page.index(f"/admin/abuse/case/{case.pk}/change/")


def test_admin_search_by_prefix_containment(case, staff):
    record_monitor_event(source="dnsbl", category=Category.BLOCKLIST, ip="203.0.113.9",
                         occurred_at=utc(2026, 3, 1), description="")
    other = Case.objects.get(category=Category.BLOCKLIST)
    page = client_for(staff).get("/admin/abuse/case/", {"q": "198.51.100.0/28"}).content.decode()
    assert f"/admin/abuse/case/{case.pk}/change/" in page
    assert f"/admin/abuse/case/{other.pk}/change/" not in page


def test_admin_search_by_single_ip(case, staff):
    page = client_for(staff).get("/admin/abuse/case/", {"q": "198.51.100.5"}).content.decode()
    assert f"/admin/abuse/case/{case.pk}/change/" in page


def test_admin_breached_filter(case, staff):
    Case.objects.filter(pk=case.pk).update(response_breached_at=utc(2026, 3, 2))
    page = client_for(staff).get("/admin/abuse/case/", {"deadline": "breached"}).content.decode()
    assert f"/admin/abuse/case/{case.pk}/change/" in page
    assert "breached" in page


def test_admin_bulk_close_invalid(case, staff):
    client_for(staff).post("/admin/abuse/case/", {"action": "close_invalid", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert case.state == CaseState.INVALID


EVIDENCE = {"case": Case, "report": Report, "notification": Notification}


@pytest.mark.parametrize("model_name", sorted(EVIDENCE))
def test_admin_refuses_to_delete_abuse_records(case, staff, model_name):
    record = EVIDENCE[model_name].objects.get()
    response = client_for(staff).post(f"/admin/abuse/{model_name}/{record.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert EVIDENCE[model_name].objects.filter(pk=record.pk).count() == 1


@pytest.mark.parametrize("model_name", sorted(EVIDENCE))
def test_admin_list_offers_no_bulk_delete(case, staff, model_name):
    page = client_for(staff).get(f"/admin/abuse/{model_name}/").content.decode()
    assert 'value="delete_selected"' not in page


def test_admin_bulk_acknowledge_recorded_as_abuse_team(case, staff):
    client_for(staff).post("/admin/abuse/case/", {"action": "mark_acknowledged", "_selected_action": [case.pk]})
    case.refresh_from_db()
    entry = case.timeline.filter(kind=TimelineKind.STATE).latest("pk")
    assert case.state == CaseState.ACKNOWLEDGED
    assert (entry.text, entry.actor_label) == ("The abuse team marked the case acknowledged.",
                                               staff.get_full_name() or staff.get_username())


def test_admin_bulk_suspend_lease(case, staff):
    client_for(staff).post("/admin/abuse/case/", {"action": "suspend_leases", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert case.lease.state == "suspended"
    assert case.suspension_decided_at is not None


def test_admin_case_page_shows_events_and_timeline(case, staff):
    page = client_for(staff).get(f"/admin/abuse/case/{case.pk}/change/").content.decode()
    assert "198.51.100.5" in page
    assert "Case opened for 198.51.100.0/25 with 1 event(s) from report" in page
    assert "not reported yet" in page


def test_admin_internal_note_saved_internal(case, staff):
    client_for(staff).post(f"/admin/abuse/case/{case.pk}/change/", {
        "assigned_to": "", "internal_note": "Check the reseller.", "message_to_lessee": "",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
        "timeline-TOTAL_FORMS": "0", "timeline-INITIAL_FORMS": "0",
    })
    assert case.timeline.get(text="Check the reseller.").internal is True


def test_admin_reparse_action(case, staff):
    report = Report.objects.get()
    client_for(staff).post("/admin/abuse/report/", {"action": "parse_again", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.parse_attempts == 2


def test_admin_refuses_non_staff(case, lessee):
    response = client_for(lessee.owner).get("/admin/abuse/case/")
    assert response.status_code == 302


def test_admin_bulk_terminate_lease(case, staff):
    client_for(staff).post("/admin/abuse/case/", {"action": "terminate_leases", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert case.lease.state == "ended"


def test_admin_bulk_pause_and_resume(case, staff):
    client_for(staff).post("/admin/abuse/case/", {"action": "pause_cases", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert case.state == CaseState.PAUSED
    client_for(staff).post("/admin/abuse/case/", {"action": "resume_cases", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert case.state == CaseState.OPEN


def test_admin_report_filter_names_parsers(case, staff):
    page = client_for(staff).get("/admin/abuse/report/").content.decode()
    assert '<a href="?parser__exact=monitor">Platform monitor</a>' in page
    assert '<a href="?parser__exact=xarf4">XARF v4</a>' in page


@pytest.fixture
def queue(case, lessee):
    """Four cases of the lessee whose next deadlines differ from their resolution deadlines.

    Returned in the order of their next deadline: an open case due to respond
    first, another open case, an acknowledged case due to mitigate, and a
    resolved case.
    """
    for category in (Category.PHISHING, Category.MALWARE, Category.SCANNING):
        record_monitor_event(source="dnsbl", category=category, ip="198.51.100.5",
                             occurred_at=utc(2026, 3, 1), description="")
    start = utc(2026, 3, 2)
    hours = [utc(2026, 3, 2, hour) for hour in range(24)]
    first = Case.objects.get(category=Category.SPAM)
    second = Case.objects.get(category=Category.PHISHING)
    acknowledged = Case.objects.get(category=Category.MALWARE)
    resolved = Case.objects.get(category=Category.SCANNING)
    Case.objects.filter(pk=first.pk).update(response_due_at=hours[1], resolution_due_at=hours[10])
    Case.objects.filter(pk=second.pk).update(response_due_at=hours[3], resolution_due_at=hours[20])
    Case.objects.filter(pk=acknowledged.pk).update(state=CaseState.ACKNOWLEDGED, responded_at=start,
                                                   response_due_at=hours[0], resolution_due_at=hours[5])
    Case.objects.filter(pk=resolved.pk).update(state=CaseState.RESOLVED, closed_at=start,
                                               response_due_at=hours[0], resolution_due_at=hours[0])
    return [first, second, acknowledged, resolved]


def links_in_order(page, template, cases):
    return sorted((case.pk for case in cases), key=lambda pk: page.index(template.format(pk)))


def test_admin_queue_orders_by_next_deadline_closed_last(queue, staff):
    page = client_for(staff).get("/admin/abuse/case/").content.decode()
    assert links_in_order(page, "/admin/abuse/case/{}/change/", queue) == [case.pk for case in queue]


def test_case_list_orders_by_next_deadline_closed_last(queue, lessee):
    page = client_for(lessee.owner).get("/abuse/", {"show": "all"}).content.decode()
    assert links_in_order(page, '/abuse/cases/{}/"', queue) == [case.pk for case in queue]


def test_metrics_page_rejects_months_out_of_range(staff):
    response = client_for(staff).get("/abuse/metrics/", {"months": "abc"})
    assert response.status_code == 400
    assert ('<li class="error">The number of months &#x27;abc&#x27; is not valid; give a whole number from 1 to 60. '
            "Showing the last 12 months.</li>") in response.content.decode()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("time", "2031-01-01 10:00", "2031-01-01 10:00 UTC is in the future; give the time the abuse was seen, in UTC."),
    ("ip", "10.1.2.3", "The address &#x27;10.1.2.3&#x27; is in 10.0.0.0/8, private space that no abuse on the "
                       "Internet comes from; give the public address the abuse came from."),
])
def test_public_form_rejects_value_inline_without_storing(db, field, value, message):
    data = {"ip": "198.51.100.6", "time": "2026-03-02 10:00", "category": "phishing", "description": "Fake login"}
    response = Client().post("/abuse/report/", {**data, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Report.objects.count() == 0


def test_public_form_receipt_says_who_is_told(db):
    response = Client().post("/abuse/report/", {
        "ip": "192.0.2.77", "time": "2026-03-02 10:00", "category": "spam", "description": "Spam run",
    })
    assert ("It is filed with the abuse team. Where a lessee or holder on the platform answers for the address, "
            "it is told as well.") in response.content.decode()


def test_admin_case_assignment_offers_staff_only(case, staff, lessee, make_user):
    colleague = make_user("colleague", is_staff=True)
    page = client_for(staff).get(f"/admin/abuse/case/{case.pk}/change/").content.decode()
    assert f'<option value="{colleague.pk}">colleague</option>' in page
    assert f'<option value="{lessee.owner.pk}">' not in page
    assert "add_id_assigned_to" not in page


def test_resume_names_paused_time_in_minutes(case, staff):
    import time_machine

    with time_machine.travel(utc(2026, 3, 2, 8), tick=False):
        actions.pause(case, user=staff, reason="waiting for the reporter")
    with time_machine.travel(utc(2026, 3, 3, 10, 5, 30), tick=False):
        actions.resume(case, user=staff)
    texts = list(case.timeline.order_by("pk").values_list("text", flat=True))
    assert "Paused, waiting for the reporter." in texts
    assert texts[-1].startswith("Resumed after 1 day 2 h 5 min; respond by ")


def test_action_error_joins_allowed_states_with_or(case, lessee):
    actions.mark_mitigated(case, user=lessee.owner)
    with pytest.raises(actions.CaseActionError) as raised:
        actions.mark_mitigated(case, user=lessee.owner)
    assert str(raised.value) == (
        f"Case {case.pk} is mitigated; it can be marked mitigated only when open or acknowledged.")


def test_every_page_links_public_report_form(db):
    page = Client().get("/").content.decode()
    assert '<a href="/abuse/report/">Report it</a>; no account is needed.' in page

