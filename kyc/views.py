"""Pages of the organisation's own due-diligence profile.

Every page works on `request.organization`, the organisation the user works
in, so no URL can name another organisation's profile. Documents are looked
up within that profile too; staff use the review pages instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import can_manage

from . import services
from .choices import EDITABLE_STATES
from .documents import store_document
from .exceptions import KycError
from .forms import DocumentForm, KeyPersonForm, ProfileForm
from .models import ProfileDocument
from .screening import latest_screening


def _own_profile(request, *, manage=False):
    organization = request.organization
    if organization is None:
        raise Http404("You do not belong to an organisation.")
    if manage and not can_manage(request.user, organization):
        raise Http404("Only owners, administrators and technical contacts can change the profile.")
    return services.profile_for(organization)


@login_required
def profile(request):
    own = _own_profile(request)
    context = {
        "profile": own,
        "missing": services.missing_for_submission(own),
        "documents": own.documents.all(),
        "people": own.people.all(),
        "screening": latest_screening(own.organization),
        "can_manage": can_manage(request.user, own.organization),
        "can_submit": own.state in EDITABLE_STATES,
        "document_form": DocumentForm(),
        "person_form": KeyPersonForm(),
        "events": own.events.all(),
    }
    return render(request, "kyc/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    own = _own_profile(request, manage=True)
    form = ProfileForm(request.POST or None, instance=own)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(own, form.cleaned_data, user=request.user)
        except KycError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Profile saved.")
            return redirect("kyc:profile")
    return render(request, "kyc/profile_edit.html", {"form": form, "profile": own})


@login_required
@require_POST
def person_add(request):
    own = _own_profile(request, manage=True)
    form = KeyPersonForm(request.POST)
    if form.is_valid():
        person = form.save(commit=False)
        person.profile = own
        person.save()
        messages.success(request, f"{person.full_name} added.")
    else:
        messages.error(request, "; ".join(f"{field}: {', '.join(errors)}" for field, errors in form.errors.items()))
    return redirect("kyc:profile")


@login_required
@require_POST
def person_delete(request, pk):
    own = _own_profile(request, manage=True)
    person = get_object_or_404(own.people, pk=pk)
    person.delete()
    return redirect("kyc:profile")


@login_required
@require_POST
def document_upload(request):
    own = _own_profile(request, manage=True)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file and its kind.")
        return redirect("kyc:profile")
    try:
        store_document(own, form.cleaned_data["file"], kind=form.cleaned_data["kind"], user=request.user)
    except KycError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Document uploaded.")
    return redirect("kyc:profile")


def document_response(document):
    response = FileResponse(
        document.file.open("rb"), content_type=document.content_type, as_attachment=True,
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def document_download(request, pk):
    """Serve a document to members of the owning organisation and to staff."""
    if request.user.is_staff:
        document = get_object_or_404(ProfileDocument, pk=pk)
    else:
        own = _own_profile(request)
        document = get_object_or_404(own.documents, pk=pk)
    return document_response(document)


@login_required
@require_POST
def submit(request):
    own = _own_profile(request, manage=True)
    try:
        services.submit(own, user=request.user)
    except KycError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Profile submitted; staff will review it.")
    return redirect("kyc:profile")


@login_required
@require_POST
def resend_confirmation(request):
    own = _own_profile(request, manage=True)
    if not own.abuse_email:
        messages.error(request, "Enter the abuse contact first.")
    else:
        services.send_abuse_contact_confirmation(own)
        messages.success(request, f"A confirmation link was sent to {own.abuse_email}.")
    return redirect("kyc:profile")


@require_http_methods(["GET", "POST"])
def confirm_abuse_contact(request, token):
    """Confirm the abuse mailbox. GET only shows a button, so link scanners confirm nothing."""
    if request.method == "GET":
        return render(request, "kyc/confirm_abuse_contact.html", {"token": token})
    try:
        confirmed = services.confirm_abuse_contact(token)
    except KycError as exc:
        return render(request, "kyc/confirm_abuse_contact.html", {"error": exc.message}, status=400)
    return render(request, "kyc/confirm_abuse_contact.html", {"confirmed": confirmed.abuse_email})
