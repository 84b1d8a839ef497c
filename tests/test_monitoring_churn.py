"""PTR churn windows and name pattern checks."""

import ipaddress
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring import churn, patterns
from monitoring.models import PtrChange, PtrFlag, PtrRecord
from monitoring.ptrmanage import set_ptr
from tests.dns.fixtures import make_lease, nsd_server, programmable_server  # noqa: F401


def _ip(text):
    return int(ipaddress.IPv4Address(text))


def _changes(lease, count, *, at, first_octet=1):
    base = int(lease.prefix.network_address)
    PtrChange.objects.bulk_create([
        PtrChange(ip=base + first_octet + n % 200, lease=lease, lessee_id=lease.lessee_id,
                  old_hostname=f"a{n}.example.test", new_hostname=f"b{n}.example.test",
                  changed_at=at, source=PtrChange.Source.SCAN)
        for n in range(count)
    ])


@pytest.fixture
def thresholds(settings):
    settings.MONITORING_CHURN_LEASE_24H = 10
    settings.MONITORING_CHURN_LEASE_7D = 30
    settings.MONITORING_CHURN_LESSEE_24H = 15
    settings.MONITORING_CHURN_LESSEE_7D = 100
    return settings


def test_lease_over_24h_threshold_flagged(thresholds, lessee, make_lease):
    lease = make_lease(lessee, "192.0.2.0/24")
    now = timezone.now()
    _changes(lease, 12, at=now - timedelta(hours=1))
    assert churn.detect_churn(now) == 1
    flag = PtrFlag.objects.get()
    assert flag.kind == PtrFlag.Kind.CHURN_24H
    assert flag.lease_id == lease.pk
    assert flag.observed == 12
    assert flag.detail == (
        "12 PTR changes on 12 addresses of lease 192.0.2.0/24 in the last 24 hours (threshold 10)."
    )


def test_lease_under_threshold_not_flagged(thresholds, lessee, make_lease):
    lease = make_lease(lessee, "192.0.2.0/24")
    _changes(lease, 9, at=timezone.now())
    assert churn.detect_churn() == 0
    assert PtrFlag.objects.count() == 0


def test_old_changes_count_only_in_7d_window(thresholds, lessee, make_lease):
    lease = make_lease(lessee, "192.0.2.0/24")
    now = timezone.now()
    _changes(lease, 35, at=now - timedelta(days=3))
    churn.detect_churn(now)
    assert list(PtrFlag.objects.values_list("kind", flat=True)) == [PtrFlag.Kind.CHURN_7D]


def test_lessee_flagged_across_leases(thresholds, lessee, make_lease):
    first = make_lease(lessee, "192.0.2.0/24")
    second = make_lease(lessee, "198.51.100.0/24")
    now = timezone.now()
    _changes(first, 8, at=now)
    _changes(second, 8, at=now)
    churn.detect_churn(now)
    flag = PtrFlag.objects.get()
    assert flag.lease_id is None
    assert flag.lessee_id == lessee.pk
    assert flag.observed == 16
    assert "across the lessee's leases in the last 24 hours (threshold 15)" in flag.detail


def test_repeated_detection_keeps_one_open_flag(thresholds, lessee, make_lease):
    lease = make_lease(lessee, "192.0.2.0/24")
    now = timezone.now()
    _changes(lease, 12, at=now)
    churn.detect_churn(now)
    _changes(lease, 2, at=now, first_octet=100)
    assert churn.detect_churn(now) == 0
    flag = PtrFlag.objects.get()
    assert flag.observed == 14


def test_flag_resolved_when_window_passes(thresholds, lessee, make_lease):
    lease = make_lease(lessee, "192.0.2.0/24")
    now = timezone.now()
    _changes(lease, 12, at=now)
    churn.detect_churn(now)
    churn.detect_churn(now + timedelta(hours=25))
    assert PtrFlag.objects.get().resolved_at == now + timedelta(hours=25)


def test_platform_changes_count_as_churn(thresholds, lessee, make_lease):
    lease = make_lease(lessee, "192.0.2.0/24")
    for n in range(10):
        set_ptr(lease=lease, address=f"192.0.2.{n + 1}", hostname=f"h{n}.example.test", user=lessee.owner)
    churn.detect_churn()
    assert PtrFlag.objects.get().kind == PtrFlag.Kind.CHURN_24H


