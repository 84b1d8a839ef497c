import json
import re
import threading

import pytest
import time_machine
from django.db import connection

from abuse.choices import Category, Channel, ReportStatus, Severity, TimelineKind
from abuse.intake import ReportTooLarge, process_reports, receive, receive_many, refile_stalled, reparse, store_many
from abuse.models import Case, Event, Notification, Report, TimelineEntry
from abuse.grouping import _insert_skipping_stored
from abuse.parsing import MONITOR_CONTENT_TYPE
from tests.abuse_helpers import place_lease, utc


@pytest.fixture
def listing(holder, make_listing):
    return make_listing(holder, "198.51.100.0/24")


@pytest.fixture
def leased(listing, lessee, make_organization):
    """198.51.100.0/25 held by an earlier lessee in 2025, by `lessee` from 2026."""
    place_lease(listing, make_organization("Earlier Lessee"), "198.51.100.0/25", utc(2025, 1, 1), utc(2026, 1, 1),
                "ended")
    return place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))


def signal(ip, when, category=Category.SPAM, source="dnsbl"):
    """Return the keyword arguments of one monitor report, as receive_many takes them."""
    raw = json.dumps({"source": source, "category": category, "ip": ip, "time": when.isoformat(),
                      "description": "", "evidence": {}, "port": None}, sort_keys=True)
    return {"channel": Channel.MONITOR, "source": source, "raw": raw, "content_type": MONITOR_CONTENT_TYPE}


def test_batch_stores_failed_report_and_files_others(leased):
    broken = {"channel": Channel.MONITOR, "source": "dnsbl", "raw": "{not json",
              "content_type": MONITOR_CONTENT_TYPE}
    first, failed = receive_many([signal("198.51.100.1", utc(2026, 3, 1)), broken])
    failed.refresh_from_db()
    assert first.status == ReportStatus.PARSED
    assert failed.status == ReportStatus.FAILED
    assert bytes(failed.raw) == b"{not json"
    assert failed.parse_error != ""
    assert Event.objects.count() == 1


def test_batch_returns_oversized_report_unstored(leased, settings):
    settings.ABUSE_MAX_REPORT_BYTES = 400
    large = signal("198.51.100.1", utc(2026, 3, 1))
    large["raw"] += " " * 400
    stored, rejected = receive_many([signal("198.51.100.2", utc(2026, 3, 1)), large])
    assert isinstance(rejected, ReportTooLarge)
    assert list(Report.objects.values_list("pk", flat=True)) == [stored.pk]


def test_batch_attributes_by_event_time(leased, lessee):
    receive_many([signal("198.51.100.1", utc(2025, 6, 1)), signal("198.51.100.1", utc(2026, 6, 1)),
                  signal("198.51.100.200", utc(2026, 6, 1))])
    lessees = [event.lessee.name if event.lessee else None for event in Event.objects.order_by("occurred_at", "ip")]
    assert lessees == ["Earlier Lessee", lessee.name, None]


def test_batch_repeat_within_batch_counted_once(leased):
    first, second = receive_many([signal("198.51.100.1", utc(2026, 3, 1))] * 2)
    event = Event.objects.get()
    assert event.report_id == first.pk
    assert event.repeat_count == 1
    assert first.duplicate_count == 0
    assert second.duplicate_count == 1
    assert second.event_count == 0


def test_batch_repeat_of_stored_event_raises_count(leased):
    receive(**signal("198.51.100.1", utc(2026, 3, 1)))
    receive_many([signal("198.51.100.1", utc(2026, 3, 1))] * 2)
    assert Event.objects.get().repeat_count == 2


def test_batch_opens_one_case_per_lease_and_category(leased):
    reports = receive_many([signal("198.51.100.1", utc(2026, 3, 1, 12, minute)) for minute in range(3)]
                           + [signal("198.51.100.1", utc(2026, 3, 1, 13), Category.SCANNING)])
    spam = Case.objects.get(category=Category.SPAM)
    texts = list(spam.timeline.filter(kind__in=[TimelineKind.OPENED, TimelineKind.EVENTS])
                 .values_list("text", flat=True))
    assert spam.event_count == 3
    assert Case.objects.count() == 2
    assert texts == [f"Case opened for 198.51.100.0/25 with 1 event(s) from report {reports[0].pk}.",
                     f"1 event(s) added from report {reports[1].pk}.",
                     f"1 event(s) added from report {reports[2].pk}."]
    assert Notification.objects.filter(case=spam).count() == 1


