"""Read-only queries about RPKI control, for the abuse desk and the views."""

from django.db.models import Q
from django.utils import timezone

from leases.models import LeaseEvent

from .choices import ChangeAction, ChangeStatus, RoaPurpose
from .models import PublishedRoa, RoaChange


def prefix_under_rpki_control(prefix, when=None):
    """Whether the platform published a ROA covering `prefix` (a prefix or address) at `when`."""
    when = when or timezone.now()
    return PublishedRoa.objects.filter(
        Q(removed_at__isnull=True) | Q(removed_at__gt=when),
        prefix__net_contains_or_equal=str(prefix),
        published_at__lte=when,
    ).exists()


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
