"""Demo data: approvals for the seeded organisations and a small sanctions list."""

from accounts.models import Organization

from .choices import ImportStatus, SanctionsSource
from .models import ClientProfile, SanctionsListVersion
from .sanctions import import_list
from .testing import opensanctions_csv, record_approval

# Invented entries, so the demo shows matches without real people's names.
DEMO_LIST = [
    {"id": "demo-1", "name": "Northwind Bulletproof Hosting LLC", "aliases": ["ООО Нордвинд Хостинг"],
     "countries": ["ru"]},
    {"id": "demo-2", "schema": "Person", "name": "Ivan Demoenko", "birth_dates": ["1970-01-01"], "countries": ["ru"]},
]


def seed(*, stdout):
    """Give every organisation without a profile a current approval; import the demo list once."""
    approved = 0
    for organization in Organization.objects.exclude(pk__in=ClientProfile.objects.values("organization_id")):
        record_approval(organization)
        approved += 1
    if not SanctionsListVersion.objects.filter(
        source=SanctionsSource.OPENSANCTIONS, status=ImportStatus.CURRENT
    ).exists():
        import_list(SanctionsSource.OPENSANCTIONS, {"csv": opensanctions_csv(DEMO_LIST)}, origin="demo seed")
    stdout.write(f"KYC: approved {approved} organisation(s); demo sanctions list in place.\n")
