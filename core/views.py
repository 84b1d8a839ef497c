from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from leases.choices import LIVE_STATES, LeaseState
from leases.models import Lease
from leases.revenue import monthly_revenue
from marketplace.choices import ListingStatus
from marketplace.models import IPBlock, Listing


def home(request):
    published = Listing.objects.filter(status=ListingStatus.PUBLISHED)
    context = {
        "listing_count": published.count(),
        "cheapest": published.select_related("block").order_by("price_per_ip_month")[:5],
    }
    return render(request, "core/home.html", context)


@login_required
def dashboard(request):
    organization = request.organization
    context = {"organization": organization}
    if organization is not None:
        leases = Lease.objects.filter(lessee=organization)
        context.update(
            block_count=IPBlock.objects.filter(holder=organization).count(),
            listing_count=Listing.objects.filter(
                block__holder=organization, status=ListingStatus.PUBLISHED
            ).count(),
            live_lease_count=leases.filter(state__in=LIVE_STATES).count(),
            reservations=leases.filter(state=LeaseState.RESERVED).order_by("reserved_until"),
            ending_soon=leases.filter(state__in=LIVE_STATES)
            .select_related("block")
            .order_by("period__endswith")[:5],
            revenue=monthly_revenue(organization),
        )
    return render(request, "core/dashboard.html", context)
