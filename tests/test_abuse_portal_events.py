"""The events on the lessee's and holder's case page: what is shown, what is withheld, and to whom."""

import json
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from abuse import actions
from abuse.access import case_events, disclosed_event
from abuse.choices import Category, Channel
from abuse.intake import receive, record_monitor_event, record_monitor_events
from abuse.models import Case
from tests.abuse_helpers import place_lease, utc

SAMPLES = Path(__file__).parent / "abuse_samples"
EVENT_ADDRESS_CELL = re.compile(r"<td>(198\.51\.100\.\d+)</td>")


@pytest.fixture(autouse=True)
def clear_throttle():
    cache.clear()


@pytest.fixture
def lease(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    return place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def submit(document, *, source="soc-user", channel=Channel.API, reporter_email=""):
    """File a simple-form JSON report and return the case its first event joined."""
    report = receive(channel=channel, source=source, raw=json.dumps(document).encode(),
                     content_type="application/json", reporter_email=reporter_email)
    return report.events.get().case


def submit_mail(name, source):
    report = receive(channel=Channel.EMAIL, source=source, raw=(SAMPLES / name).read_bytes(),
                     content_type="message/rfc822")
    return report.events.get().case


def case_page(user, case, **query):
    response = client_for(user).get(f"/abuse/cases/{case.pk}/", query)
    assert response.status_code == 200
    return response.content.decode()


SPAM_RUN = {"ip": "198.51.100.7", "time": "2026-03-01T12:00:00", "category": "spam", "port": 25,
            "type": "spamtrap", "description": "Spam run to our traps",
            "evidence": {"headers": "Received: from mx7", "sample": {"subject": "Win big"}}}


def test_case_page_shows_event_columns(lease, lessee):
    case = submit(SPAM_RUN)

    page = case_page(lessee.owner, case)

    assert ('<td>2026-03-01 12:00:00 <span class="badge warn" title="The report gave no time zone; UTC was assumed.">'
            "zone assumed</span></td>") in page
    assert "<td>198.51.100.7</td>" in page
    assert "<td>25</td>" in page
    assert "<td>Spam</td>" in page
    assert "<td>spamtrap</td>" in page


def test_case_page_shows_description(lease, lessee):
    case = submit(SPAM_RUN)

    page = case_page(lessee.owner, case)

    assert "<p>Description: Spam run to our traps</p>" in page


def test_case_page_shows_evidence_as_lines(lease, lessee):
    case = submit(SPAM_RUN)

    page = case_page(lessee.owner, case)

    assert ('<pre style="white-space: pre-wrap; margin: 0">headers: Received: from mx7\n'
            "sample.subject: Win big</pre>") in page


def test_case_page_numbers_evidence_list_items(lease, lessee):
    case = submit({**SPAM_RUN, "evidence": {"hits": [{"url": "/login"}, {"url": "/admin"}], "ports": [22, 23]}})

    page = case_page(lessee.owner, case)

    assert "hits[1].url: /login\nhits[2].url: /admin\nports: 22, 23</pre>" in page


def test_case_page_shortens_long_evidence(lease, lessee):
    case = submit({**SPAM_RUN, "evidence": {"log": "x" * 3000}})

    page = case_page(lessee.owner, case)

    assert f'<pre style="white-space: pre-wrap; margin: 0">log: {"x" * 1995}</pre>' in page
    assert "Evidence shortened to its first 2000 characters." in page


def test_case_page_counts_events(lease, lessee):
    case = submit(SPAM_RUN)
    submit({**SPAM_RUN, "ip": "198.51.100.8"})

    page = case_page(lessee.owner, case)

    assert "2 events, oldest first." in page


def test_case_page_never_shows_reporter_field(lease, lessee):
    case = submit({**SPAM_RUN, "reporter": "Jane Doe", "description": "Seen by jane doe twice"})

    page = case_page(lessee.owner, case)

    assert "Jane Doe" not in page
    assert "<p>Description: Seen by [reporter] twice</p>" in page


def test_case_page_withholds_form_reporter_email(lease, lessee):
    Client().post("/abuse/report/", {
        "ip": "198.51.100.6", "time": "2026-03-02 10:00", "category": "phishing",
        "description": "Write to victim@example.net for the log", "reporter_email": "victim@example.net",
    })
    case = Case.objects.get(category=Category.PHISHING)

    page = case_page(lessee.owner, case)

    assert "victim@example.net" not in page
    assert "<p>Description: Write to [reporter] for the log</p>" in page


def test_case_page_withholds_arf_complainant(lease, lessee):
    case = submit_mail("arf_with_source_ip.eml", "feedback@mailbox.example")

    page = case_page(lessee.owner, case)

    assert "feedback@mailbox.example" not in page
    assert "user@mailbox.example" not in page
    assert "Original-Rcpt-To: [withheld]\n" in page
    assert "original_headers.To: [withheld]\n" in page


def test_case_page_keeps_spammer_address(lease, lessee):
    case = submit_mail("arf_with_source_ip.eml", "feedback@mailbox.example")

    page = case_page(lessee.owner, case)

    assert "Original-Mail-From: &lt;promo@spammer.example&gt;\n" in page


def test_case_page_withholds_xarf_reported_from(lease, lessee):
    case = submit_mail("xarf02.eml", "reports@ids.example")

    page = case_page(lessee.owner, case)

    assert "reports@ids.example" not in page
    assert "reported-from: [withheld]\n" in page


def test_events_page_hides_internal_note(lease, lessee, make_user):
    case = submit(SPAM_RUN)
    actions.add_note(case, user=make_user(is_staff=True), text="The trap owner is our partner.")

    page = case_page(lessee.owner, case)

    assert "The trap owner is our partner." not in page


@pytest.fixture
def busy_case(lease):
    """A case with 120 events, one a minute from 2026-03-01 00:00, on 198.51.100.0 to .119."""
    record_monitor_events([
        {"source": "dnsbl", "category": Category.SPAM, "ip": f"198.51.100.{minute}",
         "occurred_at": utc(2026, 3, 1, minute // 60, minute % 60), "description": ""}
        for minute in range(120)
    ])
    return Case.objects.get()


def test_busy_case_page_shows_first_fifty(busy_case, lessee):
    page = case_page(lessee.owner, busy_case)

    addresses = EVENT_ADDRESS_CELL.findall(page)
    assert len(addresses) == 50
    assert addresses[0] == "198.51.100.0"
    assert addresses[-1] == "198.51.100.49"


def test_busy_case_page_counts_all_events(busy_case, lessee):
    page = case_page(lessee.owner, busy_case)

    assert "120 events,\n  1 to 50 on this page, oldest first." in page


def test_busy_case_last_page_shows_rest(busy_case, lessee):
    page = case_page(lessee.owner, busy_case, page=3)

    addresses = EVENT_ADDRESS_CELL.findall(page)
    assert addresses == [f"198.51.100.{host}" for host in range(100, 120)]
    assert "<span>Page 3 of 3</span>" in page


def test_busy_case_page_links_next_page(busy_case, lessee):
    page = case_page(lessee.owner, busy_case)

    assert '<a href="?page=2">Next</a>' in page


@pytest.fixture
def holder_case(holder, make_listing):
    """A case on the holder's 203.0.113.0/24, which no lease covered."""
    make_listing(holder, "203.0.113.0/24")
    record_monitor_event(source="dnsbl", category=Category.MALWARE, ip="203.0.113.9",
                         occurred_at=utc(2026, 3, 1), description="C2 beacon")
    return Case.objects.get(category=Category.MALWARE)


def test_holder_sees_events_of_unleased_space(holder_case, holder):
    page = case_page(holder.owner, holder_case)

    assert "<td>203.0.113.9</td>" in page
    assert "<p>Description: C2 beacon</p>" in page


def test_holder_sees_events_of_lessee_case(lease, holder):
    case = submit(SPAM_RUN)

    page = case_page(holder.owner, case)

    assert "<td>198.51.100.7</td>" in page


def test_case_page_events_other_organisation_404(busy_case, make_organization):
    stranger = make_organization()

    response = client_for(stranger.owner).get(f"/abuse/cases/{busy_case.pk}/", {"page": 2})

    assert response.status_code == 404


def test_holder_case_page_lessee_404(holder_case, lessee):
    response = client_for(lessee.owner).get(f"/abuse/cases/{holder_case.pk}/")

    assert response.status_code == 404


def test_holder_case_page_other_holder_404(holder_case, make_organization, make_listing):
    other_holder = make_organization()
    make_listing(other_holder, "192.0.2.0/24")

    response = client_for(other_holder.owner).get(f"/abuse/cases/{holder_case.pk}/")

    assert response.status_code == 404


def disclosed(document, **submission):
    case = submit(document, **submission)
    return disclosed_event(case_events(case).get())


def test_disclosed_event_has_no_reporter_key(lease):
    event = disclosed({**SPAM_RUN, "reporter": "Jane Doe"})

    assert sorted(event) == ["category", "category_label", "confidence", "confidence_label", "description",
                             "evidence", "id", "ip", "occurred_at", "port", "type", "zone_assumed"]


def test_disclosed_marks_reporter_domain_addresses(lease):
    event = disclosed({**SPAM_RUN, "reporter": "soc@cert.example",
                       "description": "Ask jane@mail.cert.example or spam@lessee.example"})

    assert event["description"] == "Ask [reporter] or spam@lessee.example"


def test_disclosed_marks_reporter_name_and_address(lease):
    event = disclosed({**SPAM_RUN, "reporter": "Jane Roe <jane@cert.example>",
                       "description": "jane roe (jane@cert.example) saw it"})

    assert event["description"] == "[reporter] ([reporter]) saw it"


def test_disclosed_event_marks_whole_words_only(lease):
    event = disclosed({**SPAM_RUN, "reporter": "Trap", "description": "Trap hit; Trapdoor is a host"})

    assert event["description"] == "[reporter] hit; Trapdoor is a host"


def test_disclosed_event_ignores_two_letter_reporter(lease):
    event = disclosed({**SPAM_RUN, "reporter": "JD", "description": "JD saw it"})

    assert event["description"] == "JD saw it"


def test_disclosed_event_marks_sender_address(lease):
    event = disclosed({**SPAM_RUN, "description": "From ops@noc.example"}, channel=Channel.EMAIL,
                      source="ops@noc.example")

    assert event["description"] == "From [reporter]"


def test_disclosed_event_marks_type_naming_reporter(lease):
    event = disclosed({**SPAM_RUN, "reporter": "honeynet", "type": "honeynet"})

    assert event["type"] == "[reporter]"


def disclosed_monitor_event():
    record_monitor_event(source="dnsbl", category=Category.BLOCKLIST, ip="198.51.100.7",
                         occurred_at=utc(2026, 3, 1), description="Listed by platform monitor rules",
                         evidence={"reporter": "zen", "zone": "zen.example"})
    return disclosed_event(case_events(Case.objects.get()).get())


def test_disclosed_monitor_event_keeps_description(lease):
    event = disclosed_monitor_event()

    assert event["description"] == "Listed by platform monitor rules"


def test_disclosed_monitor_event_withholds_reporter_field(lease):
    event = disclosed_monitor_event()

    assert event["evidence"] == {"reporter": "[withheld]", "zone": "zen.example"}


def test_case_events_query_skips_report_body(lease):
    case = submit(SPAM_RUN)

    event = case_events(case).get()

    assert "raw" in event.report.get_deferred_fields()


def mailed_complaint(from_header):
    return (f"From: {from_header}\r\nTo: abuse@holder.example\r\nSubject: Spam from your network\r\n"
            "Date: Sun, 01 Mar 2026 12:00:00 +0000\r\n\r\n"
            "Spam came from 198.51.100.7 on 2026-03-01 12:00 UTC.\r\n"
            "Angry Admin, admin@victim.example\r\n").encode()


def test_case_page_withholds_mail_sender_name(lease, lessee):
    report = receive(channel=Channel.EMAIL, source="admin@victim.example",
                     raw=mailed_complaint("Angry Admin <admin@victim.example>"), content_type="message/rfc822")

    page = case_page(lessee.owner, report.events.get().case)

    assert "Angry Admin" not in page
    assert "[reporter], [reporter]" in page


@pytest.mark.parametrize("header, reporter", [
    ("Angry Admin <admin@victim.example>", "Angry Admin <admin@victim.example>"),
    ('"Admin,  Angry" <admin@victim.example>', "Admin, Angry <admin@victim.example>"),
    ("=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@cert.example>", "Jürgen Müller <jm@cert.example>"),
    ("admin@victim.example", "admin@victim.example"),
    ("=?bogus-charset?q?Angry?= <admin@victim.example>", "=?bogus-charset?q?Angry?= <admin@victim.example>"),
])
def test_mail_event_reporter_keeps_sender_name(lease, header, reporter):
    report = receive(channel=Channel.EMAIL, source="admin@victim.example", raw=mailed_complaint(header),
                     content_type="message/rfc822")

    assert report.events.get().reporter == reporter