def test_batch_joins_case_opened_earlier(leased):
    first = receive(**signal("198.51.100.1", utc(2026, 3, 1)))
    receive_many([signal("198.51.100.2", utc(2026, 3, 2))])
    case = Case.objects.get()
    assert case.event_count == 2
    assert case.first_event_at == utc(2026, 3, 1)
    assert case.last_event_at == utc(2026, 3, 2)
    assert case.timeline.filter(kind=TimelineKind.OPENED).get().data == {"report": first.pk, "events": 1}


def test_batch_raises_severity_at_step_count(leased):
    receive_many([signal("198.51.100.1", utc(2026, 3, 1, 12, 0, second)) for second in range(10)])
    case = Case.objects.get()
    raised = case.timeline.filter(kind=TimelineKind.STATE).values_list("text", flat=True)
    assert case.severity == Severity.HIGH
    assert list(raised) == ["Severity raised from Medium to High at 10 events."]


def _outcome():
    """Return what filing produced, with database ids left out."""
    def plain(text):
        return re.sub(r"(report|case) \d+", r"\1 N", text)

    cases = [
        (case.grouping_key, case.category, case.severity, case.event_count, case.first_event_at,
         case.last_event_at, case.queue, case.escalation,
         [(entry.kind, plain(entry.text), entry.internal) for entry in case.timeline.order_by("pk")])
        for case in Case.objects.order_by("grouping_key")
    ]
    events = sorted((str(event.ip), event.occurred_at, event.repeat_count, event.lease_id, event.case.grouping_key)
                    for event in Event.objects.select_related("case"))
    reports = list(Report.objects.order_by("pk").values_list("status", "event_count", "duplicate_count"))
    return cases, events, reports


def test_batch_files_as_one_by_one_would(leased, listing, make_organization):
    place_lease(listing, make_organization(), "198.51.100.128/26", utc(2026, 1, 1))
    submissions = (
        [signal("198.51.100.1", utc(2026, 3, 1, 12, 0, second)) for second in range(11)]
        + [signal("198.51.100.1", utc(2026, 3, 1, 12, 0, 3))]
        + [signal("198.51.100.130", utc(2026, 3, 2), Category.HIJACK, source="routing")]
        + [signal("198.51.100.200", utc(2026, 3, 2))]
        + [signal("203.0.113.9", utc(2026, 3, 2))]
        + [signal("198.51.100.1", utc(2025, 3, 2), Category.SCANNING)]
    )
    for submission in submissions:
        receive(**submission)
    one_by_one = _outcome()
    Report.objects.all().delete()
    Case.objects.all().delete()
    receive_many(submissions)
    assert _outcome() == one_by_one


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_open_one_case(leased):
    barrier = threading.Barrier(2)

    def file(offset):
        try:
            barrier.wait()
            receive_many([signal("198.51.100.1", utc(2026, 3, 1, 12, offset, second)) for second in range(5)])
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(offset,)) for offset in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case = Case.objects.get()
    assert case.event_count == 10
    assert TimelineEntry.objects.filter(case=case, kind=TimelineKind.OPENED).count() == 1


def test_stalled_report_filed_by_sweep(leased):
    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        [report] = store_many([signal("198.51.100.1", utc(2026, 3, 1))])
    assert refile_stalled(now=utc(2026, 3, 1, 12, 11)) == 1
    report.refresh_from_db()
    assert (report.status, report.event_count, report.parse_attempts) == (ReportStatus.PARSED, 1, 1)
    assert Case.objects.get().event_count == 1


def test_recent_unfiled_report_left_to_its_intake(leased):
    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        [report] = store_many([signal("198.51.100.1", utc(2026, 3, 1))])
    assert refile_stalled(now=utc(2026, 3, 1, 12, 9)) == 0
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED


