"""The pipelined intake (abuse.pipeline) against the batched one it must match.

These tests commit (transactional_db): the pipeline stores reports on a
connection of its own and sends each batch's writes ahead, which a test
transaction would hide.
"""

import json
import re
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from abuse.choices import Category, Channel, ReportStatus
from abuse.grouping import _locks_statement
from abuse.intake import receive_many
from abuse.models import Case, Event, Notification, Report, TimelineEntry
from abuse.parsing import MONITOR_CONTENT_TYPE
from abuse.pipeline import file_stream
from tests.abuse_helpers import place_lease, utc

SAMPLES = Path(__file__).parent / "abuse_samples"


@pytest.fixture
def leased(transactional_db, holder, lessee, make_listing, make_organization):
    """198.51.100.0/24: the first half leased to `lessee`, with an earlier lessee in 2025; the rest unleased."""
    listing = make_listing(holder, "198.51.100.0/24")
    place_lease(listing, make_organization("Earlier Lessee"), "198.51.100.0/25", utc(2025, 1, 1), utc(2026, 1, 1),
                "ended")
    return place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))


def signal(ip, when, category=Category.SPAM, source="dnsbl"):
    raw = json.dumps({"source": source, "category": category, "ip": ip, "time": when.isoformat(),
                      "description": f"{category} from {ip}", "evidence": {}, "port": None}, sort_keys=True)
    return {"channel": Channel.MONITOR, "source": source, "raw": raw, "content_type": MONITOR_CONTENT_TYPE}


def sample(name, content_type="message/rfc822"):
    return {"channel": Channel.EMAIL, "source": "mail", "raw": (SAMPLES / name).read_bytes(),
            "content_type": content_type}


def mixed_chunks():
    """Eight chunks of reports: new cases, events joining them, repeats, a failure and the sample formats."""
    categories = [Category.SPAM, Category.SCANNING, Category.PHISHING]
    chunks = []
    for index in range(8):
        chunk = [signal(f"198.51.100.{index * 20 + offset}", utc(2026, 3, 1 + index, offset),
                        categories[offset % 3]) for offset in range(4)]
        # The same address again: it joins the open case of the first chunk.
        chunk.append(signal("198.51.100.1", utc(2026, 3, 10, index), Category.SPAM))
        # The 2025 lease, the unleased half and a repeat of an earlier report.
        chunk.append(signal("198.51.100.2", utc(2025, 6, 1 + index)))
        chunk.append(signal("198.51.100.200", utc(2026, 4, 1 + index)))
        chunk.append(signal("198.51.100.0", utc(2026, 3, 1, 0)))
        chunks.append(chunk)
    chunks[2].append({"channel": Channel.MONITOR, "source": "dnsbl", "raw": "{not json",
                      "content_type": MONITOR_CONTENT_TYPE})
    chunks[3] += [sample("arf_with_source_ip.eml"), sample("xarf02.eml"), sample("complaint.eml")]
    chunks[5] += [sample("feed_renamed.csv", "text/csv"), sample("xarf4.json", "application/json")]
    return chunks


def snapshot():
    """The abuse desk's rows with keys replaced by positions, so that two filings of the same reports compare."""
    reports = {pk: index for index, pk in enumerate(Report.objects.order_by("pk").values_list("pk", flat=True))}
    cases = {pk: index for index, pk in enumerate(Case.objects.order_by("pk").values_list("pk", flat=True))}

    def text(value):
        return re.sub(r"report (\d+)", lambda match: f"report #{reports[int(match.group(1))]}", value)

    def data(value):
        return {**value, "report": reports[value["report"]]} if "report" in value else value

    return {
        "reports": [
            (report.status, report.parser, report.parse_error, report.parse_notes, report.parse_attempts,
             report.event_count, report.duplicate_count)
            for report in Report.objects.order_by("pk")
        ],
        "cases": [
            (case.grouping_key, case.queue, case.category, case.severity, case.state, case.escalation, case.lease_id,
             case.lessee_id, case.holder_id, case.rpki_controlled, case.event_count, case.first_event_at,
             case.last_event_at, case.policy_id, case.response_due_at - case.opened_at,
             case.resolution_due_at - case.opened_at)
            for case in Case.objects.order_by("pk")
        ],
        "events": sorted(
            (reports[event.report_id], cases[event.case_id], event.ip, event.port, event.occurred_at,
             event.zone_assumed, event.category, event.type, event.description, event.repeat_count, event.lease_id,
             event.lessee_id, event.holder_id)
            for event in Event.objects.all()
        ),
        "timeline": [
            (cases[entry.case_id], entry.kind, text(entry.text), entry.internal, data(entry.data))
            for entry in TimelineEntry.objects.order_by("case_id", "pk")
        ],
        "notifications": [
            (cases[notice.case_id], notice.kind, notice.recipients, notice.status)
            for notice in Notification.objects.order_by("case_id", "pk")
        ],
    }


def forget_reports():
    tables = ", ".join(model._meta.db_table for model in (Event, TimelineEntry, Notification, Case, Report))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables}")


def test_pipeline_writes_the_rows_of_batched_intake(leased):
    chunks = mixed_chunks()
    file_stream(iter(chunks))
    piped = snapshot()
    forget_reports()
    for chunk in chunks:
        receive_many(chunk)
    assert piped == snapshot()


def test_pipeline_files_every_report_of_the_mix(leased):
    file_stream(iter(mixed_chunks()))
    statuses = list(Report.objects.order_by("pk").values_list("status", flat=True))
    assert len(statuses) == 70
    assert statuses.count(ReportStatus.FAILED) == 1
    assert ReportStatus.RECEIVED not in statuses


