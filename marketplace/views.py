from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import can_manage
from accounts.decorators import organization_required
from kyc.exceptions import KycRequired
from kyc.services import ensure_can_activate
from leases import services as lease_services
from leases.choices import LIVE_STATES, LeaseState
from leases.exceptions import LeaseError
from leases.models import Lease
from leases.revenue import monthly_revenue

from . import services, verification
from .choices import ListingStatus, VerificationStatus
from .filters import ListingFilter
from .forms import BlockForm, ListingForm, RentForm
from .models import IPBlock, Listing
from .pricing import price_table

SEARCH_PAGE_SIZE = 50


def visible_listings(request):
    """Published listings, plus every listing of the current organisation."""
    listings = Listing.objects.select_related("block", "block__holder")
    published = listings.filter(status=ListingStatus.PUBLISHED)
    if request.user.is_authenticated and request.organization is not None:
        return published | listings.filter(block__holder=request.organization)
    return published


def listing_search(request):
    # A listing whose block lost its verification stays published but cannot
    # be rented, so the market leaves it out.
    listings = Listing.objects.filter(
        status=ListingStatus.PUBLISHED, block__verification_status=VerificationStatus.VERIFIED
    ).select_related("block", "block__holder")
    search = ListingFilter(request.GET or None, queryset=listings)
    page = Paginator(search.qs.order_by("price_per_ip_month", "block__prefix"), SEARCH_PAGE_SIZE)
    context = {"filter": search, "page": page.get_page(request.GET.get("page"))}
    return render(request, "marketplace/listing_search.html", context)


def listing_detail(request, pk):
    listing = get_object_or_404(visible_listings(request), pk=pk)
    form = None
    rentable = listing.block.verification_status == VerificationStatus.VERIFIED
    if listing.status == ListingStatus.PUBLISHED and rentable:
        form = RentForm(listing=listing)
    context = {
        "listing": listing,
        "prices": price_table(listing),
        "form": form,
        "reservation_minutes": settings.RESERVATION_MINUTES,
        "activation_blocked_reason": _activation_blocked_reason(request.organization),
    }
    return render(request, "marketplace/listing_detail.html", context)


def _activation_blocked_reason(organization):
    """Return why `organization` could not activate a lease now (due diligence), or ""."""
    if organization is None:
        return ""
    try:
        ensure_can_activate(organization)
    except KycRequired as exc:
        return exc.message
    return ""


@organization_required(manage=True)
def listing_rent(request, pk):
    listing = get_object_or_404(
        Listing.objects.select_related("block", "block__holder"),
        pk=pk,
        status=ListingStatus.PUBLISHED,
    )
    form = RentForm(request.POST or None, listing=listing)
    if request.method == "POST" and form.is_valid():
        try:
            lease = lease_services.reserve(
                listing=listing,
                lessee=request.organization,
                user=request.user,
                **form.cleaned_data,
            )
        except LeaseError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("leases:lease-reservation", pk=lease.pk)
    context = {
        "listing": listing,
        "prices": price_table(listing),
        "form": form,
        "reservation_minutes": settings.RESERVATION_MINUTES,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "marketplace/listing_detail.html", context, status=status)


@organization_required()
def block_list(request):
    blocks = (
        IPBlock.objects.filter(holder=request.organization)
        .select_related("listing")
        .order_by("prefix")
    )
    page = Paginator(blocks, 100).get_page(request.GET.get("page"))
    context = {"page": page, "revenue": monthly_revenue(request.organization)}
    return render(request, "marketplace/block_list.html", context)


@organization_required(manage=True)
def block_create(request):
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            block = services.create_block(holder=request.organization, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("prefix", exc)
        else:
            messages.success(request, f"Added {block.prefix}. Create a listing to offer it.")
            return redirect("marketplace:block-detail", pk=block.pk)
    return render(request, "marketplace/block_form.html", {"form": form})


@organization_required()
def block_detail(request, pk):
    block = get_object_or_404(IPBlock.objects.filter(holder=request.organization), pk=pk)
    listing = Listing.objects.filter(block=block).first()
    leases = Lease.objects.filter(block=block).select_related("lessee").order_by("-created_at")
    context = {
        # Not "block": inside a template block that name is {{ block.super }}.
        "ip_block": block,
        "listing": listing,
        "leases": leases[:200],
        "can_manage": can_manage(request.user, request.organization),
        "proof": verification.roa_proof_for(block),
        "proof_pending": verification.is_pending_roa_proof(block),
    }
    return render(request, "marketplace/block_detail.html", context)


@require_POST
@organization_required(manage=True)
def block_verify(request, pk):
    """Start the ROA proof of block `pk` and return to the block page, which shows the ROA."""
    block = get_object_or_404(IPBlock.objects.filter(holder=request.organization), pk=pk)
    try:
        verification.request_roa_proof(block)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if verification.is_pending_roa_proof(block):
            messages.success(request, verification.roa_proof_for(block).instructions)
        else:
            messages.success(request, f"{block.prefix} is verified. {block.verification_note}")
    return redirect("marketplace:block-detail", pk=block.pk)


@organization_required(manage=True)
def listing_edit(request, pk):
    """Create the listing of block `pk`, or change it."""
    block = get_object_or_404(IPBlock.objects.filter(holder=request.organization), pk=pk)
    listing = Listing.objects.filter(block=block).first() or Listing(block=block)
    form = ListingForm(request.POST or None, instance=listing, block=block)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved the listing of {block.prefix}.")
        return redirect("marketplace:block-detail", pk=block.pk)
    return render(request, "marketplace/listing_form.html", {"form": form, "ip_block": block})


def _own_listing(request, pk):
    return get_object_or_404(
        Listing.objects.filter(block__holder=request.organization).select_related("block"), pk=pk
    )


def _change_listing_status(request, listing, action):
    """Apply `action` to `listing`, report the outcome as a message and return to the block page."""
    try:
        services.change_listing_status(listing, action)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"The listing of {listing.block.prefix} is now {listing.get_status_display().lower()}."
        )
    return redirect("marketplace:block-detail", pk=listing.block_id)


@require_POST
@organization_required(manage=True)
def listing_status(request, pk, action):
    return _change_listing_status(request, _own_listing(request, pk), action)


@require_http_methods(["GET", "POST"])
@organization_required(manage=True)
def listing_withdraw(request, pk):
    """Show what withdrawing listing `pk` changes and ask to confirm (GET), or withdraw it (POST)."""
    listing = _own_listing(request, pk)
    if request.method == "POST":
        return _change_listing_status(request, listing, "withdraw")
    leases = Lease.objects.filter(listing=listing)
    context = {
        "listing": listing,
        "live_lease_count": leases.filter(state__in=LIVE_STATES).count(),
        "reservation_count": leases.filter(
            state=LeaseState.RESERVED, reserved_until__gt=timezone.now()
        ).count(),
    }
    return render(request, "marketplace/listing_withdraw.html", context)


@organization_required()
def holder_leases(request):
    leases = (
        Lease.objects.filter(block__holder=request.organization)
        .select_related("lessee", "block")
        .order_by("-created_at")
    )
    state = request.GET.get("state")
    if state == "live":
        leases = leases.filter(state__in=LIVE_STATES)
    page = Paginator(leases, 100).get_page(request.GET.get("page"))
    context = {"page": page, "revenue": monthly_revenue(request.organization), "state": state}
    return render(request, "marketplace/holder_leases.html", context)
