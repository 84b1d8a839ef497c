"""Pages where holders and lessees see the ROA state of their space and its history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.access import managed_organizations

from . import selectors, services
from .exceptions import RpkiError

HISTORY_LIMIT = 200


@login_required
def overview(request):
    blocks = [
        (block, selectors.roa_state(selectors.block_roas(block).filter(removed_at=None)))
        for block in selectors.visible_blocks(request.user).order_by("prefix")
    ]
    leases = [
        (lease, selectors.roa_state(selectors.lease_roas(lease).filter(removed_at=None)))
        for lease in selectors.visible_leases(request.user).select_related("block").order_by("prefix")
    ]
    return render(request, "rpki/overview.html", {"blocks": blocks, "leases": leases})


@login_required
def block_detail(request, pk):
    block = get_object_or_404(selectors.visible_blocks(request.user), pk=pk)
    roas = selectors.block_roas(block).filter(removed_at=None).order_by("prefix", "asn")
    return render(request, "rpki/space_detail.html", {
        "title": f"Block {block.prefix}",
        "subject": block,
        "state": selectors.roa_state(roas),
        "roas": roas,
        "changes": selectors.block_changes(block).select_related("lease")[:HISTORY_LIMIT],
    })


@login_required
def lease_detail(request, pk):
    lease = get_object_or_404(selectors.visible_leases(request.user), pk=pk)
    roas = selectors.lease_roas(lease).filter(removed_at=None).order_by("prefix", "asn")
    return render(request, "rpki/space_detail.html", {
        "title": f"Lease {lease.prefix}",
        "subject": lease,
        "lease": lease,
        "state": selectors.roa_state(roas),
        "roas": roas,
        "changes": selectors.lease_changes(lease)[:HISTORY_LIMIT],
        "suspension_delay": selectors.suspension_publication_delay(lease),
        "can_manage": managed_organizations(request.user).filter(pk=lease.lessee_id).exists(),
    })


@require_POST
@login_required
def request_max_length(request, pk):
    lease = get_object_or_404(selectors.visible_leases(request.user), pk=pk)
    if not managed_organizations(request.user).filter(pk=lease.lessee_id).exists():
        raise PermissionDenied("Only the lessee's owners, administrators and technical contacts may change its ROA.")
    try:
        max_length = services.request_max_length(lease, request.POST.get("max_length"))
    except RpkiError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The ROA of {lease.prefix} will allow prefixes up to /{max_length}.")
    return redirect("rpki:lease-detail", pk=lease.pk)
