"""Read-only queries over monitoring data, for this app and for others (KYC, marketplace)."""

from django.db.models import Q

from abuse.models import Case
from accounts.access import organizations_for
from leases.models import Lease

from .models import BlocklistListing, PtrAssignment, PtrChange, PtrFlag, PtrRecord


def ptr_churn_flags_for(organization, since):
    """Return the PTR flags (churn windows and name patterns) raised on a lessee since a time.

    Each row has `kind` (see PtrFlag.Kind), `observed`, `threshold`,
    `detail` and `resolved_at`.
    """
    return PtrFlag.objects.filter(lessee=organization, raised_at__gte=since)


def blocklist_listings_for(organization, since):
    """Return the blocklist listings (not information-only entries) of a lessee's addresses since a time.

    A listing counts when it was still open at `since` or opened after it.
    """
    return (
        BlocklistListing.objects.filter(lessee=organization, kind=BlocklistListing.Kind.LISTING)
        .filter(Q(delisted_at__isnull=True) | Q(delisted_at__gte=since))
        .select_related("zone")
    )


def visible_leases(user):
    """Return the leases whose PTRs and findings `user` may see (as a member of the lessee)."""
    return Lease.objects.filter(lessee__in=organizations_for(user)).select_related("lessee")


def visible_assignments(user):
    return PtrAssignment.objects.filter(lease__in=visible_leases(user)).select_related("lease", "updated_by")


def visible_changes(user):
    return PtrChange.objects.filter(lessee__in=organizations_for(user)).select_related("actor", "lease")


def visible_flags(user):
    return PtrFlag.objects.filter(lessee__in=organizations_for(user)).select_related("lease")


def visible_listings(user):
    return BlocklistListing.objects.filter(lessee__in=organizations_for(user)).select_related("zone")


def observed_records(lease, limit=256):
    """Return the PTRs the scanner last saw in `lease`'s prefix, lowest address first.

    The caller must already have checked that the user may see `lease`.
    """
    first, last = _range(lease.prefix)
    return PtrRecord.objects.filter(ip__gte=first, ip__lte=last).order_by("ip")[:limit]


def _range(prefix):
    first = int(prefix.network_address)
    return first, first + prefix.num_addresses - 1


def block_reputation(block):
    """Return the public reputation history of a block across all its past leases.

    A dict with `listings` (listed and delisted, newest first, information-only
    entries excluded), `churn_flags`, `abuse_cases` (cases opened on any
    lease of the block), and a `summary` of counts.
    """
    first, last = _range(block.prefix)
    listings = list(
        BlocklistListing.objects.filter(ip__gte=first, ip__lte=last,
                                        kind=BlocklistListing.Kind.LISTING)
        .select_related("zone").order_by("-listed_at")[:100]
    )
    lease_ids = list(Lease.objects.filter(block=block).values_list("pk", flat=True))
    churn_flags = list(
        PtrFlag.objects.filter(lease_id__in=lease_ids).order_by("-raised_at")[:100]
    )
    abuse_cases = _abuse_cases(lease_ids)
    return {
        "block": block,
        "listings": listings,
        "churn_flags": churn_flags,
        "abuse_cases": abuse_cases,
        "summary": {
            "listings": len(listings),
            "open_listings": sum(listing.delisted_at is None for listing in listings),
            "delistings": sum(listing.delisted_at is not None for listing in listings),
            "churn_flags": len(churn_flags),
            "abuse_cases": len(abuse_cases),
        },
    }


def _abuse_cases(lease_ids):
    return list(Case.objects.filter(lease_id__in=lease_ids).order_by("-opened_at")[:100])
