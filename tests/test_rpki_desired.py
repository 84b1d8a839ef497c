import ipaddress

import pytest

from leases import services as lease_services
from leases.choices import Term
from marketplace.choices import ListingStatus
from rpki import services
from rpki.choices import RoaPurpose
from rpki.desired import desired_roas, free_pieces
from rpki.exceptions import RpkiError
from rpki.models import BlockRpkiPolicy
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)

net = ipaddress.IPv4Network
PARKING = 64511


def roa_set(desired=None):
    desired = desired_roas() if desired is None else desired
    return {(str(roa.prefix), roa.asn, roa.max_length, roa.purpose) for roa in desired.values()}


@pytest.fixture(autouse=True)
def parking_asn(settings):
    settings.RPKI_PARKING_ASN = PARKING
    settings.RPKI_PARK_WITH_AS0 = False


def test_free_pieces_splits_around_taken():
    pieces = free_pieces(net("198.51.100.0/24"), [net("198.51.100.64/26")])
    assert pieces == [net("198.51.100.0/26"), net("198.51.100.128/25")]


def test_free_pieces_fully_taken():
    assert free_pieces(net("198.51.100.0/25"), [net("198.51.100.0/24")]) == []


def test_unleased_listing_is_parked(holder, make_listing):
    make_listing(holder, "198.51.100.0/24")
    assert roa_set() == {("198.51.100.0/24", PARKING, 24, RoaPurpose.PARKING)}


def test_draft_listing_not_controlled(holder, make_listing):
    make_listing(holder, "198.51.100.0/24", status=ListingStatus.DRAFT)
    assert roa_set() == set()


def test_lease_life_moves_roa(holder, lessee, make_listing):
    listing = make_listing(holder, "198.18.0.0/23")
    lease = lease_services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                                   origin_asn=64500)
    assert roa_set() == {("198.18.0.0/23", PARKING, 23, RoaPurpose.PARKING)}

    lease_services.activate(lease)
    assert roa_set() == {
        ("198.18.0.0/24", 64500, 24, RoaPurpose.LEASE),
        ("198.18.1.0/24", PARKING, 24, RoaPurpose.PARKING),
    }

    lease_services.suspend(lease, reason="spam")
    assert roa_set() == {
        ("198.18.0.0/24", PARKING, 24, RoaPurpose.PARKING),
        ("198.18.1.0/24", PARKING, 24, RoaPurpose.PARKING),
    }

    lease_services.unsuspend(lease)
    assert roa_set() == {
        ("198.18.0.0/24", 64500, 24, RoaPurpose.LEASE),
        ("198.18.1.0/24", PARKING, 24, RoaPurpose.PARKING),
    }

    lease_services.terminate(lease, reason="contract ended")
    assert roa_set() == {("198.18.0.0/23", PARKING, 23, RoaPurpose.PARKING)}


def test_suspended_parking_roa_names_lease(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                                origin_asn=64500)
    lease_services.suspend(lease, reason="spam")
    [roa] = desired_roas().values()
    assert roa.lease_id == lease.pk
    assert roa.asn == PARKING


def test_lease_without_origin_is_parked(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    assert roa_set() == {("198.51.100.0/24", PARKING, 24, RoaPurpose.PARKING)}


def test_ended_by_term_is_parked(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                                origin_asn=64500, auto_renew=False)
    lease_services.renew_or_end(lease, lease.period.upper)
    assert roa_set() == {("198.51.100.0/24", PARKING, 24, RoaPurpose.PARKING)}


def test_requested_max_length_used(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                                origin_asn=64500)
    services.request_max_length(lease, 26)
    assert roa_set() == {("198.51.100.0/24", 64500, 26, RoaPurpose.LEASE)}


def test_max_length_outside_lease_rejected(holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                                origin_asn=64500)
    with pytest.raises(RpkiError, match="maxLength 23 is outside the lease 198.51.100.0/24; choose 24 to 32"):
        services.request_max_length(lease, 23)


def test_as0_preference_from_settings(holder, make_listing, settings):
    settings.RPKI_PARK_WITH_AS0 = True
    make_listing(holder, "198.51.100.0/24")
    assert roa_set() == {("198.51.100.0/24", 0, 24, RoaPurpose.AS0)}


def test_block_policy_overrides_default(holder, make_listing, settings):
    settings.RPKI_PARK_WITH_AS0 = True
    listing = make_listing(holder, "198.51.100.0/24")
    BlockRpkiPolicy.objects.create(block=listing.block, park_with_as0=False)
    assert roa_set() == {("198.51.100.0/24", PARKING, 24, RoaPurpose.PARKING)}
