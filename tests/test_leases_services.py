import ipaddress
import threading
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from leases import services
from leases.allocation import first_free_prefix
from leases.choices import LeaseState, Term
from leases.exceptions import InvalidTransition, LeaseConflict, LeaseError
from leases.models import Lease, LeaseEvent
from leases.periods import add_months
from leases.selectors import lease_at
from leases.tasks import process_due_leases_task, release_lapsed_reservations_task
from marketplace.choices import ListingStatus, Terms
from marketplace.models import IPBlock

net = ipaddress.IPv4Network


def test_first_free_prefix_empty_block():
    assert first_free_prefix(net("198.18.0.0/22"), 24, []) == net("198.18.0.0/24")


def test_first_free_prefix_skips_occupied_and_keeps_alignment():
    occupied = [net("198.18.0.0/25"), net("198.18.1.0/24")]
    assert first_free_prefix(net("198.18.0.0/22"), 24, occupied) == net("198.18.2.0/24")


def test_first_free_prefix_fills_gap_of_smaller_size():
    occupied = [net("198.18.0.0/25")]
    assert first_free_prefix(net("198.18.0.0/24"), 25, occupied) == net("198.18.0.128/25")


def test_first_free_prefix_full_block_returns_none():
    assert first_free_prefix(net("198.18.0.0/23"), 24, [net("198.18.0.0/24"), net("198.18.1.0/24")]) is None


def test_add_months_clamps_to_month_end():
    start = datetime(2026, 1, 31, 12, 0, tzinfo=dt_timezone.utc)
    assert add_months(start, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=dt_timezone.utc)
    assert add_months(start, 12) == datetime(2027, 1, 31, 12, 0, tzinfo=dt_timezone.utc)


def test_block_overlap_rejected_by_database(holder, make_organization):
    IPBlock.objects.create(prefix="198.18.0.0/22", holder=holder, rir="ripe", country="NL")
    other = make_organization()
    with pytest.raises(IntegrityError, match="ipblock_no_overlap"):
        with transaction.atomic():
            IPBlock.objects.create(prefix="198.18.2.0/24", holder=other, rir="arin", country="US")


def test_reserve_allocates_first_free_prefix(holder, lessee, make_listing):
    listing = make_listing(holder, "198.18.0.0/22")
    first = services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    second = services.reserve(listing=listing, lessee=lessee, prefix_length=23, term=Term.MONTHLY)
    assert first.prefix == net("198.18.0.0/24")
    assert second.prefix == net("198.18.2.0/23")
    assert first.state == LeaseState.RESERVED


def test_reserve_rejects_unaccepted_term(holder, lessee, make_listing):
    listing = make_listing(holder, terms=Terms.YEARLY)
    with pytest.raises(LeaseError, match="does not accept monthly terms"):
        services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)


def test_reserve_rejects_draft_listing(holder, lessee, make_listing):
    listing = make_listing(holder, status=ListingStatus.DRAFT)
    with pytest.raises(LeaseError, match="not published"):
        services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)


def test_reserve_rejects_prefix_longer_than_listing_allows(holder, lessee, make_listing):
    listing = make_listing(holder, "198.18.0.0/22", max_prefix_length=23)
    with pytest.raises(LeaseError, match="choose one of /22, /23"):
        services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)


def test_reserve_rejects_own_block(holder, make_listing):
    listing = make_listing(holder)
    with pytest.raises(LeaseError, match="its own block"):
        services.reserve(listing=listing, lessee=holder, prefix_length=24, term=Term.MONTHLY)


def test_yearly_price_applies_discount(holder, lessee, make_listing):
    listing = make_listing(holder, price="0.50", yearly_discount_percent="10")
    lease = services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.YEARLY)
    assert str(lease.price_per_ip_month) == "0.4500"
    assert lease.period.upper == add_months(lease.period.lower, 12)


def test_full_block_raises_conflict(holder, lessee, make_listing, make_organization):
    listing = make_listing(holder)
    services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    with pytest.raises(LeaseConflict, match="No /24 is free in 198.51.100.0/24"):
        services.reserve(listing=listing, lessee=make_organization(), prefix_length=24, term=Term.MONTHLY)


