import gc
import hashlib
import ipaddress
import json

import threading

import pytest
from django.db import connection
from django.db.models import ProtectedError

from abuse.choices import Category, Channel, Queue, ReportStatus, Severity
from abuse.intake import ReportTooLarge, receive, record_monitor_event, reparse, store_report
from abuse.models import Case, Event, Report
from leases.choices import LeaseState
from tests.abuse_helpers import place_lease, utc


@pytest.fixture
def listing(holder, make_listing):
    return make_listing(holder, "198.51.100.0/24")


def test_monitor_event_stores_raw_report_with_sha256(listing, lessee):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    report = record_monitor_event(
        source="dnsbl", category=Category.BLOCKLIST, ip="198.51.100.7",
        occurred_at=utc(2026, 3, 1, 12), description="Listed on zen", evidence={"code": "127.0.0.2"},
    )
    raw = bytes(report.raw)
    assert report.channel == Channel.MONITOR
    assert report.sha256 == hashlib.sha256(raw).hexdigest()
    assert json.loads(raw)["ip"] == "198.51.100.7"
    assert report.status == ReportStatus.PARSED


def test_monitor_event_attributed_to_lease_at_time(listing, lessee, make_organization):
    earlier = make_organization("Earlier Lessee")
    old = place_lease(listing, earlier, "198.51.100.0/25", utc(2025, 1, 1), utc(2026, 1, 1), LeaseState.ENDED)
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    record_monitor_event(
        source="ptr-churn", category=Category.PTR_CHURN, ip="198.51.100.9",
        occurred_at=utc(2025, 6, 1), description="PTR changed 40 times",
    )
    event = Event.objects.get()
    assert event.lease == old
    assert event.lessee == earlier
    assert event.case.lessee == earlier
    assert event.case.holder == listing.block.holder


def test_attribution_follows_prefix_split(listing, lessee, make_organization):
    other = make_organization()
    # The /25 ended and a /26 inside it was leased afterwards.
    place_lease(listing, other, "198.51.100.0/25", utc(2025, 1, 1), utc(2025, 6, 1), LeaseState.ENDED)
    inner = place_lease(listing, lessee, "198.51.100.0/26", utc(2025, 6, 1))
    record_monitor_event(
        source="routing", category=Category.HIJACK, ip="198.51.100.3",
        occurred_at=utc(2025, 7, 1), description="Announced from AS64511",
    )
    assert Event.objects.get().lease == inner


def test_unleased_space_goes_to_holder_queue(listing, holder):
    record_monitor_event(
        source="dnsbl", category=Category.BLOCKLIST, ip="198.51.100.200",
        occurred_at=utc(2026, 3, 1), description="Listed",
    )
    case = Case.objects.get()
    assert case.queue == Queue.HOLDER
    assert case.holder == holder
    assert case.lease is None


def test_space_outside_blocks_goes_to_platform_queue(db):
    record_monitor_event(
        source="dnsbl", category=Category.BLOCKLIST, ip="203.0.113.5",
        occurred_at=utc(2026, 3, 1), description="Listed",
    )
    case = Case.objects.get()
    assert case.queue == Queue.PLATFORM
    assert case.holder is None


def test_events_group_by_lease_and_category(listing, lessee):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    for minute, category in ((1, Category.SPAM), (2, Category.SPAM), (3, Category.SCANNING)):
        record_monitor_event(
            source="dnsbl", category=category, ip="198.51.100.1",
            occurred_at=utc(2026, 3, 1, 12, minute), description="",
        )
    spam = Case.objects.get(category=Category.SPAM)
    assert spam.event_count == 2
    assert Case.objects.count() == 2


def test_duplicate_event_counted_once(listing, lessee):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    for _ in range(2):
        record_monitor_event(
            source="dnsbl", category=Category.SPAM, ip="198.51.100.1",
            occurred_at=utc(2026, 3, 1, 12), description="",
        )
    assert Event.objects.count() == 1
    assert Event.objects.get().repeat_count == 1
    assert Case.objects.get().event_count == 1
    assert Report.objects.count() == 2
    assert Report.objects.order_by("pk").last().duplicate_count == 1


def test_case_severity_rises_with_event_count(listing, lessee):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    for second in range(10):
        record_monitor_event(
            source="dnsbl", category=Category.SPAM, ip="198.51.100.1",
            occurred_at=utc(2026, 3, 1, 12, 0, second), description="",
        )
    assert Case.objects.get().severity == Severity.HIGH


def test_case_records_rpki_control(listing, lessee):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    record_monitor_event(
        source="dnsbl", category=Category.SPAM, ip="198.51.100.1", occurred_at=utc(2026, 3, 1), description="",
    )
    assert Case.objects.get().rpki_controlled is False


def test_monitor_event_rejects_unknown_category(db):
    with pytest.raises(ValueError, match="Category 'spamming' is unknown"):
        record_monitor_event(
            source="dnsbl", category="spamming", ip="198.51.100.1", occurred_at=utc(2026, 3, 1), description="",
        )


