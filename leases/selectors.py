"""Read-only queries about leases."""

import ipaddress
from typing import NamedTuple

from django.utils import timezone

from core.sql import array_literal, server_cursor
from marketplace.models import IPBlock

from .choices import LIVE_STATES, OCCUPYING_STATES
from .models import Lease


class Holding(NamedTuple):
    """The holders of an address at a time: the lease with its lessee and prefix (text), and the block's holder."""

    lease_id: int | None
    lessee_id: int | None
    prefix: str | None
    holder_id: int | None


# One row per (address, time) pair, in the order given: the lease that held
# the address then, and the holder of its block, or for an address no lease
# held, of the most specific block around it.
#
# Occupying leases never overlap in both prefix and period (constraint
# lease_no_overlap), so at most one lease contains a pair. The query tries
# each prefix length in use, longest first, as one probe of the B-tree
# lease_held_probe_idx, and stops at the first lease found.
#
# A probe reads the two leases of that prefix that started last at or
# before the time. The later one contains the pair unless its period ended
# before the time. The earlier one can contain it only when the later one
# starts exactly then with an exclusive lower bound, after an inclusive
# upper bound. The services write only [start, end) periods, but the
# query does not rely on that.
#
# The index key is the first address as a number, not the prefix, because
# the exclusion constraint's GiST index also matches prefix equality and
# is slower. The `length` CTE is read only as far as the probes go.
#
# The holder of a lease's block is a subquery on the block's key, because
# as a join the planner hashed the whole block table once per pair. The
# block lookup by address runs only for addresses that no lease contained.
_STATES = ", ".join(["%s"] * len(OCCUPYING_STATES))
_HOLDINGS_AT_SQL = f"""
    WITH RECURSIVE length(value) AS (
        SELECT max(masklen(prefix)) FROM {Lease._meta.db_table} WHERE state IN ({_STATES})
      UNION ALL
        SELECT (
            SELECT max(masklen(lease.prefix)) FROM {Lease._meta.db_table} AS lease
            WHERE masklen(lease.prefix) < length.value AND lease.state IN ({_STATES})
        )
        FROM length WHERE length.value IS NOT NULL
    )
    SELECT held.id, held.lessee_id, held.prefix, coalesce(held.holder_id, around.holder_id)
    FROM unnest(%s::inet[], %b::timestamptz[]) WITH ORDINALITY AS pair(address, at, position)
    LEFT JOIN LATERAL (
        SELECT lease.id, lease.lessee_id, lease.prefix,
               (SELECT block.holder_id FROM {IPBlock._meta.db_table} AS block WHERE block.id = lease.block_id)
               AS holder_id
        FROM length
        CROSS JOIN LATERAL (
            SELECT lease.id, lease.lessee_id, lease.prefix, lease.block_id, lease.period
            FROM {Lease._meta.db_table} AS lease
            WHERE masklen(lease.prefix) = length.value
              AND (lease.prefix::inet - '0.0.0.0'::inet)
                  = (network(set_masklen(pair.address, length.value))::inet - '0.0.0.0'::inet)
              AND lower(lease.period) <= pair.at
              AND lease.state IN ({_STATES})
            ORDER BY lower(lease.period) DESC
            LIMIT 2
        ) AS lease
        WHERE length.value IS NOT NULL AND lease.period @> pair.at
        LIMIT 1
    ) AS held ON true
    LEFT JOIN LATERAL (
        SELECT block.holder_id
        FROM {IPBlock._meta.db_table} AS block
        WHERE held.id IS NULL AND block.prefix >>= pair.address
        ORDER BY masklen(block.prefix) DESC
        LIMIT 1
    ) AS around ON true
    ORDER BY pair.position
"""


def holdings_at(pairs):
    """Return a Holding for each (address, time) pair, in order, in one query of plain ids.

    For callers that attribute many addresses and need no model objects.
    `holder_id` is None for space outside every registered block.
    """
    pairs = list(pairs)
    statement = holdings_statement([_address_text(address) for address, _ in pairs], [when for _, when in pairs])
    if statement is None:
        return []
    with server_cursor() as cursor:
        cursor.execute(*statement)
        return holdings_from_rows(cursor.fetchall())


def holdings_statement(addresses, times):
    """Return the (sql, params) of the `holdings_at` query for the pairs of `addresses` and `times`, or None for none.

    `addresses` are normalised text forms of IPv4 addresses. For a caller
    that sends the query in a pipeline and reads the rows later with
    `holdings_from_rows`. The times go in binary, so run it on
    core.sql.server_cursor().
    """
    if not addresses:
        return None
    states = list(OCCUPYING_STATES)
    # The states fill the two lookups of the `length` CTE, then the probe.
    return _HOLDINGS_AT_SQL, [*states, *states, array_literal(addresses), list(times), *states]


def holdings_from_rows(rows):
    """Return the Holding of each row of the `holdings_at` query."""
    return list(map(Holding._make, rows))


def _address_text(address):
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    return str(ipaddress.IPv4Address(str(address)))


def leases_at(pairs):
    """Return, for each (address, time) pair, the lease that held the address then, or None.

    The bulk form of `lease_at`, with the same results: two queries however
    many pairs there are. Each lease comes with its lessee, block, holder and
    listing loaded, and pairs that share a lease share the object.
    """
    ids = [holding.lease_id for holding in holdings_at(pairs)]
    found = {pk for pk in ids if pk is not None}
    leases = (
        Lease.objects.select_related("lessee", "block__holder", "listing").in_bulk(found) if found else {}
    )
    return [leases.get(pk) if pk is not None else None for pk in ids]


def lease_at(address, when=None):
    """Return the lease that held `address` at `when` (default: now), or None.

    Cancelled reservations never held space and are ignored. When prefixes
    nest, the most specific lease wins.
    """
    return leases_at([(address, when or timezone.now())])[0]


def live_leases():
    """Return the leases whose lessee may announce their space now, or is suspended from it."""
    return Lease.objects.filter(state__in=LIVE_STATES)
