"""Web pages: the lessee's DNS overview, PTR management per lease and zone export."""

import ipaddress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from leases.choices import LIVE_STATES

from . import selectors
from .forms import PtrForm
from .ptrmanage import set_ptr
from .zones import zones_for_lease


@login_required
def overview(request):
    leases = selectors.visible_leases(request.user).filter(state__in=LIVE_STATES).order_by("prefix")
    context = {
        "leases": leases,
        "flags": selectors.visible_flags(request.user).filter(resolved_at__isnull=True)[:50],
        "listings": selectors.visible_listings(request.user).filter(delisted_at__isnull=True)[:50],
        "changes": selectors.visible_changes(request.user)[:50],
    }
    return render(request, "monitoring/overview.html", context)


@login_required
def lease_ptr(request, pk):
    lease = get_object_or_404(selectors.visible_leases(request.user), pk=pk)
    form = PtrForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_ptr(lease=lease, address=form.cleaned_data["address"],
                    hostname=form.cleaned_data["hostname"], user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"PTR of {form.cleaned_data['address']} saved.")
            return redirect("monitoring:lease-ptr", pk=lease.pk)
    first = int(lease.prefix.network_address)
    last = first + lease.prefix.num_addresses - 1
    context = {
        "lease": lease,
        "form": form,
        "assignments": selectors.visible_assignments(request.user).filter(lease=lease),
        "observed": selectors.observed_records(lease),
        "changes": selectors.visible_changes(request.user).filter(ip__gte=first, ip__lte=last)[:100],
    }
    return render(request, "monitoring/lease_ptr.html", context)


@login_required
def lease_zones(request, pk):
    lease = get_object_or_404(selectors.visible_leases(request.user), pk=pk)
    text = "\n".join(f"; zone {name}\n{body}" for name, body in zones_for_lease(lease))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    filename = str(ipaddress.IPv4Network(lease.prefix)).replace("/", "_")
    response["Content-Disposition"] = f'attachment; filename="ptr-{filename}.zone"'
    return response
