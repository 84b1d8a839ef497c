"""State changes of due-diligence profiles. Views, the API, the admin and tasks call these."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from leases.periods import add_months

from .choices import EDITABLE_STATES, MatchState, ProfileState, RiskLevel, ScreeningStatus
from .exceptions import KycError, KycRequired
from .models import Approval, ClientProfile, PolicyReview, ProfileEvent, ScreeningMatch
from .notifications import notify_organization, notify_staff

logger = logging.getLogger(__name__)

CONFIRMATION_SALT = "kyc.abuse-contact"
# Approvals a high-risk client needs, from this many different staff members.
ENHANCED_APPROVALS = 2


def profile_for(organization):
    """Return the organisation's profile, creating an empty draft on first use."""
    profile, _ = ClientProfile.objects.get_or_create(
        organization=organization,
        defaults={"legal_name": organization.name, "country": organization.country,
                  "website": organization.website},
    )
    return profile


def _locked(profile):
    return ClientProfile.objects.select_for_update().get(pk=profile.pk)


def _refresh(profile, locked):
    for field in ClientProfile._meta.concrete_fields:
        setattr(profile, field.attname, getattr(locked, field.attname))


def _record(profile, from_state, *, actor=None, note=""):
    ProfileEvent.objects.create(
        profile=profile, from_state=from_state, to_state=profile.state, actor=actor, note=note
    )


def _require_staff(user):
    if user is None or not user.is_staff:
        raise KycError("Only staff members can review due-diligence profiles.")


# --- client side ---------------------------------------------------------

PROFILE_FIELDS = (
    "legal_name", "registration_number", "country", "vat_number", "address", "website", "abuse_email",
    "declared_use", "declared_use_detail", "policy_text", "policy_url",
)


def update_profile(profile, data, *, user=None):
    """Store validated profile fields. A changed abuse contact must be confirmed again."""
    with transaction.atomic():
        locked = _locked(profile)
        if locked.state not in EDITABLE_STATES:
            raise KycError(
                f"The profile is {locked.get_state_display().lower()}; it can be changed again once "
                "staff have decided or asked for more information."
            )
        previous_email = locked.abuse_email
        for field in PROFILE_FIELDS:
            if field in data:
                setattr(locked, field, data[field])
        email_changed = locked.abuse_email != previous_email
        if email_changed:
            locked.abuse_email_confirmed_at = None
        locked.save()
    _refresh(profile, locked)
    if email_changed and profile.abuse_email:
        transaction.on_commit(lambda: send_abuse_contact_confirmation(profile))
    return profile


def confirmation_token(profile):
    return signing.TimestampSigner(salt=CONFIRMATION_SALT).sign_object(
        {"profile": profile.pk, "email": profile.abuse_email}
    )


def send_abuse_contact_confirmation(profile):
    """E-mail a signed link to the abuse contact; opening it confirms the address works."""
    link = settings.SITE_URL.rstrip("/") + reverse("kyc:confirm-abuse-contact", args=[confirmation_token(profile)])
    from django.core.mail import send_mail

    send_mail(
        f"Confirm the abuse contact of {profile.organization.name}",
        f"{profile.organization.name} gave {profile.abuse_email} as the address for abuse reports "
        f"about its IPv4 space. Open this link to confirm that the mailbox is read:\n\n{link}\n\n"
        f"The link is valid for {settings.KYC_CONFIRMATION_MAX_AGE_DAYS} days.",
        settings.DEFAULT_FROM_EMAIL,
        [profile.abuse_email],
    )
    logger.info("Sent the abuse-contact confirmation of profile %s", profile.pk)


