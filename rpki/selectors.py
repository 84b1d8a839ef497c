"""Read-only queries about RPKI control, for the abuse desk and the views."""

from django.db.models import Q
from django.utils import timezone

from accounts.access import organizations_for
from core.sql import array_literal
from leases.choices import LeaseState
from leases.models import Lease, LeaseEvent
from marketplace.models import IPBlock

from .choices import ChangeAction, ChangeStatus, RoaPurpose
from .models import PublishedRoa, RoaChange


def prefix_under_rpki_control(prefix, when=None):
    """Return whether a ROA the platform published covered `prefix` (a prefix or address) at `when`."""
    when = when or timezone.now()
    return PublishedRoa.objects.filter(
        Q(removed_at__isnull=True) | Q(removed_at__gt=when),
        prefix__net_contains_or_equal=str(prefix),
        published_at__lte=when,
    ).exists()


def control_statement(prefixes, when):
    """Return the (sql, params) that reads which leases a published platform ROA covered at `when`.

    `prefixes` maps lease ids to their prefixes; the rows are the covered
    lease ids. One statement for any number of leases, which a caller can
    send ahead in a pipeline.
    """
    return _CONTROLLED_SQL, [array_literal(prefixes), array_literal(prefixes.values()), when, when]


_CONTROLLED_SQL = f"""
    SELECT DISTINCT lease.id
    FROM unnest(%s::bigint[], %s::cidr[]) AS lease(id, prefix)
    JOIN {PublishedRoa._meta.db_table} AS roa ON roa.prefix >>= lease.prefix
    WHERE roa.published_at <= %s AND (roa.removed_at IS NULL OR roa.removed_at > %s)
"""


def parking_change_after(lease, moment):
    """Return the first published change after `moment` that took the lease's space from the lessee."""
    return (
        RoaChange.objects.filter(
            lease=lease,
            status=ChangeStatus.PUBLISHED,
            published_at__gte=moment,
        )
        .filter(
            Q(action=ChangeAction.REMOVE, purpose=RoaPurpose.LEASE)
            | Q(action=ChangeAction.ADD, purpose__in=[RoaPurpose.PARKING, RoaPurpose.AS0])
        )
        .order_by("published_at", "pk")
        .first()
    )


def suspension_publication_delay(lease):
    """Return the time from the lease's latest suspension to the published ROA change that parked it.

    None when the lease was never suspended or the change is not published yet.
    """
    suspension = (
        LeaseEvent.objects.filter(lease=lease, kind=LeaseEvent.Kind.SUSPENDED).order_by("-created_at", "-pk").first()
    )
    if suspension is None:
        return None
    change = parking_change_after(lease, suspension.created_at)
    if change is None:
        return None
    return change.published_at - suspension.created_at


def visible_blocks(user):
    """Return the blocks held by the user's organisations."""
    return IPBlock.objects.filter(holder__in=organizations_for(user))


def visible_leases(user):
    """Return the leases of the user's organisations that held space."""
    return Lease.objects.filter(lessee__in=organizations_for(user)).exclude(state=LeaseState.CANCELLED)


def roas_for(user):
    """Return the published ROAs in the user's blocks and of the user's leases."""
    organizations = organizations_for(user)
    return PublishedRoa.objects.filter(
        Q(block__holder__in=organizations) | Q(lease__lessee__in=organizations)
    ).distinct()


def changes_for(user):
    """Return the ROA changes in the user's blocks and of the user's leases."""
    organizations = organizations_for(user)
    return RoaChange.objects.filter(
        Q(block__holder__in=organizations) | Q(lease__lessee__in=organizations)
    ).distinct()


def block_roas(block):
    return PublishedRoa.objects.filter(prefix__net_contained_or_equal=block.prefix)


def block_changes(block):
    return RoaChange.objects.filter(prefix__net_contained_or_equal=block.prefix)


def lease_roas(lease):
    return PublishedRoa.objects.filter(lease=lease)


def lease_changes(lease):
    return RoaChange.objects.filter(lease=lease)


def roa_state(roas):
    """Summarise live ROAs as (label, badge class) for pages and the API."""
    live = [roa for roa in roas if roa.removed_at is None]
    if not live:
        return ("No ROA published", "warn")
    purposes = {roa.purpose for roa in live}
    if purposes == {RoaPurpose.LEASE}:
        origins = ", ".join(sorted({f"AS{roa.asn}" for roa in live}))
        return (f"Authorised for {origins}", "ok")
    if RoaPurpose.LEASE in purposes:
        return ("Partly authorised, partly parked", "ok")
    if purposes == {RoaPurpose.AS0}:
        return ("AS0: not to be announced", "bad")
    return ("Parked", "bad")
