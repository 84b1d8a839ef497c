"""Demo data: a current due-diligence approval for each seeded organisation."""

from accounts.models import Organization

from .models import ClientProfile
from .testing import record_approval


def seed(*, stdout):
    """Give every organisation without a profile a current approval; idempotent.

    No sanctions list is imported: import real or sample files with the
    import_sanctions_list command.
    """
    approved = 0
    for organization in Organization.objects.exclude(pk__in=ClientProfile.objects.values("organization_id")):
        record_approval(organization)
        approved += 1
    stdout.write(f"KYC: approved {approved} organisation(s).\n")
