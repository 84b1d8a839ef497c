"""Helpers shared by the profile state changes: row locks, history, permission checks."""

from django.db import transaction
from django.utils import timezone

from .choices import ProfileState
from .exceptions import KycError
from .models import ClientProfile, ProfileEvent


def lock_profile(profile):
    return ClientProfile.objects.select_for_update().get(pk=profile.pk)


def copy_locked_fields(profile, locked):
    for field in ClientProfile._meta.concrete_fields:
        setattr(profile, field.attname, getattr(locked, field.attname))


def record_event(profile, from_state, *, actor=None, note=""):
    ProfileEvent.objects.create(
        profile=profile, from_state=from_state, to_state=profile.state, actor=actor, note=note
    )


def require_staff(user):
    if user is None or not user.is_staff:
        raise KycError("Only staff members can review due-diligence profiles.")


def reject_locked_profile(locked, previous, user, note):
    """Reject the profile and cancel its organisation's reservations, which it can no longer activate."""
    from leases.services import cancel_reservations

    locked.state = ProfileState.REJECTED
    locked.approved_until = None
    locked.save(update_fields=["state", "approved_until", "updated_at"])
    record_event(locked, previous, actor=user, note=note)
    cancelled = cancel_reservations(locked.organization, note="The due diligence was rejected.", now=timezone.now())
    if cancelled:
        organization = locked.organization
        transaction.on_commit(lambda: _tell_reservations_cancelled(organization, cancelled))


def _tell_reservations_cancelled(organization, reservations):
    from .notifications import notify_organization

    prefixes = "\n".join(f"- {lease.prefix}" for lease in reservations)
    notify_organization(
        organization, "Due diligence rejected: your reservations are cancelled",
        f"Staff rejected the due diligence of {organization.name}, so it cannot activate leases. These "
        f"reservations are cancelled and their space is free for others:\n\n{prefixes}\n\n"
        "Contact support if you think the decision is wrong.",
    )
