from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .access import organizations_for
from .forms import OrganizationForm, SignupForm
from .middleware import SESSION_KEY
from .services import create_organization


def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            organization = create_organization(
                user=user,
                name=form.cleaned_data["organization_name"],
                country=form.cleaned_data["country"],
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = organization.pk
        messages.success(request, f"Welcome. You are the owner of {organization.name}.")
        return redirect("dashboard")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = create_organization(user=request.user, **form.cleaned_data)
        request.session[SESSION_KEY] = organization.pk
        messages.success(request, f"Created {organization.name}; you now work in it.")
        return redirect("dashboard")
    return render(request, "accounts/organization_form.html", {"form": form})


@require_POST
@login_required
def organization_switch(request):
    organization = get_object_or_404(
        organizations_for(request.user), pk=request.POST.get("organization")
    )
    request.session[SESSION_KEY] = organization.pk
    messages.success(request, f"You now work in {organization.name}.")
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "dashboard"
    return redirect(target)
