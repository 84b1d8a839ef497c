"""Read-only queries about leases."""

import ipaddress

from django.db.models import F, Func, IntegerField
from django.utils import timezone

from .choices import LIVE_STATES, OCCUPYING_STATES
from .models import Lease


class MaskLength(Func):
    function = "masklen"
    output_field = IntegerField()


def lease_at(address, when=None):
    """Return the lease that held `address` at `when` (default: now), or None.

    Cancelled reservations never held space and are ignored. When prefixes
    nest, the most specific lease wins.
    """
    when = when or timezone.now()
    address = ipaddress.IPv4Address(str(address))
    return (
        Lease.objects.filter(
            prefix__net_contains_or_equal=address,
            period__contains=when,
            state__in=OCCUPYING_STATES,
        )
        .select_related("lessee", "block__holder", "listing")
        .annotate(prefix_length=MaskLength(F("prefix")))
        .order_by("-prefix_length")
        .first()
    )


def live_leases():
    """Return the leases whose lessee may announce their space now, or is suspended from it."""
    return Lease.objects.filter(state__in=LIVE_STATES)