def test_lapsed_reservation_frees_space_for_next_request(holder, lessee, make_listing, make_organization):
    listing = make_listing(holder)
    with time_machine.travel(datetime(2026, 5, 1, 10, 0, tzinfo=dt_timezone.utc), tick=False):
        first = services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    with time_machine.travel(datetime(2026, 5, 1, 10, 21, tzinfo=dt_timezone.utc), tick=False):
        second = services.reserve(listing=listing, lessee=make_organization(), prefix_length=24, term=Term.MONTHLY)
    first.refresh_from_db()
    assert first.state == LeaseState.CANCELLED
    assert second.prefix == first.prefix


def test_reservation_still_holds_at_nineteen_minutes(holder, lessee, make_listing, make_organization):
    listing = make_listing(holder)
    with time_machine.travel(datetime(2026, 5, 1, 10, 0, tzinfo=dt_timezone.utc), tick=False):
        services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    with time_machine.travel(datetime(2026, 5, 1, 10, 19, tzinfo=dt_timezone.utc), tick=False):
        with pytest.raises(LeaseConflict):
            services.reserve(listing=listing, lessee=make_organization(), prefix_length=24, term=Term.MONTHLY)


def test_release_lapsed_reservations_task_cancels_after_twenty_minutes(holder, lessee, make_listing):
    listing = make_listing(holder)
    with time_machine.travel(datetime(2026, 5, 1, 10, 0, tzinfo=dt_timezone.utc), tick=False):
        lease = services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    with time_machine.travel(datetime(2026, 5, 1, 10, 19, 59, tzinfo=dt_timezone.utc), tick=False):
        assert release_lapsed_reservations_task() == 0
    with time_machine.travel(datetime(2026, 5, 1, 10, 20, tzinfo=dt_timezone.utc), tick=False):
        assert release_lapsed_reservations_task() == 1
    lease.refresh_from_db()
    assert lease.state == LeaseState.CANCELLED
    assert list(lease.events.values_list("kind", flat=True)) == ["reserved", "lapsed"]


def test_activate_after_lapse_raises_conflict(holder, lessee, make_listing):
    listing = make_listing(holder)
    with time_machine.travel(datetime(2026, 5, 1, 10, 0, tzinfo=dt_timezone.utc), tick=False):
        lease = services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    with time_machine.travel(datetime(2026, 5, 1, 10, 30, tzinfo=dt_timezone.utc), tick=False):
        with pytest.raises(LeaseConflict, match="ran out"):
            services.activate(lease)
    lease.refresh_from_db()
    assert lease.state == LeaseState.CANCELLED


def test_monthly_lease_renews_for_one_calendar_month(holder, lessee, make_listing):
    listing = make_listing(holder)
    with time_machine.travel(datetime(2026, 1, 31, 9, 0, tzinfo=dt_timezone.utc), tick=False):
        lease = services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    assert lease.period.upper == datetime(2026, 2, 28, 9, 0, tzinfo=dt_timezone.utc)
    with time_machine.travel(datetime(2026, 2, 28, 9, 1, tzinfo=dt_timezone.utc), tick=False):
        assert process_due_leases_task() == 1
    lease.refresh_from_db()
    assert lease.state == LeaseState.ACTIVE
    assert lease.period.upper == datetime(2026, 3, 28, 9, 0, tzinfo=dt_timezone.utc)
    assert lease.renewal_count == 1


def test_lease_without_renewal_ends(holder, lessee, make_listing):
    listing = make_listing(holder)
    with time_machine.travel(datetime(2026, 3, 1, 0, 0, tzinfo=dt_timezone.utc), tick=False):
        lease = services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                              auto_renew=False)
    with time_machine.travel(datetime(2026, 4, 1, 0, 5, tzinfo=dt_timezone.utc), tick=False):
        process_due_leases_task()
    lease.refresh_from_db()
    assert lease.state == LeaseState.ENDED
    assert lease.ended_at == datetime(2026, 4, 1, 0, 0, tzinfo=dt_timezone.utc)
    assert lease_at("198.51.100.7", datetime(2026, 3, 15, tzinfo=dt_timezone.utc)) == lease
    assert lease_at("198.51.100.7", datetime(2026, 4, 2, tzinfo=dt_timezone.utc)) is None


