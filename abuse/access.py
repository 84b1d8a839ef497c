"""Which cases a user may see and answer.

Lessees see the cases of their leases, holders the cases on their space.
Internal timeline entries reach neither; staff see everything in the admin.
"""

from django.db.models import Q

from accounts.access import organizations_for
from accounts.models import Role

from .models import Case, TimelineEntry

# Roles that may answer a case on the lessee's behalf.
ANSWERING_ROLES = (Role.OWNER, Role.ADMIN, Role.TECHNICAL, Role.ABUSE)


def visible_cases(user):
    organizations = organizations_for(user)
    return Case.objects.filter(Q(lessee__in=organizations) | Q(holder__in=organizations))


def can_answer(user, case):
    """Whether `user` may acknowledge, answer and mark the case mitigated for the lessee."""
    if case.lessee_id is None:
        return False
    return organizations_for(user, roles=ANSWERING_ROLES).filter(pk=case.lessee_id).exists()


def public_timeline(case):
    return TimelineEntry.objects.filter(case=case, internal=False).order_by("created_at", "pk")
