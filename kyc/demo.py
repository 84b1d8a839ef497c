"""Demo data: small invented sanctions lists and a current approval for each seeded organisation."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import Organization

from . import demo_lists
from .models import ClientProfile
from .sanctions import current_versions, import_list
from .testing import record_approval


def seed(*, stdout):
    """Import the demo lists when missing or half-way to stale, and approve unprofiled organisations.

    Idempotent. With the lists current, staff can screen and approve the
    clients who sign up in the demo.
    """
    _import_demo_lists(stdout)
    approved = 0
    for organization in Organization.objects.exclude(pk__in=ClientProfile.objects.values("organization_id")):
        record_approval(organization)
        approved += 1
    stdout.write(f"KYC: approved {approved} organisation(s).\n")


def _import_demo_lists(stdout):
    versions = current_versions()
    refresh_before = timezone.now() - timedelta(hours=settings.KYC_LIST_MAX_AGE_HOURS / 2)
    for source, files in demo_lists.FILES.items():
        version = versions.get(source)
        if version is not None and version.imported_at > refresh_before:
            continue
        import_list(source, files, origin="demo lists (kyc/demo_lists.py)", allow_shrink=True)
        stdout.write(f"KYC: imported the demo {source} list.\n")