def test_pipeline_joins_later_events_to_the_open_case(leased):
    file_stream(iter(mixed_chunks()))
    case = Case.objects.get(grouping_key=f"lease:{leased.pk}:spam")
    # Two spam signals in each of chunks 0 to 6 (chunk 7's addresses are
    # unleased), 198.51.100.1 once per chunk, and the ARF sample's address.
    assert case.event_count == 2 * 7 + 8 + 1


def test_pipeline_calls_back_per_chunk_in_order(leased):
    chunks = mixed_chunks()
    calls = []
    file_stream(iter(chunks), stored=lambda chunk, outcomes: calls.append(("stored", chunks.index(chunk))),
                filed=lambda chunk, outcomes: calls.append(("filed", chunks.index(chunk))))
    assert [index for kind, index in calls if kind == "stored"] == list(range(8))
    assert [index for kind, index in calls if kind == "filed"] == list(range(8))


def test_pipeline_reports_are_filed_when_called_back(leased):
    statuses = []
    file_stream(iter(mixed_chunks()), filed=lambda chunk, outcomes: statuses.extend(
        Report.objects.get(pk=outcome.pk).status for outcome in outcomes))
    assert ReportStatus.RECEIVED not in statuses


def commit_once_blocked(other, timeout=60):
    """Commit `other` once another session of its database waits on a lock: the third chunk's event insert."""
    settings = connection.settings_dict
    with psycopg.connect(dbname=settings["NAME"], host=settings["HOST"], port=settings["PORT"] or 5432,
                         user=settings["USER"], autocommit=True) as watcher:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.05)
    other.commit()


def test_pipeline_refiles_batch_after_unique_conflict(leased):
    """Another connection stores an event of the third chunk after the pipeline read that chunk, before its writes.

    The pipeline's insert then meets the unique constraint, and the batch
    is filed again on its own: that event becomes a repeat of the other
    intake's.
    """
    chunks = mixed_chunks()
    other_report = Report.objects.create(channel=Channel.MONITOR, source="dnsbl", raw=b"{}", size=2, sha256="0" * 64,
                                         received_at=utc(2026, 3, 1))
    other_case = Case.objects.create(grouping_key="platform:other", queue="platform", category=Category.OTHER,
                                     first_event_at=utc(2026, 3, 1), last_event_at=utc(2026, 3, 1),
                                     opened_at=utc(2026, 3, 1), response_due_at=utc(2026, 3, 2),
                                     resolution_due_at=utc(2026, 3, 4))
    other = psycopg.connect(dbname=connection.settings_dict["NAME"], host=connection.settings_dict["HOST"],
                            port=connection.settings_dict["PORT"] or 5432, user=connection.settings_dict["USER"])
    contested = chunks[2][0]
    document = json.loads(contested["raw"])

    committer = threading.Thread(target=commit_once_blocked, args=(other,))

    def stored(chunk, outcomes):
        if chunk is chunks[3]:
            # Before any batch is read: uncommitted, so the third chunk's reads miss it.
            other.execute(
                f"INSERT INTO {Event._meta.db_table} (report_id, case_id, source, ip, occurred_at, zone_assumed, "
                "category, type, reporter, confidence, description, evidence, repeat_count, created_at) "
                "VALUES (%s, %s, 'dnsbl', %s, %s, false, 'other', 'spam', '', 'high', '', '{}', 0, now())",
                [other_report.pk, other_case.pk, document["ip"], document["time"]],
            )
            committer.start()

    try:
        file_stream(iter(chunks), stored=stored)
    finally:
        committer.join()
        other.close()
    contested_report = Report.objects.exclude(pk=other_report.pk).order_by("pk")[2 * 8]
    assert json.loads(bytes(contested_report.raw)) == document
    assert (contested_report.status, contested_report.event_count, contested_report.duplicate_count) == (
        ReportStatus.PARSED, 0, 1)
    assert Event.objects.get(report=other_report).repeat_count == 1
    assert ReportStatus.RECEIVED not in set(Report.objects.exclude(pk=other_report.pk).values_list("status", flat=True))


def test_pipeline_in_transaction_files_in_turn(db, holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    file_stream(iter([[signal("198.51.100.1", utc(2026, 3, 1))], [signal("198.51.100.1", utc(2026, 3, 2))]]))
    assert Case.objects.get().event_count == 2


def test_pipeline_read_failure_leaves_batch_unfiled(leased):
    """Another session holds the advisory lock of the first chunk's spam group past the lock timeout.

    The first chunk's reads fail, so it is filed on its own, which fails
    the same way: its reports stay "received" for the sweep of unfiled
    reports. The other chunks are filed, and the stream ends normally.
    """
    chunks = [[signal("198.51.100.5", utc(2026, 3, 1))], [signal("198.51.100.200", utc(2026, 3, 2))],
              [signal("198.51.100.201", utc(2026, 3, 3))]]
    _, [lock_id] = _locks_statement([f"lease:{leased.pk}:spam"])
    other = psycopg.connect(dbname=connection.settings_dict["NAME"], host=connection.settings_dict["HOST"],
                            port=connection.settings_dict["PORT"] or 5432, user=connection.settings_dict["USER"],
                            autocommit=True)
    other.execute("SELECT pg_advisory_lock(%s::bigint)", [int(lock_id.strip("{}"))])
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    filed = []
    try:
        file_stream(iter(chunks), filed=lambda chunk, outcomes: filed.append(chunks.index(chunk)))
    finally:
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    statuses = list(Report.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [ReportStatus.RECEIVED, ReportStatus.PARSED, ReportStatus.PARSED]
    assert filed == [0, 1, 2]
