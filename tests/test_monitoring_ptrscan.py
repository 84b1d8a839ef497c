"""PTR scans: chunk planning, persistence of changes only, scan runs through a real worker."""

import ipaddress
import time

import pytest

from leases import services as lease_services
from monitoring import runs
from monitoring.chunks import plan_chunks
from monitoring.dns.resolver import BulkResolver
from monitoring.models import PtrChange, PtrRecord, ScanChunk, ScanRun
from monitoring.ptrscan import scan_ranges
from monitoring.tasks import start_ptr_scan_task
from tests.dns.fixtures import make_lease, nsd_server, programmable_server  # noqa: F401
from tests.dns.fixtures import patient_resolver

net = ipaddress.IPv4Network


def _ip(text):
    return int(ipaddress.IPv4Address(text))


def _range(lease):
    first = int(lease.prefix.network_address)
    return [(first, first + lease.prefix.num_addresses - 1, lease.pk)]


def test_plan_splits_large_lease_into_chunk_size():
    chunks = plan_chunks([(net("100.64.0.0/14"), 1)], chunk_addresses=65536)
    assert chunks == [[(f"100.{64 + n}.0.0/16", 1)] for n in range(4)]


def test_plan_packs_small_leases_together():
    prefixes = [(net("198.51.100.0/24"), 1), (net("198.51.101.0/24"), 2), (net("203.0.113.0/25"), 3)]
    chunks = plan_chunks(prefixes, chunk_addresses=512)
    assert chunks == [
        [("198.51.100.0/24", 1), ("198.51.101.0/24", 2)],
        [("203.0.113.0/25", 3)],
    ]


