"""DNSBL checks against rbldnsd and the programmable server on loopback."""

import ipaddress
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring import dnsbl
from monitoring.models import BlocklistListing, DnsblReturnCode, DnsblZone, OperationalAlert, ScanRun
from monitoring.tasks import start_dnsbl_check_task
from tests.dns.fixtures import make_lease, programmable_server, rbldnsd_server  # noqa: F401
from tests.dns.fixtures import patient_resolver
from tests.dns.zones import BLOCKLIST_ZONE

Kind = DnsblReturnCode.Kind


def _ip(text):
    return int(ipaddress.IPv4Address(text))


@pytest.fixture
def zone(db):
    zone = DnsblZone.objects.create(name=BLOCKLIST_ZONE, weight=50)
    DnsblReturnCode.objects.create(zone=zone, code="127.0.0.2", meaning="spam source", kind=Kind.LISTING)
    DnsblReturnCode.objects.create(zone=zone, code="127.0.0.10", meaning="end-user space policy",
                                   kind=Kind.INFORMATION)
    DnsblReturnCode.objects.create(zone=zone, code="127.255.255.254", meaning="query via public resolver",
                                   kind=Kind.ERROR)
    return zone


def _check(lease, server, now=None):
    first = int(lease.prefix.network_address)
    ranges = [(first, first + lease.prefix.num_addresses - 1, lease.pk)]
    zones = dnsbl.active_zones(now or timezone.now())
    return dnsbl.check_ranges(ranges, zones, patient_resolver(server),
                              now=now)


