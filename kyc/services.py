"""State changes of due-diligence profiles. Views, the API, the admin and tasks call these."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .choices import EDITABLE_STATES, ProfileState
from .exceptions import KycError, KycRequired
from .models import ClientProfile
from .notifications import notify_organization
from .state import copy_locked_fields, lock_profile, record_event
from .vat_check import forget_result as forget_vies_result
from .vies import is_enabled as vies_enabled

logger = logging.getLogger(__name__)

CONFIRMATION_SALT = "kyc.abuse-contact"


def profile_for(organization):
    """Return the organisation's profile, creating an empty draft on first use."""
    profile, _ = ClientProfile.objects.get_or_create(
        organization=organization,
        defaults={"legal_name": organization.name, "country": organization.country,
                  "website": organization.website},
    )
    return profile


# --- client side ---------------------------------------------------------

PROFILE_FIELDS = (
    "legal_name", "registration_number", "country", "vat_number", "address", "website", "abuse_email",
    "declared_use", "declared_use_detail", "policy_text", "policy_url",
)


def update_profile(profile, data, *, user=None):
    """Store validated profile fields. A changed abuse contact must be confirmed again."""
    with transaction.atomic():
        locked = lock_profile(profile)
        if locked.state not in EDITABLE_STATES:
            raise KycError(
                f"The profile is {locked.get_state_display().lower()}; it can be changed again once "
                "staff have decided or asked for more information."
            )
        previous_email = locked.abuse_email
        previous_vat_number = locked.vat_number
        for field in PROFILE_FIELDS:
            if field in data:
                setattr(locked, field, data[field])
        email_changed = locked.abuse_email != previous_email
        if email_changed:
            locked.abuse_email_confirmed_at = None
        vat_number_changed = locked.vat_number != previous_vat_number
        if vat_number_changed:
            forget_vies_result(locked)
        locked.save()
    copy_locked_fields(profile, locked)
    if email_changed and profile.abuse_email:
        transaction.on_commit(lambda: send_abuse_contact_confirmation(profile))
    if vat_number_changed and profile.vat_number and vies_enabled():
        transaction.on_commit(lambda: _queue_vat_check(profile.pk))
    return profile


def _queue_vat_check(profile_id):
    from .tasks import check_vat_number_task

    check_vat_number_task.delay(profile_id)


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
        locked = lock_profile(profile)
        if locked.state not in EDITABLE_STATES:
            raise KycError(f"The profile is {locked.get_state_display().lower()}; it is already with staff.")
        missing = missing_for_submission(locked)
        if missing:
            raise KycError("The profile cannot be submitted yet: " + " ".join(missing))
        previous = locked.state
        locked.state = ProfileState.SUBMITTED
        locked.review_round += 1
        locked.submitted_at = timezone.now()
        if locked.vat_number and vies_enabled():
            # Each review round looks the number up again; the screening
            # task does it before it scores the profile.
            locked.vies_retry_at = locked.submitted_at
        locked.save()
        record_event(locked, previous, actor=user, note=f"Review round {locked.review_round}")
        if not locked.has_current_approval(locked.submitted_at):
            hold_reservations_for_review(locked.organization, locked.submitted_at)
        organization_id = locked.organization_id
        transaction.on_commit(lambda: _queue_screening(organization_id, "submission"))
    copy_locked_fields(profile, locked)
    logger.info("Profile %s submitted (round %s)", profile.pk, profile.review_round)
    return profile


def hold_reservations_for_review(organization, now):
    """Keep the organisation's reservations from lapsing while staff review its due diligence."""
    from leases.services import hold_reservations

    until = now + timedelta(hours=settings.RESERVATION_REVIEW_HOLD_HOURS)
    hold_reservations(organization, until, note="Held while the due diligence is under review.", now=now)


def _queue_screening(organization_id, trigger):
    from .tasks import screen_organization_task

    screen_organization_task.delay(organization_id, trigger)


# --- the lease gate and renewals -----------------------------------------

def awaits_review(organization, now=None):
    """Return True when only a due-diligence review in progress keeps `organization` from activating leases.

    That is a profile submitted, in review or waiting for more information,
    without a current approval from an earlier round. False when
    KYC_REQUIRED_FOR_ACTIVATION is off.
    """
    if not settings.KYC_REQUIRED_FOR_ACTIVATION:
        return False
    profile = ClientProfile.objects.filter(organization=organization).first()
    if profile is None or profile.state not in REVIEW_STATES:
        return False
    return not profile.has_current_approval(now or timezone.now())


REVIEW_STATES = (ProfileState.SUBMITTED, ProfileState.IN_REVIEW, ProfileState.MORE_INFORMATION)


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


# Staff actions live in their own modules; callers reach them through this one.
from .decisions import decide_match  # noqa: E402
from .review import (  # noqa: E402
    approvals_needed, approve, record_policy_review, reject, request_information, start_review,
)

__all__ = [
    "KycError", "KycRequired", "approvals_needed", "approve", "confirm_abuse_contact", "confirmation_token",
    "decide_match", "ensure_can_activate", "missing_for_submission", "profile_for", "record_policy_review",
    "reject", "request_information", "send_abuse_contact_confirmation", "send_renewal_reminders",
    "start_review", "submit", "update_profile",
]
