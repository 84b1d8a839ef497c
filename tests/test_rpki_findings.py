from datetime import timedelta

import pytest
from django.utils import timezone

from leases import services as lease_services
from leases.choices import Term
from rpki.checks import check_routes
from rpki.choices import FindingKind, InvalidReason, ValidationState
from rpki.imports import import_routes, import_vrps
from rpki.models import Finding, RouteObservation
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)

PARKING = 64511
HEADER = "prefix,origin_asn,first_seen,last_seen\n"


@pytest.fixture(autouse=True)
def rpki_settings(settings):
    settings.RPKI_PARKING_ASN = PARKING


@pytest.fixture
def listing(holder, make_listing):
    holder.abuse_email = "abuse@holder.example"
    holder.save()
    return make_listing(holder, "198.18.0.0/23")


@pytest.fixture
def lease(listing, lessee):
    return lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                               origin_asn=64500)


def observe(prefix, origin, seen=None):
    seen = seen or timezone.now()
    import_routes(HEADER + f"{prefix},{origin},{(seen - timedelta(hours=1)).isoformat()},{seen.isoformat()}\n")
    return check_routes()


def test_other_asn_on_lease_is_hijack(lease):
    [finding] = observe("198.18.0.0/24", 64666)
    assert finding.kind == FindingKind.HIJACK
    assert finding.lease_id == lease.pk
    assert finding.origin_asn == 64666
    assert "announced by AS64666" in finding.description


def test_more_specific_hijack_found(lease):
    [finding] = observe("198.18.0.128/25", 64666)
    assert finding.kind == FindingKind.HIJACK


def test_lessee_own_route_no_finding(lease):
    assert observe("198.18.0.0/24", 64500) == []
    assert Finding.objects.count() == 0


def test_announced_after_end_found(lease, mailoutbox):
    lease_services.terminate(lease, reason="ended early")
    [finding] = observe("198.18.0.0/24", 64500, timezone.now() + timedelta(minutes=5))
    assert finding.kind == FindingKind.AFTER_LEASE_END
    assert finding.lease_id == lease.pk


def test_holder_told_after_end(lease, mailoutbox):
    lease_services.terminate(lease, reason="ended early")
    [finding] = observe("198.18.0.0/24", 64500, timezone.now() + timedelta(minutes=5))
    assert [message.to for message in mailoutbox] == [["abuse@holder.example"]]
    assert mailoutbox[0].subject == "198.18.0.0/24 is still announced after its lease ended"
    assert finding.holder_notified_at is not None


def test_holder_told_once(lease, mailoutbox):
    lease_services.terminate(lease, reason="ended early")
    seen = timezone.now() + timedelta(minutes=5)
    observe("198.18.0.0/24", 64500, seen)
    observe("198.18.0.0/24", 64500, seen + timedelta(minutes=5))
    assert len(mailoutbox) == 1
    assert Finding.objects.count() == 1


def test_unleased_space_announced_found(listing):
    [finding] = observe("198.18.1.0/24", 64666)
    assert finding.kind == FindingKind.PARKED_ANNOUNCED
    assert finding.lease_id is None


def test_parking_asn_announcement_no_finding(listing):
    assert observe("198.18.1.0/24", PARKING) == []


def test_suspended_lease_announced_found(lease):
    lease_services.suspend(lease, reason="spam")
    [finding] = observe("198.18.0.0/24", 64500, timezone.now() + timedelta(minutes=1))
    assert finding.kind == FindingKind.PARKED_ANNOUNCED
    assert finding.lease_id == lease.pk


def test_covering_aggregate_validated_not_found(listing):
    assert observe("198.18.0.0/16", 64666) == []
    observation = RouteObservation.objects.get()
    assert observation.validation_state == ValidationState.NOT_FOUND


def test_finding_carries_validation(lease):
    import_vrps("ASN,IP Prefix,Max Length,Trust Anchor\nAS64500,198.18.0.0/24,24,platform\n")
    [finding] = observe("198.18.0.0/24", 64666)
    assert finding.validation_state == ValidationState.INVALID
    assert finding.invalid_reason == InvalidReason.WRONG_ASN


def test_hijack_raises_case(lease):
    from abuse.models import Case

    [finding] = observe("198.18.0.0/24", 64666)
    case = Case.objects.get(pk=finding.case_id)
    assert case.category == "hijack"
    assert case.lease_id == lease.pk
    assert finding.case_error == ""


def test_case_report_says_which_finding(lease):
    from abuse.models import Report

    [finding] = observe("198.18.0.0/24", 64666)
    report = Report.objects.get(source="routing")
    assert b'"finding_kind": "hijack"' in bytes(report.raw)
    assert b"Leased prefix announced by another ASN" in bytes(report.raw)


def test_after_end_raises_case(lease, mailoutbox):
    from abuse.models import Case

    lease_services.terminate(lease, reason="ended early")
    [finding] = observe("198.18.0.0/24", 64500, timezone.now() + timedelta(minutes=5))
    assert Case.objects.filter(pk=finding.case_id, category="hijack").exists()


def test_parked_announcement_raises_case(listing):
    from abuse.models import Case

    [finding] = observe("198.18.1.0/24", 64666)
    case = Case.objects.get(pk=finding.case_id)
    assert case.holder_id == listing.block.holder_id


def test_seen_again_keeps_one_case(lease):
    from abuse.models import Case

    seen = timezone.now()
    observe("198.18.0.0/24", 64666, seen)
    observe("198.18.0.0/24", 64666, seen + timedelta(minutes=5))
    assert Case.objects.count() == 1
    assert Finding.objects.count() == 1


def test_lease_without_origin_any_announcement_hijack(listing, lessee):
    lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    [finding] = observe("198.18.0.0/24", 64500)
    assert finding.kind == FindingKind.HIJACK
    assert f"(lease {lease.pk}, no origin ASN set)" in finding.description
