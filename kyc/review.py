"""Staff review of due-diligence profiles, with enhanced due diligence for high risk."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from leases.periods import add_months

from .choices import MatchState, ProfileState, RiskLevel, ScreeningStatus
from .exceptions import KycError
from .models import Approval, PolicyReview, ScreeningMatch
from .notifications import notify_organization
from .state import copy_locked_fields, lock_profile, record_event, reject_locked_profile, require_staff

logger = logging.getLogger(__name__)

# Approvals a high-risk client needs, from this many different staff members.
ENHANCED_APPROVALS = 2


def start_review(profile, *, user):
    require_staff(user)
    with transaction.atomic():
        locked = lock_profile(profile)
        if locked.state != ProfileState.SUBMITTED:
            raise KycError(f"The profile is {locked.get_state_display().lower()}; only a submitted one can be reviewed.")
        locked.state = ProfileState.IN_REVIEW
        locked.save(update_fields=["state", "updated_at"])
        record_event(locked, ProfileState.SUBMITTED, actor=user)
    copy_locked_fields(profile, locked)
    return profile


def request_information(profile, *, user, note):
    require_staff(user)
    if not note.strip():
        raise KycError("Say what information is missing; the client sees this note.")
    with transaction.atomic():
        locked = lock_profile(profile)
        if locked.state not in (ProfileState.SUBMITTED, ProfileState.IN_REVIEW):
            raise KycError(f"The profile is {locked.get_state_display().lower()}, not under review.")
        previous = locked.state
        locked.state = ProfileState.MORE_INFORMATION
        locked.save(update_fields=["state", "updated_at"])
        record_event(locked, previous, actor=user, note=note)
    copy_locked_fields(profile, locked)
    notify_organization(
        profile.organization, "More information needed for your due-diligence review",
        f"Staff need more information before they can approve {profile.organization.name}:\n\n{note}\n\n"
        "Update the profile and submit it again.",
    )
    return profile


def reject(profile, *, user, note):
    require_staff(user)
    if not note.strip():
        raise KycError("Give the reason for the rejection.")
    with transaction.atomic():
        locked = lock_profile(profile)
        if locked.state not in (ProfileState.SUBMITTED, ProfileState.IN_REVIEW):
            raise KycError(f"The profile is {locked.get_state_display().lower()}, not under review.")
        previous = locked.state
        reject_locked_profile(locked, previous, user, note)
    copy_locked_fields(profile, locked)
    return profile


def record_policy_review(profile, *, user, is_adequate, note):
    """Record staff's review of the client's own acceptable-use and abuse policy."""
    require_staff(user)
    if not note.strip():
        raise KycError("Write down what the policy review found.")
    with transaction.atomic():
        locked = lock_profile(profile)
        if locked.state not in (ProfileState.SUBMITTED, ProfileState.IN_REVIEW):
            raise KycError(f"The profile is {locked.get_state_display().lower()}, not under review.")
        return PolicyReview.objects.create(
            profile=locked, review_round=locked.review_round, reviewed_by=user, is_adequate=is_adequate, note=note
        )


def _approval_blockers(locked):
    from .screening import latest_screening

    blockers = []
    screening = latest_screening(locked.organization)
    if screening is None or (locked.submitted_at and screening.created_at < locked.submitted_at):
        blockers.append("The profile has not been screened since it was submitted; screen it first.")
    elif screening.status == ScreeningStatus.INCOMPLETE:
        blockers.append("The latest screening is incomplete: " + " ".join(screening.problems))
    matches = ScreeningMatch.objects.filter(organization=locked.organization)
    if matches.filter(state=MatchState.CONFIRMED).exists():
        blockers.append("A sanctions match is confirmed; the client cannot be approved.")
    open_count = matches.filter(state=MatchState.OPEN).count()
    if open_count:
        blockers.append(f"{open_count} potential sanctions match(es) wait for a decision.")
    return blockers


def approve(profile, *, user, note=""):
    """Record `user`'s approval; approve the profile once enough approvals are in.

    Low and medium risk need one approval. High risk needs enhanced due
    diligence: an adequate policy review and approvals by two different
    staff members in the same review round. Returns the profile.
    """
    from leases.services import hold_reservations

    from .risk import assess

    require_staff(user)
    with transaction.atomic():
        locked = lock_profile(profile)
        if locked.state != ProfileState.IN_REVIEW:
            raise KycError(
                f"The profile is {locked.get_state_display().lower()}; start the review before approving."
            )
        blockers = _approval_blockers(locked)
        if blockers:
            raise KycError("The profile cannot be approved: " + " ".join(blockers))
        assessment = assess(locked)
        enhanced = assessment.level == RiskLevel.HIGH
        if enhanced and not locked.policy_reviews.filter(review_round=locked.review_round, is_adequate=True).exists():
            raise KycError(
                f"The client is high risk (score {assessment.score}); record an adequate review of its "
                "acceptable-use and abuse policy before approving."
            )
        try:
            with transaction.atomic():
                Approval.objects.create(profile=locked, review_round=locked.review_round, approved_by=user, note=note)
        except IntegrityError:
            raise KycError(
                "You have already approved this review round; high-risk clients need a second approval "
                "by a different staff member."
            ) from None
        approvals = locked.approvals.filter(review_round=locked.review_round).count()
        reservations = []
        needed = ENHANCED_APPROVALS if enhanced else 1
        if approvals >= needed:
            now = timezone.now()
            locked.state = ProfileState.APPROVED
            locked.approved_at = now
            locked.approved_until = add_months(now, settings.KYC_APPROVAL_MONTHS)
            locked.reminder_sent_at = None
            locked.save()
            record_event(locked, ProfileState.IN_REVIEW, actor=user,
                    note=f"Approved until {locked.approved_until:%Y-%m-%d}" + (" (enhanced due diligence)" if enhanced else ""))
            # Reservations held through the review get a fresh, shorter
            # hold in which to activate them.
            reservations = hold_reservations(
                locked.organization, now + timedelta(hours=settings.RESERVATION_APPROVED_HOLD_HOURS),
                note="Due diligence approved.", now=now, extend_only=False,
            )
        else:
            record_event(locked, ProfileState.IN_REVIEW, actor=user,
                    note=f"Approval {approvals} of {needed} (enhanced due diligence)")
    copy_locked_fields(profile, locked)
    logger.info("Profile %s: approval by user %s, state %s", profile.pk, user.pk, profile.state)
    if profile.state == ProfileState.APPROVED and reservations:
        _tell_reservations_held(profile.organization, reservations)
    return profile


def _tell_reservations_held(organization, reservations):
    lines = "\n".join(
        f"- {lease.prefix}: activate by {lease.reserved_until:%Y-%m-%d %H:%M} UTC" for lease in reservations
    )
    notify_organization(
        organization, "Due diligence approved: activate your reservations",
        f"Staff approved the due diligence of {organization.name}. These reservations are held for you:\n\n"
        f"{lines}\n\nActivate them at {settings.SITE_URL.rstrip('/')}{reverse('leases:lease-list')} before then; "
        "a reservation not activated in time is released.",
    )


def approvals_needed(profile):
    return ENHANCED_APPROVALS if profile.risk_level == RiskLevel.HIGH else 1
