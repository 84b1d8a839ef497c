"""Attribution: the lease, lessee and holder responsible for an address at a time."""

from dataclasses import dataclass

from leases.selectors import lease_at
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
    leases nest (lease_at orders by prefix length). Space no lease covered
    goes to the holder of the block around it, and space outside every block
    to the platform's queue.
    """
    lease = lease_at(address, when)
    if lease is not None:
        return Attribution(Queue.LESSEE, lease=lease, lessee=lease.lessee, holder=lease.block.holder)
    block = (
        IPBlock.objects.filter(prefix__net_contains_or_equal=str(address)).select_related("holder").first()
    )
    if block is not None:
        return Attribution(Queue.HOLDER, holder=block.holder)
    return Attribution(Queue.PLATFORM)


def space_under_rpki_control(lease):
    """Whether the platform controlled the ROAs of the lease's space when the case opened.

    Metrics split handling times by this flag, which is recorded when a case opens.
    """
    from rpki.selectors import prefix_under_rpki_control

    return prefix_under_rpki_control(lease.prefix)
