"""The seed_demo command."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from accounts.models import Membership, Organization
from leases.choices import LeaseState, Term
from leases.models import Lease, LeaseEvent
from marketplace.models import IPBlock, Listing

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Organization, Membership, get_user_model(), IPBlock, Listing, Lease, LeaseEvent)
    }


@pytest.fixture(scope="module")
def seeded_output(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back afterwards.

    Rolling back, rather than deleting, also removes what the other apps'
    demo seeders add (abuse cases, ROAs, screening results), whose foreign
    keys protect the leases from deletion.
    """
    with django_db_blocker.unblock():
        with transaction.atomic():
            output = io.StringIO()
            call_command("seed_demo", stdout=output)
            yield output.getvalue()
            transaction.set_rollback(True)


def test_seed_twice_gives_same_counts(seeded_output):
    before = _counts()

    call_command("seed_demo", stdout=io.StringIO())

    assert _counts() == before


def test_seed_sizes(seeded_output):
    assert Organization.objects.filter(name__startswith="Demo Holder").count() == 50
    assert Organization.objects.filter(name__startswith="Demo Lessee").count() == 300
    assert IPBlock.objects.filter(prefix__net_contained_or_equal="100.64.0.0/10").count() == 1000
    assert Listing.objects.count() == IPBlock.objects.count()


def test_seed_uses_lab_ranges_only(seeded_output):
    outside = IPBlock.objects.exclude(prefix__net_contained_or_equal="100.64.0.0/10").exclude(
        prefix__net_contained_or_equal="198.18.0.0/15"
    )

    assert outside.count() == 0


@pytest.mark.parametrize(
    ("state", "term"),
    [(LeaseState.ACTIVE, Term.MONTHLY), (LeaseState.ACTIVE, Term.YEARLY), (LeaseState.ENDED, None)],
)
def test_seed_has_leases_of_kind(seeded_output, state, term):
    leases = Lease.objects.filter(state=state)
    if term:
        leases = leases.filter(term=term)

    assert leases.count() > 50


def test_seed_prints_demo_logins(seeded_output):
    assert "admin    password demo-admin-password" in seeded_output
    assert "holder   password demo-holder-password" in seeded_output
    assert "lessee   password demo-lessee-password" in seeded_output


def test_seed_demo_logins_work(seeded_output, client):
    assert client.login(username="holder", password="demo-holder-password")
    assert get_user_model().objects.get(username="admin").is_superuser


def test_seed_demo_lessee_has_history(seeded_output):
    leases = Lease.objects.filter(lessee__name="Example Lessee Hosting")

    assert leases.filter(state=LeaseState.ACTIVE).count() == 3
    assert leases.filter(state=LeaseState.ENDED).count() == 2


def test_seed_imports_current_demo_sanctions_lists(seeded_output):
    from kyc.sanctions import current_versions, list_problems

    versions = current_versions()

    assert sorted(versions) == ["eu", "ofac", "uk", "un"]
    assert list_problems(versions) == []