def test_scan_writes_current_ptrs(lessee, make_lease, nsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    counts = scan_ranges(_range(lease), patient_resolver(nsd_server))
    assert counts == {"answer": 15, "nodata": 1, "nxdomain": 240, "changed": 15}
    assert PtrRecord.objects.get(ip=_ip("192.0.2.1")).hostname == "host-1.example.test"
    assert PtrRecord.objects.get(ip=_ip("192.0.2.65")).hostname == "classless-65.example.test"
    assert not PtrRecord.objects.filter(ip=_ip("192.0.2.10")).exists()


def test_rescan_without_changes_writes_nothing(lessee, make_lease, nsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    resolver = patient_resolver(nsd_server)
    scan_ranges(_range(lease), resolver)
    counts = scan_ranges(_range(lease), resolver)
    assert counts["changed"] == 0
    assert PtrChange.objects.count() == 15


def test_scan_records_change_event(lessee, make_lease, programmable_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    name = "1.2.0.192.in-addr.arpa"
    resolver = patient_resolver(programmable_server)
    programmable_server.behaviours[name] = ("answer", "PTR", ["old.example.test."])
    scan_ranges(_range(lease), resolver)
    programmable_server.behaviours[name] = ("answer", "PTR", ["new.example.test."])
    scan_ranges(_range(lease), resolver)
    change = PtrChange.objects.filter(ip=_ip("192.0.2.1")).first()
    assert (change.old_hostname, change.new_hostname) == ("old.example.test", "new.example.test")
    assert change.source == PtrChange.Source.SCAN
    assert change.lessee_id == lessee.pk


@pytest.mark.parametrize("behaviour", [("servfail",), ("refused",), ("drop",)])
def test_failed_lookup_keeps_stored_ptr(lessee, make_lease, programmable_server, behaviour):
    lease = make_lease(lessee, "192.0.2.0/24")
    name = "1.2.0.192.in-addr.arpa"
    programmable_server.behaviours[name] = ("answer", "PTR", ["kept.example.test."])
    scan_ranges(_range(lease), patient_resolver(programmable_server))
    programmable_server.behaviours[name] = behaviour
    counts = scan_ranges(_range(lease), BulkResolver(programmable_server.address, timeout=0.2, retries=0))
    assert counts["changed"] == 0
    assert PtrRecord.objects.get(ip=_ip("192.0.2.1")).hostname == "kept.example.test"


def test_ptr_with_nul_octet_stored_escaped(lessee, make_lease, programmable_server):
    """A lessee's own reverse zone may publish any octet; one the database cannot store must not stop the scan."""
    lease = make_lease(lessee, "192.0.2.0/24")
    programmable_server.behaviours["1.2.0.192.in-addr.arpa"] = ("answer", "PTR", ["bad\\000name.example.test."])
    scan_ranges(_range(lease), patient_resolver(programmable_server))
    assert PtrRecord.objects.get(ip=_ip("192.0.2.1")).hostname == "bad\\000name.example.test"


def test_nxdomain_removes_stored_ptr(lessee, make_lease, programmable_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    name = "1.2.0.192.in-addr.arpa"
    resolver = patient_resolver(programmable_server)
    programmable_server.behaviours[name] = ("answer", "PTR", ["gone.example.test."])
    scan_ranges(_range(lease), resolver)
    del programmable_server.behaviours[name]
    scan_ranges(_range(lease), resolver)
    change = PtrChange.objects.filter(ip=_ip("192.0.2.1")).first()
    assert (change.old_hostname, change.new_hostname) == ("gone.example.test", "")
    assert not PtrRecord.objects.filter(ip=_ip("192.0.2.1")).exists()


def test_run_covers_active_and_suspended_leases_only(lessee, make_lease, make_organization):
    active = make_lease(lessee, "192.0.2.0/24")
    suspended = make_lease(make_organization(), "198.51.100.0/24")
    lease_services.suspend(suspended, reason="abuse report")
    ended = make_lease(lessee, "203.0.113.0/24")
    lease_services.terminate(ended, reason="test")
    run, chunks = runs.create_run(ScanRun.Kind.PTR, "127.0.0.1:53")
    assert run.address_count == 512
    assert len(chunks) == 1
    assert ScanChunk.objects.get(run=run).prefixes == [
        ["192.0.2.0/24", active.pk], ["198.51.100.0/24", suspended.pk]
    ]


def test_claimed_chunk_is_not_claimed_twice(lessee, make_lease):
    make_lease(lessee, "192.0.2.0/24")
    _, chunks = runs.create_run(ScanRun.Kind.PTR, "127.0.0.1:53")
    runs.record_chunk(runs.claim_chunk(chunks[0].pk), {"answer": 1})
    assert runs.claim_chunk(chunks[0].pk) is None


@pytest.mark.worker
def test_scan_run_through_worker(celery_worker, lessee, make_lease, nsd_server):
    make_lease(lessee, "192.0.2.0/24")
    run_id = start_ptr_scan_task.delay(server=nsd_server.address).get(timeout=60)
    deadline = time.monotonic() + 120
    run = ScanRun.objects.get(pk=run_id)
    while run.finished_at is None and time.monotonic() < deadline:
        time.sleep(0.5)
        run.refresh_from_db()
    assert run.finished_at is not None
    assert run.counts == {"answer": 15, "nodata": 1, "nxdomain": 240, "changed": 15}
    assert run.chunks_done == run.chunks_total == 1
    assert ScanChunk.objects.get(run=run).state == ScanChunk.State.DONE
    assert PtrRecord.objects.filter(lease__lessee=lessee).count() == 15


def test_chunks_of_one_run_claimed_concurrently(transactional_db, lessee, make_lease):
    import threading

    from django.db import connection, transaction

    make_lease(lessee, "192.0.2.0/24")
    make_lease(lessee, "198.51.100.0/24")
    _, chunks = runs.create_run(ScanRun.Kind.PTR, "127.0.0.1:53", chunk_addresses=256)
    claimed = {}
    first_locked = threading.Event()
    release = threading.Event()

    def hold_first():
        with transaction.atomic():
            claimed["first"] = runs.claim_chunk(chunks[0].pk)
            first_locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=hold_first)
    thread.start()
    first_locked.wait(10)
    with transaction.atomic():
        claimed["second"] = runs.claim_chunk(chunks[1].pk)
    release.set()
    thread.join()
    assert claimed["first"].pk == chunks[0].pk
    assert claimed["second"].pk == chunks[1].pk


def test_same_name_under_new_lease_moves_record(lessee, make_lease, nsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    resolver = patient_resolver(nsd_server)
    scan_ranges(_range(lease), resolver)
    PtrRecord.objects.update(lease=None)
    counts = scan_ranges(_range(lease), resolver)
    assert counts["changed"] == 0
    assert PtrRecord.objects.filter(lease=lease).count() == 15
    assert PtrChange.objects.count() == 15


def test_stalled_chunk_requeued_after_limit(lessee, make_lease, settings):
    from datetime import timedelta

    from monitoring.tasks import requeue_stalled_chunks_task

    settings.MONITORING_CHUNK_REQUEUE_MINUTES = 90
    make_lease(lessee, "192.0.2.0/24")
    run, chunks = runs.create_run(ScanRun.Kind.PTR, "127.0.0.1:53")
    ScanRun.objects.filter(pk=run.pk).update(started_at=run.started_at - timedelta(minutes=91))

    assert requeue_stalled_chunks_task() == {ScanRun.Kind.PTR: [chunks[0].pk]}


def test_recent_chunk_not_requeued(lessee, make_lease):
    from monitoring.tasks import requeue_stalled_chunks_task

    make_lease(lessee, "192.0.2.0/24")
    runs.create_run(ScanRun.Kind.PTR, "127.0.0.1:53")

    assert requeue_stalled_chunks_task() == {}


def test_done_chunk_not_requeued(lessee, make_lease):
    from datetime import timedelta

    make_lease(lessee, "192.0.2.0/24")
    run, chunks = runs.create_run(ScanRun.Kind.PTR, "127.0.0.1:53")
    runs.record_chunk(chunks[0], {"answer": 256})

    assert runs.stalled_chunks(ScanRun.Kind.PTR, older_than=timedelta(0),
                               now=run.started_at + timedelta(hours=3)) == []
