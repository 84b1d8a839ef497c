"""Monitoring findings raise cases through the abuse desk's intake, and the block reputation."""

import ipaddress
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from abuse.models import Case
from monitoring import churn, dnsbl
from monitoring.models import BlocklistListing, DnsblReturnCode, DnsblZone, PtrChange, PtrFlag
from monitoring.selectors import blocklist_listings_for, block_reputation, ptr_churn_flags_for
from tests.dns.fixtures import make_lease, rbldnsd_server  # noqa: F401
from tests.dns.fixtures import patient_resolver
from tests.dns.zones import BLOCKLIST_ZONE


@pytest.fixture
def zone(db):
    zone = DnsblZone.objects.create(name=BLOCKLIST_ZONE)
    DnsblReturnCode.objects.create(zone=zone, code="127.0.0.2", meaning="spam source")
    DnsblReturnCode.objects.create(zone=zone, code="127.0.0.10", meaning="policy",
                                   kind=DnsblReturnCode.Kind.INFORMATION)
    return zone


def _check(lease, server):
    first = int(lease.prefix.network_address)
    ranges = [(first, first + lease.prefix.num_addresses - 1, lease.pk)]
    return dnsbl.check_ranges(ranges, dnsbl.active_zones(timezone.now()),
                              patient_resolver(server))


def test_new_listing_raises_blocklist_case(zone, lessee, make_lease, rbldnsd_server,
                                           django_capture_on_commit_callbacks):
    lease = make_lease(lessee, "192.0.2.0/24")
    with django_capture_on_commit_callbacks(execute=True):
        _check(lease, rbldnsd_server)
    case = Case.objects.get()
    assert case.category == "blocklist"
    assert case.lease_id == lease.pk
    assert case.event_count == 2


def test_information_entry_raises_no_case(zone, lessee, make_lease, rbldnsd_server,
                                          django_capture_on_commit_callbacks):
    zone.return_codes.filter(code="127.0.0.2").update(kind=DnsblReturnCode.Kind.INFORMATION)
    lease = make_lease(lessee, "192.0.2.0/24")
    with django_capture_on_commit_callbacks(execute=True):
        _check(lease, rbldnsd_server)
    assert Case.objects.count() == 0


def test_churn_flag_raises_ptr_churn_case(settings, lessee, make_lease,
                                          django_capture_on_commit_callbacks):
    settings.MONITORING_CHURN_LEASE_24H = 5
    lease = make_lease(lessee, "192.0.2.0/24")
    now = timezone.now()
    PtrChange.objects.bulk_create([
        PtrChange(ip=int(lease.prefix.network_address) + n, lease=lease, lessee=lessee,
                  new_hostname=f"h{n}.example.test", changed_at=now, source=PtrChange.Source.SCAN)
        for n in range(6)
    ])
    with django_capture_on_commit_callbacks(execute=True):
        churn.detect_churn(now)
    case = Case.objects.get()
    assert case.category == "ptr_churn"
    assert case.lease_id == lease.pk


def test_selectors_for_kyc(zone, lessee, make_lease, make_organization):
    lease = make_lease(lessee, "192.0.2.0/24")
    now = timezone.now()
    PtrFlag.objects.create(kind=PtrFlag.Kind.SNOWSHOE, lessee=lessee, observed=6, threshold=5,
                           detail="6 domains", raised_at=now)
    BlocklistListing.objects.create(zone=zone, ip=3221225985, lease=lease, lessee=lessee,
                                    kind=BlocklistListing.Kind.LISTING, listed_at=now - timedelta(days=60))
    BlocklistListing.objects.create(zone=zone, ip=3221225986, lease=lease, lessee=lessee,
                                    kind=BlocklistListing.Kind.INFORMATION, listed_at=now)
    since = now - timedelta(days=30)
    assert ptr_churn_flags_for(lessee, since).count() == 1
    assert blocklist_listings_for(lessee, since).count() == 1
    assert ptr_churn_flags_for(make_organization(), since).count() == 0


def test_reputation_spans_past_leases(zone, lessee, make_lease, make_organization):
    from leases import services

    old = make_lease(make_organization(), "192.0.2.0/24")
    services.terminate(old, reason="abuse")
    now = timezone.now()
    BlocklistListing.objects.create(zone=zone, ip=int(ipaddress.IPv4Address("192.0.2.9")), lease=old,
                                    kind=BlocklistListing.Kind.LISTING, codes=[{"code": "127.0.0.2", "meaning": "spam source"}],
                                    listed_at=now - timedelta(days=90), delisted_at=now - timedelta(days=30))
    PtrFlag.objects.create(kind=PtrFlag.Kind.CHURN_7D, lessee=old.lessee, lease=old, observed=300,
                           threshold=200, detail="300 changes", raised_at=now - timedelta(days=80))
    reputation = block_reputation(old.block)
    assert reputation["summary"] == {"listings": 1, "open_listings": 0, "delistings": 1,
                                     "churn_flags": 1, "abuse_cases": 0}


def test_reputation_template_renders(zone, lessee, make_lease):
    lease = make_lease(lessee, "192.0.2.0/24")
    BlocklistListing.objects.create(zone=zone, ip=int(ipaddress.IPv4Address("192.0.2.9")), lease=lease,
                                    kind=BlocklistListing.Kind.LISTING,
                                    codes=[{"code": "127.0.0.2", "meaning": "spam source"}],
                                    listed_at=timezone.now())
    html = Template('{% include "monitoring/_block_reputation.html" %}').render(Context({"block": lease.block}))
    assert "Reputation history of 192.0.2.0/24" in html
    assert "1 current listing" in html
    assert "127.0.0.2 (spam source)" in html
    assert "192.0.2.9" in html
