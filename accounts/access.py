"""Which organisations a user may read or change.

Every queryset that reaches a user goes through these helpers, so the rule
"members see only their own organisations' objects" is written once.
"""

from .models import MANAGING_ROLES, Organization


def organizations_for(user, roles=None):
    """Return the organisations `user` belongs to, optionally only with `roles`."""
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    memberships = user.memberships.all()
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Organization.objects.filter(pk__in=memberships.values("organization_id"))


def managed_organizations(user):
    """Return the organisations in which `user` may create and change objects."""
    return organizations_for(user, roles=MANAGING_ROLES)


def can_manage(user, organization):
    return managed_organizations(user).filter(pk=organization.pk).exists()


def is_member(user, organization):
    return organizations_for(user).filter(pk=organization.pk).exists()