def _records(lease, names):
    base = int(lease.prefix.network_address)
    PtrRecord.objects.bulk_create([
        PtrRecord(ip=base + n + 1, hostname=name, lease=lease, changed_at=timezone.now())
        for n, name in enumerate(names)
    ])


@pytest.fixture
def pattern_thresholds(settings):
    settings.MONITORING_MAIL_NAMES_MIN = 3
    settings.MONITORING_SNOWSHOE_DOMAINS_MIN = 4
    settings.MONITORING_RANDOM_NAMES_MIN = 3
    settings.MONITORING_FCRDNS_FAILURES_MIN = 1
    return settings


def test_mail_like_names_flagged(pattern_thresholds, lessee, make_lease, nsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _records(lease, ["mail1.shop.test", "smtp-02.shop.test", "mx.shop.test", "www.shop.test"])
    patterns.check_lessee(lessee.pk, resolver_server=nsd_server.address)
    flag = PtrFlag.objects.get(kind=PtrFlag.Kind.MAIL_NAMES)
    assert flag.observed == 3
    assert flag.detail == (
        "3 addresses have mail-server-like PTR names, e.g. mail1.shop.test (threshold 3)."
    )


def test_snowshoe_domains_in_one_24_flagged(pattern_thresholds, lessee, make_lease, nsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _records(lease, ["a.alpha.test", "b.beta.co.uk", "c.gamma.test", "d.delta.test", "e.alpha.test"])
    patterns.check_lessee(lessee.pk, resolver_server=nsd_server.address)
    flag = PtrFlag.objects.get(kind=PtrFlag.Kind.SNOWSHOE)
    assert flag.observed == 4
    assert flag.detail == (
        "4 registered domains in PTR names within 192.0.2.0/24: alpha.test, beta.co.uk, "
        "delta.test, gamma.test (threshold 4)."
    )


def test_random_labels_flagged(pattern_thresholds, lessee, make_lease, nsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _records(lease, ["xkqzt9w3v.shop.test", "q7zx4kp2rm.shop.test", "bcdfgh8kjq.shop.test",
                     "mailserver.shop.test"])
    patterns.check_lessee(lessee.pk, resolver_server=nsd_server.address)
    flag = PtrFlag.objects.get(kind=PtrFlag.Kind.RANDOM_LABELS)
    assert flag.observed == 3
    assert [example["name"] for example in flag.examples] == [
        "xkqzt9w3v.shop.test", "q7zx4kp2rm.shop.test", "bcdfgh8kjq.shop.test",
    ]


def test_fcrdns_failure_flagged(pattern_thresholds, lessee, make_lease, nsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _records(lease, [f"host-{n}.example.test" for n in range(1, 10)])
    patterns.check_lessee(lessee.pk, resolver_server=nsd_server.address)
    flag = PtrFlag.objects.get(kind=PtrFlag.Kind.FCRDNS)
    assert flag.observed == 1
    assert flag.detail == (
        "1 PTR names do not resolve back to their address, e.g. 192.0.2.9 PTR "
        "host-9.example.test whose A lookup gave 198.51.100.9 (threshold 1)."
    )


def test_fcrdns_ignores_failed_lookups(pattern_thresholds, lessee, make_lease, programmable_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _records(lease, ["host-1.example.test"])
    programmable_server.behaviours["host-1.example.test"] = ("servfail",)
    findings = patterns.check_lessee(lessee.pk, resolver_server=programmable_server.address)
    assert [f.kind for f in findings] == []


def test_clean_names_raise_no_flag(pattern_thresholds, lessee, make_lease, nsd_server):
    lease = make_lease(lessee, "192.0.2.0/24")
    _records(lease, [f"host-{n}.example.test" for n in range(1, 9)])
    assert patterns.check_lessee(lessee.pk, resolver_server=nsd_server.address) == []
    assert PtrFlag.objects.count() == 0


@pytest.mark.parametrize("name", ["www.example.test", "192-0-2-10.static.isp.test", "mailserver.example.test"])
def test_ordinary_names_not_random(name):
    assert patterns.looks_random(name, ipaddress.IPv4Address("192.0.2.10")) is False


def test_registered_domain_uses_public_suffix_list():
    assert patterns.registered_domain("mail.shop.example.co.uk") == "example.co.uk"
