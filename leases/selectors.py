"""Read-only queries about leases."""

import ipaddress
from typing import NamedTuple

from django.db.models import Func, IntegerField
from django.utils import timezone

from core.fields import ADDRESS_SPAN_SQL, address_number_sql
from core.sql import array_literal, server_cursor
from marketplace.models import IPBlock

from .choices import LIVE_STATES, OCCUPYING_STATES
from .models import Lease


class MaskLength(Func):
    function = "masklen"
    output_field = IntegerField()


class Holding(NamedTuple):
    """The holders of an address at a time: the lease with its lessee and prefix (text), and the block's holder."""

    lease_id: int | None
    lessee_id: int | None
    prefix: str | None
    holder_id: int | None


# One row per (address, time) pair, in the order given: the most specific
# lease that held the address then, and the holder of its block, or for an
# address no lease held, of the most specific block around it. The address
# test and the state list match lease_held_span_idx, so each pair is one
# probe of that GiST index. The holder of a lease's block is a subquery on
# the block's key: as a join, the planner hashed the whole block table once
# per pair. The block lookup by address runs only for addresses no lease
# held.
_HOLDINGS_AT_SQL = f"""
    SELECT held.id, held.lessee_id, held.prefix, coalesce(held.holder_id, around.holder_id)
    FROM unnest(%s::inet[], %b::timestamptz[]) WITH ORDINALITY AS pair(address, at, position)
    LEFT JOIN LATERAL (
        SELECT lease.id, lease.lessee_id, lease.prefix,
               (SELECT block.holder_id FROM {IPBlock._meta.db_table} AS block WHERE block.id = lease.block_id)
               AS holder_id
        FROM {Lease._meta.db_table} AS lease
        WHERE {ADDRESS_SPAN_SQL.format("lease.prefix")} @> {address_number_sql("pair.address")}
          AND lease.period @> pair.at
          AND lease.state IN ({", ".join(["%s"] * len(OCCUPYING_STATES))})
        ORDER BY masklen(lease.prefix) DESC, lease.id
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
    return _HOLDINGS_AT_SQL, [array_literal(addresses), list(times), *OCCUPYING_STATES]


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
