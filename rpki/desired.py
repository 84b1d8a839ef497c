"""The ROA set the platform wants published, derived from blocks and leases.

An active lease with an origin ASN gets a ROA to that ASN for its prefix.
Every other part of a controlled block is parked. A suspended lease, an
active lease without an origin ASN, and unleased space (including the
space of ended leases) get a ROA to the parking ASN, or an AS0 ROA where
the block's policy or RPKI_PARK_WITH_AS0 requests it.
"""

from dataclasses import dataclass
from ipaddress import IPv4Network

from django.conf import settings
from django.db.models import Q

from leases.choices import LeaseState
from leases.models import Lease
from marketplace.choices import ListingStatus
from marketplace.models import IPBlock

from .choices import RoaPurpose

# Listing states in which the space stays on the platform and so under its
# RPKI control. Draft and withdrawn blocks are left to their holders unless
# a lease still runs in them.
CONTROLLED_LISTING_STATES = (ListingStatus.PUBLISHED, ListingStatus.PAUSED)
HELD_STATES = (LeaseState.ACTIVE, LeaseState.SUSPENDED)


@dataclass(frozen=True)
class DesiredRoa:
    prefix: IPv4Network
    asn: int
    max_length: int
    purpose: str
    block_id: int
    lease_id: int | None = None

    @property
    def key(self):
        return (self.prefix, self.asn, self.max_length)


def controlled_blocks():
    """Return the blocks whose ROAs the platform publishes."""
    return IPBlock.objects.filter(
        Q(listing__status__in=CONTROLLED_LISTING_STATES) | Q(leases__state__in=HELD_STATES)
    ).distinct()


def parks_with_as0(block):
    policy = getattr(block, "rpki_policy", None)
    if policy is not None and policy.park_with_as0 is not None:
        return policy.park_with_as0
    return settings.RPKI_PARK_WITH_AS0


def lease_max_length(lease):
    """Return the lease ROA's maxLength: the prefix length unless the lessee requested more."""
    request = getattr(lease, "roa_request", None)
    length = lease.prefix.prefixlen
    if request is not None and length <= request.max_length <= 32:
        return request.max_length
    return length


def free_pieces(prefix, taken):
    """Split `prefix` minus the `taken` prefixes into the fewest CIDR prefixes, in address order."""
    inside = [net for net in taken if net.overlaps(prefix)]
    if not inside:
        return [prefix]
    if any(net.supernet_of(prefix) for net in inside):
        return []
    low, high = prefix.subnets(1)
    return free_pieces(low, inside) + free_pieces(high, inside)


def parking_roa(prefix, block, *, as0, lease_id=None):
    if as0:
        return DesiredRoa(prefix, 0, prefix.prefixlen, RoaPurpose.AS0, block.pk, lease_id)
    return DesiredRoa(
        prefix, settings.RPKI_PARKING_ASN, prefix.prefixlen, RoaPurpose.PARKING, block.pk, lease_id
    )


def desired_for_block(block, leases):
    """Return the desired ROAs of one block given its active and suspended leases."""
    as0 = parks_with_as0(block)
    roas = []
    for lease in leases:
        if lease.state == LeaseState.ACTIVE and lease.origin_asn:
            roas.append(
                DesiredRoa(
                    lease.prefix, lease.origin_asn, lease_max_length(lease), RoaPurpose.LEASE,
                    block.pk, lease.pk,
                )
            )
        else:
            roas.append(parking_roa(lease.prefix, block, as0=as0, lease_id=lease.pk))
    for piece in free_pieces(block.prefix, [lease.prefix for lease in leases]):
        roas.append(parking_roa(piece, block, as0=as0))
    return roas


def desired_roas():
    """Return the desired ROAs of every controlled block, keyed by (prefix, ASN, maxLength)."""
    blocks = list(controlled_blocks().select_related("rpki_policy"))
    leases_by_block = {}
    held = (
        Lease.objects.filter(block__in=blocks, state__in=HELD_STATES)
        .select_related("roa_request")
        .order_by("prefix")
    )
    for lease in held:
        leases_by_block.setdefault(lease.block_id, []).append(lease)
    desired = {}
    for block in blocks:
        for roa in desired_for_block(block, leases_by_block.get(block.pk, [])):
            desired[roa.key] = roa
    return desired
