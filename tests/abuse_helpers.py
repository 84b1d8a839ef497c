"""Helpers for the abuse tests: leases with history, placed directly in the table."""

from datetime import datetime, timezone as dt_timezone
from decimal import Decimal

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from leases.choices import LeaseState, Term
from leases.models import Lease


def utc(*args):
    return datetime(*args, tzinfo=dt_timezone.utc)


def place_lease(listing, lessee, prefix, start, end=None, state=LeaseState.ACTIVE):
    """Create a lease of `prefix` held by `lessee` from `start` to `end` (open when None)."""
    return Lease.objects.create(
        listing=listing,
        block=listing.block,
        lessee=lessee,
        prefix=prefix,
        term=Term.MONTHLY,
        price_per_ip_month=Decimal("0.45"),
        currency="USD",
        period=DateTimeTZRange(start, end or utc(2030, 1, 1), "[)"),
        state=state,
        activated_at=start,
        ended_at=end if state == LeaseState.ENDED else None,
    )
