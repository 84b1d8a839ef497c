"""Staff decisions on potential sanctions matches, and what a confirmed match sets off."""

import logging

from django.db import transaction
from django.utils import timezone

from .choices import MatchState
from .exceptions import KycError
from .models import ClientProfile, ScreeningMatch
from .notifications import notify_staff
from .state import reject_locked_profile, require_staff

logger = logging.getLogger(__name__)


def decide_match(match, *, user, confirmed, note):
    """Record staff's decision on a potential match. A confirmed match suspends the client's leases."""
    require_staff(user)
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
        reject_locked_profile(profile, previous, user, f"Confirmed sanctions match: {match.listed_name} ({match.entity_key})")
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