def test_listed_address_recorded_with_reason(zone, lessee, make_lease, rbldnsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _check(lease, rbldnsd_server)
    listing = BlocklistListing.objects.get(ip=_ip("192.0.2.5"))
    assert listing.kind == BlocklistListing.Kind.LISTING
    assert listing.codes == [{"code": "127.0.0.2", "meaning": "spam source"}]
    assert listing.reason == "Listed for spam, see https://bl.example.test/lookup?ip=192.0.2.5"
    assert listing.lease_id == lease.pk
    assert listing.lessee_id == lessee.pk
    assert listing.delisted_at is None


def test_check_counts_listings(zone, lessee, make_lease, rbldnsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    counts = _check(lease, rbldnsd_server)
    assert counts == {"nxdomain": 253, "answer": 3, "listed": 3, "delisted": 0}


def test_information_code_is_not_a_listing(zone, lessee, make_lease, rbldnsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _check(lease, rbldnsd_server)
    entry = BlocklistListing.objects.get(ip=_ip("192.0.2.7"))
    assert entry.kind == BlocklistListing.Kind.INFORMATION
    assert entry.codes == [{"code": "127.0.0.10", "meaning": "end-user space policy"}]


def test_repeated_check_keeps_one_listing(zone, lessee, make_lease, rbldnsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _check(lease, rbldnsd_server)
    counts = _check(lease, rbldnsd_server)
    assert counts["listed"] == 0
    assert BlocklistListing.objects.filter(ip=_ip("192.0.2.5")).count() == 1


def test_cleared_address_is_delisted(zone, lessee, make_lease, rbldnsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    listed_at = timezone.now() - timedelta(days=2)
    old = BlocklistListing.objects.create(zone=zone, ip=_ip("192.0.2.4"), lease=lease, lessee=lessee,
                                          kind=BlocklistListing.Kind.LISTING, listed_at=listed_at)
    now = timezone.now()
    counts = _check(lease, rbldnsd_server, now=now)
    old.refresh_from_db()
    assert counts["delisted"] == 1
    assert old.delisted_at == now


def test_error_code_alerts_and_backs_off(zone, lessee, make_lease, programmable_server, settings):
    settings.MONITORING_DNSBL_BACKOFF_MINUTES = 30
    lease = make_lease(lessee, "192.0.2.0/24")
    programmable_server.behaviours[f"1.2.0.192.{BLOCKLIST_ZONE}"] = ("answer", "A", ["127.255.255.254"])
    now = timezone.now()
    counts = _check(lease, programmable_server, now=now)
    zone.refresh_from_db()
    assert counts["zone_errors"] == 1
    assert counts["listed"] == 0
    assert BlocklistListing.objects.count() == 0
    assert zone.backoff_until == now + timedelta(minutes=30)
    assert zone.consecutive_errors == 1
    alert = OperationalAlert.objects.get()
    assert alert.source == BLOCKLIST_ZONE
    assert "127.255.255.254 (query via public resolver)" in alert.message


def test_undocumented_error_range_code_never_lists(zone, lessee, make_lease, programmable_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    programmable_server.behaviours[f"1.2.0.192.{BLOCKLIST_ZONE}"] = ("answer", "A", ["127.255.255.252"])
    _check(lease, programmable_server)
    assert BlocklistListing.objects.count() == 0
    assert OperationalAlert.objects.count() == 1


def test_answer_outside_loopback_is_error(zone, lessee, make_lease, programmable_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    programmable_server.behaviours[f"1.2.0.192.{BLOCKLIST_ZONE}"] = ("answer", "A", ["192.0.2.200"])
    _check(lease, programmable_server)
    assert BlocklistListing.objects.count() == 0
    assert "resolver may be rewriting NXDOMAIN" in OperationalAlert.objects.get().message


def test_errors_keep_existing_listing_open(zone, lessee, make_lease, programmable_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    listing = BlocklistListing.objects.create(zone=zone, ip=_ip("192.0.2.1"), lease=lease, lessee=lessee,
                                              kind=BlocklistListing.Kind.LISTING, listed_at=timezone.now())
    programmable_server.behaviours[f"1.2.0.192.{BLOCKLIST_ZONE}"] = ("servfail",)
    _check(lease, programmable_server)
    listing.refresh_from_db()
    assert listing.delisted_at is None


def test_mostly_failing_zone_backs_off(zone, lessee, make_lease, programmable_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    for n in range(256):
        programmable_server.behaviours[f"{n}.2.0.192.{BLOCKLIST_ZONE}"] = ("refused",)
    _check(lease, programmable_server)
    zone.refresh_from_db()
    assert zone.consecutive_errors == 1
    assert zone.last_error == "256 of 256 lookups failed (SERVFAIL, REFUSED or timeout)"


def test_undocumented_loopback_code_is_listing(zone, lessee, make_lease, programmable_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    programmable_server.behaviours[f"1.2.0.192.{BLOCKLIST_ZONE}"] = ("answer", "A", ["127.0.0.42"])
    _check(lease, programmable_server)
    listing = BlocklistListing.objects.get()
    assert listing.codes == [{"code": "127.0.0.42", "meaning": "undocumented return code"}]


def test_zone_in_backoff_is_skipped(zone):
    now = timezone.now()
    zone.backoff_until = now + timedelta(minutes=5)
    zone.save()
    assert dnsbl.active_zones(now) == []
    assert dnsbl.active_zones(now + timedelta(minutes=6)) == [zone]


def test_backoff_doubles_up_to_maximum(zone, settings):
    settings.MONITORING_DNSBL_BACKOFF_MINUTES = 30
    settings.MONITORING_DNSBL_BACKOFF_MAX_MINUTES = 100
    now = timezone.now()
    for _ in range(3):
        dnsbl.back_off(zone, now, "test")
    assert zone.backoff_until == now + timedelta(minutes=100)


@pytest.mark.worker
def test_dnsbl_run_through_worker(celery_worker, zone, lessee, make_lease, rbldnsd_server):
    make_lease(lessee, "192.0.2.0/24")
    run_id = start_dnsbl_check_task.delay(server=rbldnsd_server.address).get(timeout=60)
    deadline = time.monotonic() + 120
    run = ScanRun.objects.get(pk=run_id)
    while run.finished_at is None and time.monotonic() < deadline:
        time.sleep(0.5)
        run.refresh_from_db()
    assert run.kind == ScanRun.Kind.DNSBL
    assert run.counts == {"nxdomain": 253, "answer": 3, "listed": 3, "delisted": 0}
    assert BlocklistListing.objects.filter(kind=BlocklistListing.Kind.LISTING).count() == 2
