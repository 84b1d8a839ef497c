"""Attribution: the lease, lessee and holder responsible for an address at a time."""

import ipaddress
from dataclasses import dataclass

from django.db import connection

from leases.selectors import leases_at
from marketplace.models import IPBlock

from .choices import Queue


@dataclass(frozen=True)
class Attribution:
    queue: str
    lease: object = None
    lessee: object = None
    holder: object = None

    @property
    def grouping_prefix(self):
        if self.lease is not None:
            return f"lease:{self.lease.pk}"
        if self.holder is not None:
            return f"holder:{self.holder.pk}"
        return "platform"


def attribute(address, when):
    """Return the lease, lessee and holder responsible for `address` at `when`.

    The lease that held the address then wins, the most specific one when
    leases nest. Space no lease covered goes to the holder of the block
    around it, and space outside every block to the platform's queue.
    """
    return attribute_many([(address, when)])[0]


def attribute_many(pairs):
    """Return an Attribution for each (address, time) pair, in order.

    The same results as `attribute` for each pair, in at most three queries
    for the whole list: the leases, then the blocks around the unleased
    addresses with their holders.
    """
    pairs = list(pairs)
    leases = leases_at(pairs)
    unleased = sorted({str(ipaddress.IPv4Address(str(pairs[index][0])))
                       for index, lease in enumerate(leases) if lease is None})
    holders = _holders_of(unleased)
    attributions = []
    for (address, _), lease in zip(pairs, leases):
        if lease is not None:
            attributions.append(
                Attribution(Queue.LESSEE, lease=lease, lessee=lease.lessee, holder=lease.block.holder)
            )
            continue
        holder = holders.get(str(ipaddress.IPv4Address(str(address))))
        attributions.append(Attribution(Queue.HOLDER, holder=holder) if holder else Attribution(Queue.PLATFORM))
    return attributions


_BLOCKS_AROUND_SQL = f"""
    SELECT host(address), block.id
    FROM unnest(%s::inet[]) AS address
    JOIN LATERAL (
        SELECT id FROM {IPBlock._meta.db_table}
        WHERE prefix >>= address
        ORDER BY masklen(prefix) DESC
        LIMIT 1
    ) AS block ON true
"""


def _holders_of(addresses):
    """Return {address: holder} for the addresses inside a registered block."""
    if not addresses:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_BLOCKS_AROUND_SQL, [addresses])
        block_of = dict(cursor.fetchall())
    blocks = IPBlock.objects.select_related("holder").in_bulk(set(block_of.values()))
    return {address: blocks[pk].holder for address, pk in block_of.items()}


def leases_under_rpki_control(leases):
    """Return the ids of the `leases` whose ROAs the platform controls now.

    Metrics split handling times by this, recorded on each case when it opens.
    """
    from rpki.selectors import leases_under_rpki_control as controlled_lease_ids

    return controlled_lease_ids(leases)
