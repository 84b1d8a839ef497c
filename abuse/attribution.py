"""Attribution: the lease, lessee and holder responsible for an address at a time."""

from dataclasses import dataclass

from accounts.models import Organization
from leases.models import Lease
from leases.selectors import holdings_at

from .choices import Queue


@dataclass(frozen=True)
class Attribution:
    queue: str
    lease: object = None
    lessee: object = None
    holder: object = None


def attribute(address, when):
    """Return the lease, lessee and holder responsible for `address` at `when`.

    The lease that held the address then wins, the most specific one when
    leases nest. Space no lease covered goes to the holder of the block
    around it, and space outside every block to the platform's queue.
    """
    return attribute_many([(address, when)])[0]


def attribute_many(pairs):
    """Return an Attribution for each (address, time) pair, in order.

    The same results as `attribute` for each pair, in three queries for the
    whole list: the holdings, then the leases and the holders they name.
    """
    holdings = holdings_at(pairs)
    leases = Lease.objects.select_related("lessee", "block__holder", "listing").in_bulk(
        {holding.lease_id for holding in holdings if holding.lease_id is not None}
    )
    holders = Organization.objects.in_bulk(
        {holding.holder_id for holding in holdings if holding.lease_id is None and holding.holder_id is not None}
    )
    attributions = []
    for holding in holdings:
        lease = leases.get(holding.lease_id)
        if lease is not None:
            attributions.append(Attribution(Queue.LESSEE, lease=lease, lessee=lease.lessee, holder=lease.block.holder))
        else:
            attributions.append(Attribution(queue_of(holding), holder=holders.get(holding.holder_id)))
    return attributions


def queue_of(holding):
    """Return the queue a Holding's cases go to."""
    if holding.lease_id is not None:
        return Queue.LESSEE
    return Queue.HOLDER if holding.holder_id is not None else Queue.PLATFORM


def grouping_prefix_of(holding):
    """Return the first part of the grouping key of a Holding's cases: its lease, else its holder, else the platform."""
    if holding.lease_id is not None:
        return f"lease:{holding.lease_id}"
    if holding.holder_id is not None:
        return f"holder:{holding.holder_id}"
    return "platform"
