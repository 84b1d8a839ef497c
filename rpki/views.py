"""Pages where holders and lessees see the ROA state of their space and its history."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from . import selectors

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
    })
