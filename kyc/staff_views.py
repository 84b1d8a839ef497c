"""Staff pages: the review queue, a profile's review with its score breakdown, and match review."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import services
from .choices import MatchState, ProfileState
from .exceptions import KycError
from .forms import MatchDecisionForm, NoteForm, PolicyReviewForm
from .models import ClientProfile, ScreeningMatch
from .screening import latest_screening
from .vies import is_enabled as vies_enabled

QUEUE_STATES = (ProfileState.SUBMITTED, ProfileState.IN_REVIEW, ProfileState.MORE_INFORMATION)


@staff_member_required
def review_queue(request):
    profiles = (
        ClientProfile.objects.filter(state__in=QUEUE_STATES)
        .select_related("organization")
        .annotate(open_matches=Count(
            "organization__kyc_matches", filter=Q(organization__kyc_matches__state=MatchState.OPEN)
        ))
        .order_by("submitted_at", "pk")
    )
    open_matches = ScreeningMatch.objects.filter(state=MatchState.OPEN).select_related("organization")
    return render(request, "kyc/staff/queue.html", {"profiles": profiles, "open_matches": open_matches})


@staff_member_required
def review(request, pk):
    profile = get_object_or_404(ClientProfile.objects.select_related("organization"), pk=pk)
    context = {
        "profile": profile,
        "assessment": profile.risk_assessments.first(),
        "screening": latest_screening(profile.organization),
        "matches": ScreeningMatch.objects.filter(organization=profile.organization),
        "approvals": profile.approvals.filter(review_round=profile.review_round).select_related("approved_by"),
        "approvals_needed": services.approvals_needed(profile),
        "policy_reviews": profile.policy_reviews.filter(review_round=profile.review_round),
        "documents": profile.documents.all(),
        "people": profile.people.all(),
        "events": profile.events.select_related("actor"),
        "note_form": NoteForm(),
        "policy_form": PolicyReviewForm(),
        "vies_enabled": vies_enabled(),
    }
    return render(request, "kyc/staff/review.html", context)


ACTIONS = {
    "start": lambda profile, user, data: services.start_review(profile, user=user),
    "approve": lambda profile, user, data: services.approve(profile, user=user, note=data.get("note", "")),
    "reject": lambda profile, user, data: services.reject(profile, user=user, note=data.get("note", "")),
    "more_information": lambda profile, user, data: services.request_information(
        profile, user=user, note=data.get("note", "")
    ),
    "policy_review": lambda profile, user, data: services.record_policy_review(
        profile, user=user, is_adequate=data.get("is_adequate") == "on", note=data.get("note", "")
    ),
}


@staff_member_required
@require_POST
def review_action(request, pk, action):
    profile = get_object_or_404(ClientProfile, pk=pk)
    if action == "screen":
        from .risk import assess
        from .screening import screen_profile

        screening = screen_profile(profile, trigger="staff")
        assess(profile)
        messages.success(request, f"Screened: {screening.get_status_display().lower()}.")
        return redirect("kyc:review", pk=pk)
    if action not in ACTIONS:
        messages.error(request, f"Unknown action {action!r}.")
        return redirect("kyc:review", pk=pk)
    try:
        ACTIONS[action](profile, request.user, request.POST)
    except KycError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Done: the profile is {profile.get_state_display().lower()}.")
    return redirect("kyc:review", pk=pk)


@staff_member_required
def match_review(request, pk):
    match = get_object_or_404(ScreeningMatch.objects.select_related("organization", "entity__version"), pk=pk)
    form = MatchDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_match(
                match, user=request.user, confirmed=form.cleaned_data["decision"] == "confirmed",
                note=form.cleaned_data["note"],
            )
        except KycError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Recorded: {match.get_state_display().lower()}.")
            return redirect("kyc:match-review", pk=pk)
    profile = ClientProfile.objects.filter(organization=match.organization).first()
    return render(request, "kyc/staff/match.html", {"match": match, "form": form, "profile": profile})