def test_sweep_leaves_failed_and_parsed_reports(leased):
    broken = {"channel": Channel.MONITOR, "source": "dnsbl", "raw": "{not json",
              "content_type": MONITOR_CONTENT_TYPE}
    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        receive_many([signal("198.51.100.1", utc(2026, 3, 1)), broken])
    assert refile_stalled(now=utc(2026, 3, 2)) == 0


def test_report_filed_by_another_worker_not_filed_again(leased):
    [stale] = store_many([signal("198.51.100.1", utc(2026, 3, 1))])
    process_reports([Report.objects.get(pk=stale.pk)])
    process_reports([stale])
    stale.refresh_from_db()
    assert (stale.event_count, stale.duplicate_count, stale.parse_attempts) == (1, 0, 1)
    assert list(Case.objects.values_list("event_count", flat=True)) == [1]
    assert TimelineEntry.objects.filter(kind=TimelineKind.EVENTS).count() == 0


def test_reparse_keeps_event_count_of_earlier_parse(leased):
    [report] = receive_many([signal("198.51.100.1", utc(2026, 3, 1))])
    reparse(Report.objects.get(pk=report.pk))
    report.refresh_from_db()
    assert (report.event_count, report.duplicate_count, report.parse_attempts) == (1, 1, 2)


def test_batch_warning_queued_for_each_new_case(leased, lessee):
    lessee.abuse_email = "abuse@lessee.example"
    lessee.save()
    receive_many([signal("198.51.100.1", utc(2026, 3, 1)), signal("198.51.100.2", utc(2026, 3, 1), Category.SCANNING),
                  signal("198.51.100.3", utc(2026, 3, 2))])
    rows = list(Notification.objects.order_by("case__category").values_list("case__category", "kind", "recipients"))
    assert rows == [("scanning", "warning", ["abuse@lessee.example"]), ("spam", "warning", ["abuse@lessee.example"])]


def test_case_without_contact_records_missing_address(leased, lessee):
    lessee.memberships.update(role="billing")
    receive_many([signal("198.51.100.1", utc(2026, 3, 1))])
    case = Case.objects.get()
    assert list(case.timeline.filter(kind=TimelineKind.NOTIFICATION).values_list("text", "internal")) == [
        ("No address to send the warning notification to.", True)]
    assert (case.escalation, Notification.objects.count()) == (0, 0)


def test_insert_skipping_stored_leaves_out_conflicts(leased):
    [first] = receive_many([signal("198.51.100.1", utc(2026, 3, 1))])
    stored = Event.objects.get()
    [second] = store_many([signal("198.51.100.2", utc(2026, 3, 2))])

    def row(ip, occurred_at):
        # The columns of _EVENT_COLUMNS, in order.
        return (second.pk, stored.case_id, stored.source, ip, None, occurred_at, False, stored.category, stored.type,
                "", "high", "", "{}", None, None, None, 0, utc(2026, 3, 3))

    rows = [row("198.51.100.1", utc(2026, 3, 1)), row("198.51.100.2", utc(2026, 3, 2))]
    assert _insert_skipping_stored(rows) == [(second.pk, stored.case_id)]
    assert sorted(Event.objects.values_list("report_id", "occurred_at")) == [
        (first.pk, utc(2026, 3, 1)), (second.pk, utc(2026, 3, 2))]



def test_timeline_entries_name_report_and_event_count(leased, lessee):
    first, second = receive_many([signal("198.51.100.7", utc(2026, 3, 1)), signal("198.51.100.8", utc(2026, 3, 1))])
    entries = TimelineEntry.objects.filter(kind__in=[TimelineKind.OPENED, TimelineKind.EVENTS]).order_by("pk")
    assert [(entry.kind, entry.data) for entry in entries] == [
        (TimelineKind.OPENED, {"report": first.pk, "events": 1}),
        (TimelineKind.EVENTS, {"report": second.pk, "events": 1}),
    ]


UNKNOWN_CHARSET_MAIL = (b"From: reporter@example.net\r\nDate: Sun, 01 Mar 2026 12:30:00 +0000\r\n"
                        b"Subject: Spam\r\nContent-Type: text/plain; charset=x-unknown-cs\r\n"
                        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                        b"Spam from 198.51.100.9 at 2026-03-01 10:00 UTC.\r\n")


