"""Read-only queries about leases."""

import ipaddress

from django.db import connection
from django.db.models import Func, IntegerField
from django.utils import timezone

from .choices import LIVE_STATES, OCCUPYING_STATES
from .models import Lease


class MaskLength(Func):
    function = "masklen"
    output_field = IntegerField()


# One row per (address, time) pair, in the order given: the id of the most
# specific lease that held the address then, or NULL. The state list matches
# the WHERE clause of the lease_no_overlap GiST index, so each pair is one
# index probe on (prefix, period).
_LEASES_AT_SQL = f"""
    SELECT held.id
    FROM unnest(%s::inet[], %s::timestamptz[]) WITH ORDINALITY AS pair(address, at, position)
    LEFT JOIN LATERAL (
        SELECT lease.id
        FROM {Lease._meta.db_table} AS lease
        WHERE lease.prefix >>= pair.address
          AND lease.period @> pair.at
          AND lease.state IN ({", ".join(["%s"] * len(OCCUPYING_STATES))})
        ORDER BY masklen(lease.prefix) DESC, lease.id
        LIMIT 1
    ) AS held ON true
    ORDER BY pair.position
"""


def lease_ids_at(pairs):
    """Return, for each (address, time) pair, the id of the lease that held it, or None.

    One query for all pairs, with the results in the order of `pairs`.
    """
    pairs = list(pairs)
    if not pairs:
        return []
    addresses = [str(ipaddress.IPv4Address(str(address))) for address, _ in pairs]
    moments = [when for _, when in pairs]
    with connection.cursor() as cursor:
        cursor.execute(_LEASES_AT_SQL, [addresses, moments, *OCCUPYING_STATES])
        return [row[0] for row in cursor.fetchall()]


def leases_at(pairs):
    """Return, for each (address, time) pair, the lease that held the address then, or None.

    The bulk form of `lease_at`, with the same results: two queries however
    many pairs there are. Each lease comes with its lessee, block, holder and
    listing loaded, and pairs that share a lease share the object.
    """
    ids = lease_ids_at(pairs)
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