def test_monitor_event_rejects_naive_time(db):
    from datetime import datetime

    with pytest.raises(ValueError, match="has no time zone"):
        record_monitor_event(
            source="dnsbl", category="spam", ip="198.51.100.1", occurred_at=datetime(2026, 3, 1), description="",
        )


def test_parse_failure_recorded_and_report_kept(db):
    report = receive(channel=Channel.API, source="x", raw=b"{not json", content_type="application/json")
    assert report.status == ReportStatus.FAILED
    assert "not valid JSON" in report.parse_error
    assert bytes(Report.objects.get().raw) == b"{not json"


def test_oversized_report_over_parse_limit_kept_unparsed(db, settings):
    settings.ABUSE_MAX_PARSE_BYTES = 1000
    raw = b"Subject: big\n\n" + b"198.51.100.1 " * 200
    report = receive(channel=Channel.EMAIL, source="x", raw=raw, content_type="message/rfc822")
    assert report.status == ReportStatus.FAILED
    assert "over the parse limit of 1000 bytes" in report.parse_error
    assert report.size == len(raw)


def test_report_over_storage_limit_rejected(db, settings):
    settings.ABUSE_MAX_REPORT_BYTES = 100
    with pytest.raises(ReportTooLarge, match="over the limit of 100 bytes"):
        store_report(channel=Channel.EMAIL, source="x", raw=b"x" * 101, content_type="message/rfc822")


def test_reparse_after_fix_files_events(listing, lessee, settings):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    settings.ABUSE_MAX_PARSE_BYTES = 10
    body = json.dumps({"ip": "198.51.100.4", "time": "2026-03-01T10:00:00Z", "category": "spam"}).encode()
    report = receive(channel=Channel.API, source="x", raw=body, content_type="application/json")
    assert report.status == ReportStatus.FAILED
    settings.ABUSE_MAX_PARSE_BYTES = 10_000
    report = reparse(report)
    assert report.status == ReportStatus.PARSED
    assert report.parse_error == ""
    assert report.parse_attempts == 2
    assert Event.objects.get().address == ipaddress.IPv4Address("198.51.100.4")


def test_reparse_does_not_count_own_events_as_repeats(listing, lessee):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    body = json.dumps({"ip": "198.51.100.4", "time": "2026-03-01T10:00:00Z", "category": "spam"}).encode()
    report = receive(channel=Channel.API, source="x", raw=body, content_type="application/json")
    reparse(report)
    assert Event.objects.get().repeat_count == 0
    assert Case.objects.get().event_count == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_open_one_case(listing, lessee):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    barrier = threading.Barrier(2)

    def report(second):
        try:
            barrier.wait()
            record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.1",
                                 occurred_at=utc(2026, 3, 1, 12, 0, second), description="")
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(second,)) for second in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Case.objects.count() == 1
    assert Case.objects.get().event_count == 2


def test_demo_seed_idempotent(listing, lessee):
    import io

    from abuse import demo

    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    assert Report.objects.count() == 4
    assert Case.objects.count() == 2


def test_stored_report_keeps_each_submitted_value(make_user):
    user = make_user("reporter")
    report = store_report(channel=Channel.API, source="feed@example.net", raw=b"body",
                          content_type="application/json", submitted_by=user, reporter_email="soc@example.net")
    report.refresh_from_db()
    assert (report.channel, report.source, report.content_type, bytes(report.raw), report.size,
            report.submitted_by_id, report.reporter_email, report.status, report.parser, report.parse_attempts,
            report.parsed_at, report.event_count, report.duplicate_count) == (
        Channel.API, "feed@example.net", "application/json", b"body", 4, user.pk, "soc@example.net",
        ReportStatus.RECEIVED, "", 0, None, 0, 0)


@pytest.mark.parametrize("enabled", [True, False])
def test_batch_leaves_garbage_collector_as_found(listing, lessee, enabled):
    place_lease(listing, lessee, "198.51.100.0/24", utc(2026, 1, 1))
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.7",
                             occurred_at=utc(2026, 3, 1), description="")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def _spam_case(listing, lessee):
    lease = place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.7", occurred_at=utc(2026, 3, 1),
                         description="Listed on zen")
    return lease, Case.objects.get()


def test_case_lease_delete_rejected(listing, lessee):
    lease, case = _spam_case(listing, lessee)
    with pytest.raises(ProtectedError) as refused:
        lease.delete()
    assert case in refused.value.protected_objects
    assert Case.objects.get().lease_id == lease.pk


@pytest.mark.parametrize("role", ["lessee", "holder"])
def test_case_organization_delete_rejected(listing, lessee, role):
    _, case = _spam_case(listing, lessee)
    organization = getattr(case, role)
    with pytest.raises(ProtectedError) as refused:
        organization.delete()
    assert case in refused.value.protected_objects
    assert getattr(Case.objects.get(), f"{role}_id") == organization.pk


def test_policy_delete_clears_cases(listing, lessee):
    _, case = _spam_case(listing, lessee)
    policy = case.policy
    policy.delete()
    assert Case.objects.get().policy_id is None