def confirm_abuse_contact(token):
    """Mark the abuse contact in `token` confirmed and return the profile."""
    max_age = settings.KYC_CONFIRMATION_MAX_AGE_DAYS * 86400
    try:
        payload = signing.TimestampSigner(salt=CONFIRMATION_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise KycError("This confirmation link has expired; send a new one from the profile page.") from None
    except signing.BadSignature:
        raise KycError("This confirmation link is invalid; copy the whole link from the e-mail.") from None
    with transaction.atomic():
        profile = ClientProfile.objects.select_for_update().filter(pk=payload["profile"]).first()
        if profile is None or profile.abuse_email != payload["email"]:
            raise KycError(
                "The abuse contact has changed since this link was sent; use the link in the newest e-mail."
            )
        if profile.abuse_email_confirmed_at is None:
            profile.abuse_email_confirmed_at = timezone.now()
            profile.save(update_fields=["abuse_email_confirmed_at", "updated_at"])
    return profile


def missing_for_submission(profile):
    """Return what the client still has to fill in before submitting, one item each."""
    missing = []
    for field in ("legal_name", "registration_number", "country", "address", "abuse_email", "declared_use"):
        if not getattr(profile, field):
            missing.append(f"{ClientProfile._meta.get_field(field).verbose_name} is missing.")
    if profile.abuse_email and not profile.abuse_email_confirmed:
        missing.append(f"The abuse contact {profile.abuse_email} is not confirmed yet; open the link sent to it.")
    if not profile.policy_text.strip() and not profile.policy_url:
        missing.append("The acceptable-use and abuse-handling policy is missing; paste it or link to it.")
    if not profile.documents.exists():
        missing.append("No document is uploaded; upload the company registration extract.")
    return missing


def submit(profile, *, user=None):
    """Send the profile to staff for review; screening and scoring are queued after commit."""
    with transaction.atomic():
        locked = _locked(profile)
        if locked.state not in EDITABLE_STATES:
            raise KycError(f"The profile is {locked.get_state_display().lower()}; it is already with staff.")
        missing = missing_for_submission(locked)
        if missing:
            raise KycError("The profile cannot be submitted yet: " + " ".join(missing))
        previous = locked.state
        locked.state = ProfileState.SUBMITTED
        locked.review_round += 1
        locked.submitted_at = timezone.now()
        locked.save()
        _record(locked, previous, actor=user, note=f"Review round {locked.review_round}")
        organization_id = locked.organization_id
        transaction.on_commit(lambda: _queue_screening(organization_id, "submission"))
    _refresh(profile, locked)
    logger.info("Profile %s submitted (round %s)", profile.pk, profile.review_round)
    return profile


def _queue_screening(organization_id, trigger):
    from .tasks import screen_organization_task

    screen_organization_task.delay(organization_id, trigger)


# --- staff side ----------------------------------------------------------

def start_review(profile, *, user):
    _require_staff(user)
    with transaction.atomic():
        locked = _locked(profile)
        if locked.state != ProfileState.SUBMITTED:
            raise KycError(f"The profile is {locked.get_state_display().lower()}; only a submitted one can be reviewed.")
        locked.state = ProfileState.IN_REVIEW
        locked.save(update_fields=["state", "updated_at"])
        _record(locked, ProfileState.SUBMITTED, actor=user)
    _refresh(profile, locked)
    return profile


def request_information(profile, *, user, note):
    _require_staff(user)
    if not note.strip():
        raise KycError("Say what information is missing; the client sees this note.")
    with transaction.atomic():
        locked = _locked(profile)
        if locked.state not in (ProfileState.SUBMITTED, ProfileState.IN_REVIEW):
            raise KycError(f"The profile is {locked.get_state_display().lower()}, not under review.")
        previous = locked.state
        locked.state = ProfileState.MORE_INFORMATION
        locked.save(update_fields=["state", "updated_at"])
        _record(locked, previous, actor=user, note=note)
    _refresh(profile, locked)
    notify_organization(
        profile.organization, "More information needed for your due-diligence review",
        f"Staff need more information before they can approve {profile.organization.name}:\n\n{note}\n\n"
        "Update the profile and submit it again.",
    )
    return profile


def reject(profile, *, user, note):
    _require_staff(user)
    if not note.strip():
        raise KycError("Give the reason for the rejection.")
    with transaction.atomic():
        locked = _locked(profile)
        if locked.state not in (ProfileState.SUBMITTED, ProfileState.IN_REVIEW):
            raise KycError(f"The profile is {locked.get_state_display().lower()}, not under review.")
        previous = locked.state
        _reject_locked(locked, previous, user, note)
    _refresh(profile, locked)
    return profile


def _reject_locked(locked, previous, user, note):
    locked.state = ProfileState.REJECTED
    locked.approved_until = None
    locked.save(update_fields=["state", "approved_until", "updated_at"])
    _record(locked, previous, actor=user, note=note)


def record_policy_review(profile, *, user, is_adequate, note):
    """Record staff's review of the client's own acceptable-use and abuse policy."""
    _require_staff(user)
    if not note.strip():
        raise KycError("Write down what the policy review found.")
    with transaction.atomic():
        locked = _locked(profile)
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
    from .risk import assess

    _require_staff(user)
    with transaction.atomic():
        locked = _locked(profile)
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
        needed = ENHANCED_APPROVALS if enhanced else 1
        if approvals >= needed:
            now = timezone.now()
            locked.state = ProfileState.APPROVED
            locked.approved_at = now
            locked.approved_until = add_months(now, settings.KYC_APPROVAL_MONTHS)
            locked.reminder_sent_at = None
            locked.save()
            _record(locked, ProfileState.IN_REVIEW, actor=user,
                    note=f"Approved until {locked.approved_until:%Y-%m-%d}" + (" (enhanced due diligence)" if enhanced else ""))
        else:
            _record(locked, ProfileState.IN_REVIEW, actor=user,
                    note=f"Approval {approvals} of {needed} (enhanced due diligence)")
    _refresh(profile, locked)
    logger.info("Profile %s: approval by user %s, state %s", profile.pk, user.pk, profile.state)
    return profile


def approvals_needed(profile):
    return ENHANCED_APPROVALS if profile.risk_level == RiskLevel.HIGH else 1


# --- matches -------------------------------------------------------------

def decide_match(match, *, user, confirmed, note):
    """Record staff's decision on a potential match. A confirmed match suspends the client's leases."""
    _require_staff(user)
    if not note.strip():
        raise KycError("Explain the decision in a note; it is kept with the match.")
    with transaction.atomic():
        locked = ScreeningMatch.objects.select_for_update().get(pk=match.pk)
        if locked.state != MatchState.OPEN:
            raise KycError(f"This match is already decided ({locked.get_state_display().lower()}).")
        locked.state = MatchState.CONFIRMED if confirmed else MatchState.FALSE_MATCH
        locked.decided_by = user
        locked.decided_at = timezone.now()
        locked.note = note
        locked.save(update_fields=["state", "decided_by", "decided_at", "note"])
        if confirmed:
            _act_on_confirmed_match(locked, user)
    for field in ("state", "decided_by_id", "decided_at", "note"):
        setattr(match, field, getattr(locked, field))
    logger.info("Match %s decided by user %s: %s", match.pk, user.pk, match.state)
    return match


def _act_on_confirmed_match(match, user):
    from leases import services as lease_services
    from leases.choices import LeaseState
    from leases.models import Lease

    organization = match.organization
    profile = ClientProfile.objects.select_for_update().filter(organization=organization).first()
    if profile is not None:
        previous = profile.state
        _reject_locked(profile, previous, user, f"Confirmed sanctions match: {match.listed_name} ({match.entity_key})")
    reason = f"Confirmed sanctions match: {match.listed_name} ({match.entity_key})"
    suspended = []
    for lease in Lease.objects.filter(lessee=organization, state=LeaseState.ACTIVE).order_by("pk"):
        lease_services.suspend(lease, reason=reason, user=user)
        suspended.append(str(lease.prefix))
    notify_staff(
        f"Confirmed sanctions match: {organization.name}",
        f"{user} confirmed that {match.subject_name} is {match.listed_name} ({match.entity_key}).\n"
        f"Note: {match.note}\n"
        f"Due diligence is rejected and {len(suspended)} lease(s) are suspended: "
        f"{', '.join(suspended) or 'none'}.",
        organization=organization,
    )


# --- the lease gate and renewals -----------------------------------------

def ensure_can_activate(organization):
    """Raise KycRequired unless `organization` has a current due-diligence approval.

    Does nothing when KYC_REQUIRED_FOR_ACTIVATION is off.
    """
    if not settings.KYC_REQUIRED_FOR_ACTIVATION:
        return
    profile = ClientProfile.objects.filter(organization=organization).first()
    now = timezone.now()
    if profile is not None and profile.has_current_approval(now):
        return
    if profile is None or profile.state == ProfileState.DRAFT:
        message = (f"{organization.name} has not completed due diligence; fill in and submit the "
                   "profile under Due diligence before activating a lease.")
    elif profile.state in (ProfileState.SUBMITTED, ProfileState.IN_REVIEW):
        message = (f"The due-diligence profile of {organization.name} is under review; the lease can be "
                   "activated once staff approve it.")
    elif profile.state == ProfileState.MORE_INFORMATION:
        message = (f"Staff need more information for the due diligence of {organization.name}; update "
                   "and resubmit the profile, then activate the lease.")
    elif profile.state == ProfileState.REJECTED:
        message = (f"The due diligence of {organization.name} was rejected, so it cannot activate leases; "
                   "contact support.")
    else:
        message = (f"The due-diligence approval of {organization.name} lapsed on "
                   f"{profile.approved_until:%Y-%m-%d}; submit the profile again for renewal.")
    raise KycRequired(message)


def send_renewal_reminders(now=None):
    """E-mail organisations whose approval lapses within KYC_REMINDER_DAYS, once per approval."""
    now = now or timezone.now()
    due = ClientProfile.objects.filter(
        approved_until__gt=now,
        approved_until__lte=now + timedelta(days=settings.KYC_REMINDER_DAYS),
        reminder_sent_at__isnull=True,
    ).select_related("organization")
    sent = []
    for profile in due:
        notify_organization(
            profile.organization, "Your due-diligence approval lapses soon",
            f"The due-diligence approval of {profile.organization.name} lapses on "
            f"{profile.approved_until:%Y-%m-%d}. Review the profile and submit it again before then; "
            "without a current approval no new lease can be activated.",
        )
        ClientProfile.objects.filter(pk=profile.pk).update(reminder_sent_at=now)
        sent.append(profile.pk)
    if sent:
        logger.info("Sent renewal reminders for profiles %s", sent)
    return sent
