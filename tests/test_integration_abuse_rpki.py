"""The abuse desk and RPKI control working together on one lease."""

import pytest
from django.utils import timezone

from abuse import actions
from abuse.choices import Category
from abuse.intake import record_monitor_event
from abuse.models import Case
from leases import services as lease_services
from leases.choices import Term
from rpki.backends import KrillBackend
from rpki.choices import ChangeAction, RoaPurpose
from rpki.krill import KrillClient
from rpki.models import RoaChange
from rpki.reconcile import reconcile
from rpki.testing import KrillStub
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)


@pytest.fixture(autouse=True)
def rpki_settings(settings, tmp_path):
    settings.RPKI_PARKING_ASN = 64511
    settings.RPKI_PARK_WITH_AS0 = False
    settings.RPKI_SLURM_JSON_PATH = tmp_path / "slurm.json"
    settings.RPKI_SLURM_CSV_PATH = tmp_path / "roas.csv"
    settings.RPKI_BIRD_CONFIG_PATH = tmp_path / "bird.conf"
    settings.RPKI_PARKED_JSON_PATH = tmp_path / "parked.json"


@pytest.fixture
def backend():
    with KrillStub(token="secret") as stub:
        yield KrillBackend(KrillClient(base_url=stub.url, ca="platform", token="secret", timeout=2))


@pytest.fixture
def lease(holder, lessee, make_listing):
    listing = make_listing(holder, "198.18.0.0/24")
    return lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                               origin_asn=64500)


def open_spam_case():
    record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.18.0.9",
                         occurred_at=timezone.now(), description="Listed on a test zone")
    return Case.objects.get()


def test_case_on_published_space_is_rpki_controlled(lease, backend):
    reconcile(reason="activated", backend=backend)
    assert open_spam_case().rpki_controlled is True


def test_case_before_publication_is_not_rpki_controlled(lease):
    assert open_spam_case().rpki_controlled is False


def test_suspension_stamps_roa_publication_on_case(lease, backend, make_user):
    reconcile(reason="activated", backend=backend)
    case = open_spam_case()
    actions.suspend_lease(case, user=make_user(is_staff=True), reason="spam run")

    reconcile(reason="suspended", backend=backend)

    case.refresh_from_db()
    removal = RoaChange.objects.get(action=ChangeAction.REMOVE, purpose=RoaPurpose.LEASE)
    assert case.roa_change_published_at == removal.published_at
    assert case.roa_change_delay == removal.published_at - case.suspension_decided_at


def test_repeat_reconcile_keeps_first_publication_time(lease, backend, make_user):
    reconcile(reason="activated", backend=backend)
    case = open_spam_case()
    actions.suspend_lease(case, user=make_user(is_staff=True), reason="spam run")
    reconcile(reason="suspended", backend=backend)
    case.refresh_from_db()
    first = case.roa_change_published_at

    reconcile(reason="scheduled", backend=backend)

    case.refresh_from_db()
    assert case.roa_change_published_at == first
