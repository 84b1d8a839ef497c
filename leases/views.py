from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.access import can_manage, organizations_for
from accounts.decorators import organization_required
from kyc.services import awaits_review

from . import services
from .choices import LIVE_STATES, LeaseState
from .exceptions import LeaseError
from .forms import OriginAsnForm
from .models import Lease


def leases_visible_to(user):
    """Return the leases the user's organisations rent or that lie in their blocks."""
    organizations = organizations_for(user)
    return Lease.objects.filter(
        Q(lessee__in=organizations) | Q(block__holder__in=organizations)
    ).select_related("lessee", "block", "block__holder", "listing")


def _lessee_lease(request, pk):
    """Return lease `pk` if the current organisation is its lessee, else raise Http404."""
    return get_object_or_404(Lease.objects.filter(lessee=request.organization), pk=pk)


@organization_required()
def lease_list(request):
    leases = Lease.objects.filter(lessee=request.organization).select_related("block__holder")
    state = request.GET.get("state")
    if state in LeaseState.values:
        leases = leases.filter(state=state)
    page = Paginator(leases.order_by("-created_at"), 100).get_page(request.GET.get("page"))
    context = {"page": page, "state": state, "states": LeaseState.choices}
    return render(request, "leases/lease_list.html", context)


@organization_required()
def lease_detail(request, pk):
    lease = get_object_or_404(leases_visible_to(request.user), pk=pk)
    is_lessee = can_manage(request.user, lease.lessee)
    origin_form = None
    if is_lessee and lease.state in (LeaseState.RESERVED, *LIVE_STATES):
        origin_form = OriginAsnForm(initial={"origin_asn": lease.origin_asn})
    context = {
        "lease": lease,
        "events": lease.events.select_related("actor"),
        "is_lessee": is_lessee,
        "origin_form": origin_form,
    }
    return render(request, "leases/lease_detail.html", context)


@organization_required(manage=True)
def lease_reservation(request, pk):
    lease = _lessee_lease(request, pk)
    if lease.state != LeaseState.RESERVED:
        return redirect("leases:lease-detail", pk=lease.pk)
    context = {"lease": lease, "awaits_review": awaits_review(lease.lessee),
               "approved_hold_hours": settings.RESERVATION_APPROVED_HOLD_HOURS}
    return render(request, "leases/reservation.html", context)


@require_POST
@organization_required(manage=True)
def lease_activate(request, pk):
    lease = _lessee_lease(request, pk)
    try:
        services.activate(lease, user=request.user)
    except LeaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Lease of {lease.prefix} is active until {lease.ends_at:%Y-%m-%d %H:%M} UTC."
        )
    return redirect("leases:lease-detail", pk=lease.pk)


@require_POST
@organization_required(manage=True)
def lease_cancel(request, pk):
    lease = _lessee_lease(request, pk)
    try:
        services.cancel_reservation(lease, user=request.user)
    except LeaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Cancelled the reservation of {lease.prefix}.")
    return redirect("leases:lease-detail", pk=lease.pk)


@require_POST
@organization_required(manage=True)
def lease_origin(request, pk):
    lease = _lessee_lease(request, pk)
    form = OriginAsnForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Origin ASN {request.POST.get('origin_asn')!r}: {error}")
        return redirect("leases:lease-detail", pk=lease.pk)
    try:
        services.set_origin_asn(lease, form.cleaned_data["origin_asn"], user=request.user)
    except LeaseError as exc:
        messages.error(request, exc.message)
    else:
        asn = lease.origin_asn
        messages.success(
            request, f"Origin ASN of {lease.prefix} set to AS{asn}." if asn else f"Origin ASN of {lease.prefix} cleared."
        )
    return redirect("leases:lease-detail", pk=lease.pk)