def test_suspended_lease_ends_at_term_instead_of_renewing(holder, lessee, make_listing):
    listing = make_listing(holder)
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=dt_timezone.utc), tick=False):
        lease = services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
        services.suspend(lease, reason="spam")
    with time_machine.travel(datetime(2026, 4, 2, tzinfo=dt_timezone.utc), tick=False):
        process_due_leases_task()
    lease.refresh_from_db()
    assert lease.state == LeaseState.ENDED


def test_lease_at_prefers_history_over_current_lessee(holder, lessee, make_listing, make_organization):
    listing = make_listing(holder)
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=dt_timezone.utc), tick=False):
        old = services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    with time_machine.travel(datetime(2026, 1, 10, tzinfo=dt_timezone.utc), tick=False):
        services.terminate(old, reason="moved out")
    newcomer = make_organization()
    with time_machine.travel(datetime(2026, 1, 11, tzinfo=dt_timezone.utc), tick=False):
        new = services.rent(listing=listing, lessee=newcomer, prefix_length=24, term=Term.MONTHLY)
    assert lease_at("198.51.100.200", datetime(2026, 1, 5, tzinfo=dt_timezone.utc)).lessee == lessee
    assert lease_at("198.51.100.200", datetime(2026, 1, 12, tzinfo=dt_timezone.utc)) == new


def test_suspend_requires_active_lease(holder, lessee, make_listing):
    listing = make_listing(holder)
    lease = services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    with pytest.raises(InvalidTransition, match="only an active lease can be suspended"):
        services.suspend(lease, reason="spam")


def test_exclusion_constraint_rejects_overlapping_lease_rows(holder, lessee, make_listing):
    listing = make_listing(holder)
    lease = services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    with pytest.raises(IntegrityError, match="lease_no_overlap"):
        with transaction.atomic():
            Lease.objects.create(
                listing=listing, block=listing.block, lessee=lessee, prefix="198.51.100.128/25",
                term=Term.MONTHLY, price_per_ip_month="1", currency="USD", state=LeaseState.ACTIVE,
                period=DateTimeTZRange(lease.period.lower + timedelta(days=1), lease.period.upper + timedelta(days=40)),
            )


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_reservations_yield_one_lease(holder, make_listing, make_organization):
    listing = make_listing(holder)
    lessees = [make_organization() for _ in range(20)]
    barrier = threading.Barrier(20)
    outcomes = []
    lock = threading.Lock()

    def attempt(organization):
        try:
            barrier.wait()
            lease = services.reserve(listing=listing, lessee=organization, prefix_length=24, term=Term.MONTHLY)
            result = ("lease", lease.pk)
        except LeaseConflict:
            result = ("conflict", None)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(organization,)) for organization in lessees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(kind for kind, _ in outcomes) == ["conflict"] * 19 + ["lease"]
    assert Lease.objects.filter(listing=listing).exclude(state=LeaseState.CANCELLED).count() == 1


def test_lease_events_record_lifecycle(holder, lessee, make_listing):
    listing = make_listing(holder)
    lease = services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    services.suspend(lease, reason="spam case 7")
    services.unsuspend(lease)
    services.terminate(lease, reason="customer left")
    assert list(LeaseEvent.objects.filter(lease=lease).values_list("kind", "to_state")) == [
        ("reserved", "reserved"), ("activated", "active"), ("suspended", "suspended"),
        ("unsuspended", "active"), ("terminated", "ended"),
    ]


@pytest.mark.parametrize(("asn", "reason"), [(23456, "AS_TRANS"), (65535, "reserved"), (4294967295, "reserved")])
def test_reserved_origin_asn_rejected(holder, lessee, make_listing, asn, reason):
    listing = make_listing(holder)
    with pytest.raises(LeaseError, match=f"Origin ASN {asn} is {reason}"):
        services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY, origin_asn=asn)


@pytest.mark.parametrize("status", ["unverified", "pending", "failed"])
def test_listing_on_unverified_block_cannot_be_rented(holder, lessee, make_listing, status):
    listing = make_listing(holder)
    listing.block.verification_status = status
    listing.block.save()
    with pytest.raises(LeaseError) as raised:
        services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    assert (raised.value.code, raised.value.message) == (
        "unverified", f"Block {listing.block.prefix} is not verified, so it cannot be rented until its holder "
                      "proves control of it; choose another listing.")