def mail(raw):
    return {"channel": Channel.EMAIL, "source": "mail", "raw": raw, "content_type": "message/rfc822"}


def test_batch_files_mail_with_unknown_charset(leased):
    odd, plain = receive_many([mail(UNKNOWN_CHARSET_MAIL), signal("198.51.100.1", utc(2026, 3, 1))])
    odd.refresh_from_db()
    assert (odd.status, odd.event_count) == (ReportStatus.PARSED, 1)
    assert odd.parse_notes == "Unknown charset 'x-unknown-cs'; the text was read as UTF-8."
    assert plain.status == ReportStatus.PARSED


def test_sweep_files_mail_with_unknown_charset(leased):
    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        odd, plain = store_many([mail(UNKNOWN_CHARSET_MAIL), signal("198.51.100.1", utc(2026, 3, 1))])
    assert refile_stalled(now=utc(2026, 3, 1, 12, 11)) == 2
    assert Event.objects.count() == 2


def test_batch_stores_text_with_lone_surrogates(leased):
    body = (b'{"ip": "198.51.100.7", "time": "2026-03-01T12:00:00Z", "category": "spam", '
            b'"description": "bad \\ud800 text", "evidence": {"line": "x\\udcff"}}')
    [report] = receive_many([{"channel": Channel.API, "source": "api", "raw": body,
                              "content_type": "application/json"}])
    event = Event.objects.get()
    assert report.status == ReportStatus.PARSED
    assert (event.description, event.evidence) == ("bad \ufffd text", {"line": "x\ufffd"})


def test_batch_stores_mail_with_eight_bit_subject(leased):
    raw = UNKNOWN_CHARSET_MAIL.replace(b"Subject: Spam", b"Subject: Spam via caf\xc3\xa9 \xff relay")
    receive_many([mail(raw)])
    assert Event.objects.get().description == "Spam via caf\u00e9 \ufffd relay"


@pytest.mark.parametrize(("body", "description", "evidence"), [
    (b'"description": "bad \\u0000 text", "evidence": {"line": "x\\u0000"}', "bad \ufffd text", {"line": "x\ufffd"}),
    (b'"description": "big", "evidence": {"count": 1e999}', "big", {"count": None}),
])
def test_batch_stores_json_postgresql_rejects(leased, body, description, evidence):
    raw = b'{"ip": "198.51.100.7", "time": "2026-03-01T12:00:00Z", "category": "spam", ' + body + b"}"
    [report] = receive_many([{"channel": Channel.API, "source": "api", "raw": raw, "content_type": "application/json"}])
    event = Event.objects.get()
    assert report.status == ReportStatus.PARSED
    assert (event.description, event.evidence) == (description, evidence)


def test_batch_stores_mail_with_nul_bytes(leased):
    raw = UNKNOWN_CHARSET_MAIL.replace(b"Subject: Spam", b"Subject: Spam\x00here").replace(b"UTC.", b"UTC.\x00")
    receive_many([mail(raw)])
    assert Event.objects.get().description == "Spam\ufffdhere"


def test_parse_error_with_nul_stored(leased):
    raw = b'{"ip": "198.51.100.7", "time": "soon\\u0000", "category": "spam"}'
    [report] = receive_many([{"channel": Channel.API, "source": "api", "raw": raw, "content_type": "application/json"}])
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.parse_error == ("The time 'soon\\x00' is not in a known format; use ISO 8601 with a zone, "
                                  "for example 2026-03-01T12:00:00Z.")


def test_batch_shortens_overlong_type_and_reporter(leased):
    xarf = json.dumps({"xarf_version": "4.0.0", "report_id": "r1", "category": "abuse", "type": "t" * 100,
                       "source_identifier": "198.51.100.7", "timestamp": "2026-03-01T12:00:00Z",
                       "reporter": {"org": "o" * 300}}).encode()
    [report] = receive_many([{"channel": Channel.API, "source": "api", "raw": xarf,
                              "content_type": "application/json"}])
    event = Event.objects.get()
    assert report.status == ReportStatus.PARSED
    assert (event.type, event.reporter) == ("t" * 64, "o" * 200)
