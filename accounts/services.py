from django.db import transaction

from .models import Membership, Organization, Role


@transaction.atomic
def create_organization(*, user, name, **fields):
    """Create an organisation and make `user` its owner."""
    organization = Organization.objects.create(name=name, **fields)
    Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    return organization
