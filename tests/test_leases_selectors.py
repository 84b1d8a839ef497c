
import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from core.sql import server_cursor
from leases.choices import LeaseState
from leases.models import Lease
from leases.selectors import holdings_at, holdings_statement, lease_at, leases_at
from tests.abuse_helpers import place_lease, utc


@pytest.fixture
def listing(holder, make_listing):
    return make_listing(holder, "198.51.100.0/24")


@pytest.fixture
def history(listing, lessee, make_organization):
    """A /25 leased until June 2025, then a /26 inside it; the upper /25 never leased."""
    earlier = make_organization("Earlier Lessee")
    outer = place_lease(listing, earlier, "198.51.100.0/25", utc(2025, 1, 1), utc(2025, 6, 1), LeaseState.ENDED)
    inner = place_lease(listing, lessee, "198.51.100.0/26", utc(2025, 6, 1))
    return outer, inner


ADDRESSES = ["198.51.100.1", "198.51.100.63", "198.51.100.64", "198.51.100.127", "198.51.100.128",
             "198.51.100.255", "203.0.113.1"]
MOMENTS = [utc(2024, 12, 31, 23, 59), utc(2025, 1, 1), utc(2025, 5, 31, 23, 59, 59), utc(2025, 6, 1),
           utc(2026, 3, 1), utc(2030, 1, 1)]


def test_leases_at_matches_lease_at_over_history(history):
    pairs = [(address, moment) for address in ADDRESSES for moment in MOMENTS]
    assert leases_at(pairs) == [lease_at(address, moment) for address, moment in pairs]


def test_leases_at_finds_holder_of_each_period(history):
    outer, inner = history
    pairs = [("198.51.100.1", utc(2025, 3, 1)), ("198.51.100.1", utc(2025, 6, 1)),
             ("198.51.100.100", utc(2025, 3, 1)), ("198.51.100.100", utc(2025, 7, 1))]
    assert leases_at(pairs) == [outer, inner, outer, None]


def test_leases_at_follows_nested_prefixes(listing, lessee, make_organization):
    # Occupied leases cannot overlap in time, so nesting is a history:
    # the /24, then a /25 inside it, then a /26 inside that.
    wide = place_lease(listing, make_organization(), "198.51.100.0/24", utc(2025, 1, 1), utc(2025, 2, 1),
                       LeaseState.ENDED)
    middle = place_lease(listing, make_organization(), "198.51.100.0/25", utc(2025, 2, 1), utc(2025, 3, 1),
                         LeaseState.ENDED)
    narrow = place_lease(listing, lessee, "198.51.100.0/26", utc(2025, 3, 1))
    moments = [utc(2025, 1, 15), utc(2025, 2, 15), utc(2025, 3, 15)]
    assert leases_at([("198.51.100.5", moment) for moment in moments]) == [wide, middle, narrow]
    assert leases_at([("198.51.100.100", moment) for moment in moments]) == [wide, middle, None]


def test_leases_at_any_period_bounds(listing, lessee, make_organization):
    # The services write [start, end) periods. Periods written otherwise
    # still meet without overlap: [January, March] then (March, May).
    earlier = place_lease(listing, make_organization(), "198.51.100.0/25", utc(2025, 1, 1), utc(2025, 3, 1),
                          LeaseState.ENDED)
    later = place_lease(listing, lessee, "198.51.100.0/25", utc(2025, 3, 1), utc(2025, 5, 1))
    Lease.objects.filter(pk=later.pk).update(period=DateTimeTZRange(utc(2025, 3, 1), utc(2025, 5, 1), "()"))
    Lease.objects.filter(pk=earlier.pk).update(period=DateTimeTZRange(utc(2025, 1, 1), utc(2025, 3, 1), "[]"))
    moments = [utc(2025, 2, 1), utc(2025, 3, 1), utc(2025, 3, 1, 0, 0, 1), utc(2025, 5, 1)]
    assert leases_at([("198.51.100.5", moment) for moment in moments]) == [earlier, earlier, later, None]


def test_leases_at_ignores_cancelled_reservation(listing, lessee):
    place_lease(listing, lessee, "198.51.100.0/25", utc(2025, 1, 1), utc(2025, 2, 1), LeaseState.CANCELLED)
    assert leases_at([("198.51.100.5", utc(2025, 1, 15))]) == [None]


def test_leases_at_unleased_space_is_none(history):
    assert leases_at([("198.51.100.200", utc(2026, 1, 1)), ("203.0.113.1", utc(2026, 1, 1))]) == [None, None]


def test_leases_at_keeps_order_and_shares_leases(history):
    _, inner = history
    answers = leases_at([("198.51.100.2", utc(2026, 1, 1)), ("198.51.100.200", utc(2026, 1, 1)),
                         ("198.51.100.3", utc(2026, 2, 1))])
    assert answers == [inner, None, inner]
    assert answers[0] is answers[2]


def test_leases_at_loads_lessee_and_holder(history, lessee, holder, django_assert_num_queries):
    with django_assert_num_queries(2):
        lease = leases_at([("198.51.100.2", utc(2026, 1, 1))])[0]
        assert lease.lessee == lessee
        assert lease.block.holder == holder


def test_leases_at_empty_list_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert leases_at([]) == []


def test_holdings_at_edges_of_prefix_and_period(history, listing, lessee):
    outer, inner = history
    holder_id = listing.block.holder_id
    pairs = [("198.51.100.0", utc(2025, 1, 1)), ("198.51.100.127", utc(2025, 5, 31, 23, 59, 59)),
             ("198.51.100.128", utc(2025, 3, 1)), ("198.51.100.63", utc(2025, 6, 1)),
             ("198.51.100.64", utc(2025, 6, 1)), ("203.0.113.1", utc(2025, 3, 1))]
    assert [tuple(holding) for holding in holdings_at(pairs)] == [
        (outer.pk, outer.lessee_id, "198.51.100.0/25", holder_id),
        (outer.pk, outer.lessee_id, "198.51.100.0/25", holder_id),
        (None, None, None, holder_id),
        (inner.pk, lessee.pk, "198.51.100.0/26", holder_id),
        (None, None, None, holder_id),
        (None, None, None, None),
    ]


def test_holdings_query_probes_btree_index(history):
    # On a table this small the planner prefers a sequential scan, so the
    # test turns that off. The probe must then use the B-tree and not the
    # exclusion constraint's GiST index, which also matches prefix equality.
    sql, params = holdings_statement(["198.51.100.1"], [utc(2025, 3, 1)])
    with server_cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan Backward using lease_held_probe_idx on leases_lease lease" in plan
    assert "lease_no_overlap" not in plan
