import time
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from kyc import services
from kyc.choices import MatchState, ProfileState, ScreeningStatus
from kyc.models import KeyPerson, Screening, ScreeningMatch, StaffNotice
from kyc.sanctions import import_list
from kyc.screening import screen_profile
from kyc.testing import complete_profile, opensanctions_csv
from leases import services as lease_services
from leases.choices import LeaseState, Term

LISTED = [
    {"id": "os-volga", "name": "Volga Hosting LLC", "aliases": ["ООО Волга Хостинг"], "countries": ["ru"]},
    {"id": "os-ivanov", "schema": "Person", "name": "Vladimir Petrovich Ivanov", "birth_dates": ["1970-01-02"],
     "countries": ["ru"]},
]


@pytest.fixture(autouse=True)
def kyc_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KYC_REQUIRED_LISTS = ["opensanctions"]
    settings.KYC_LIST_MAX_AGE_HOURS = 72
    return settings


@pytest.fixture
def staff(make_user):
    return make_user(is_staff=True)


@pytest.fixture
def listed(db):
    return import_list("opensanctions", {"csv": opensanctions_csv(LISTED)}, origin="test")


def test_no_match_is_clear(make_organization, listed):
    profile = complete_profile(make_organization("Amsterdam Fibre B.V."))
    screening = screen_profile(profile, trigger="test")
    assert screening.status == ScreeningStatus.CLEAR
    assert screening.problems == []
    assert screening.list_versions == {"opensanctions": listed.pk}


def test_stale_list_makes_screening_incomplete(make_organization, listed, settings):
    listed.imported_at = timezone.now() - timedelta(hours=73)
    listed.save()
    profile = complete_profile(make_organization("Amsterdam Fibre B.V."))
    screening = screen_profile(profile, trigger="test")
    assert screening.status == ScreeningStatus.INCOMPLETE
    assert len(screening.problems) == 1
    assert "OpenSanctions targets was last imported" in screening.problems[0]
    assert "longer than 72 hours ago" in screening.problems[0]


def test_missing_list_makes_screening_incomplete(make_organization, settings, db):
    settings.KYC_REQUIRED_LISTS = ["ofac", "opensanctions"]
    import_list("opensanctions", {"csv": opensanctions_csv(LISTED)}, origin="test")
    profile = complete_profile(make_organization("Amsterdam Fibre B.V."))
    screening = screen_profile(profile, trigger="test")
    assert screening.status == ScreeningStatus.INCOMPLETE
    assert screening.problems == ["OFAC SDN (US) has never been imported."]


def test_name_without_letters_is_incomplete(make_organization, listed):
    profile = complete_profile(make_organization("Org x"), legal_name="Ltd.")
    profile.organization.name = "GmbH"
    screening = screen_profile(profile, trigger="test")
    assert screening.status == ScreeningStatus.INCOMPLETE
    assert "has no letters or digits left after normalisation" in screening.problems[0]
    assert ScreeningMatch.objects.count() == 0


def test_potential_match_stored_with_score_and_reason(make_organization, listed, staff):
    profile = complete_profile(make_organization("Volga Hosting Ltd"), country="RU")
    screening = screen_profile(profile, trigger="test")
    match = ScreeningMatch.objects.get()
    assert screening.status == ScreeningStatus.POTENTIAL_MATCH
    assert screening.new_matches == 1
    assert match.entity_key == "opensanctions:os-volga"
    assert match.score == 100
    assert match.reason == "name spelling similarity 100; country RU on both"
    assert match.state == MatchState.OPEN


def test_new_match_tells_staff(make_organization, listed, staff):
    profile = complete_profile(make_organization("Volga Hosting Ltd"))
    screen_profile(profile, trigger="test")
    notice = StaffNotice.objects.get()
    assert notice.subject == "1 potential sanctions match(es) for Volga Hosting Ltd"
    assert [message.to for message in mail.outbox] == [[staff.email]]


def test_cyrillic_client_name_matches(make_organization, listed):
    profile = complete_profile(make_organization("Volga Org"), legal_name="ООО «Волга Хостинг»")
    screen_profile(profile, trigger="test")
    assert ScreeningMatch.objects.get().subject_name == "ООО «Волга Хостинг»"


def test_key_person_screened_with_birth_date(make_organization, listed):
    profile = complete_profile(make_organization("Amsterdam Fibre B.V."))
    KeyPerson.objects.create(profile=profile, full_name="Владимир Петрович Иванов", birth_date=date(1970, 1, 2))
    screen_profile(profile, trigger="test")
    match = ScreeningMatch.objects.get()
    assert match.entity_key == "opensanctions:os-ivanov"
    assert "birth date 1970-01-02 agrees" in match.reason


def test_false_match_not_raised_again_for_same_version(make_organization, listed, staff):
    profile = complete_profile(make_organization("Volga Hosting Ltd"))
    screen_profile(profile, trigger="test")
    match = ScreeningMatch.objects.get()
    services.decide_match(match, user=staff, confirmed=False, note="Dutch company, founded 2019, unrelated.")
    import_list("opensanctions", {"csv": opensanctions_csv(LISTED)}, origin="test again")
    screening = screen_profile(profile, trigger="test")
    assert screening.status == ScreeningStatus.CLEAR
    assert screening.new_matches == 0
    assert ScreeningMatch.objects.count() == 1


def test_changed_entity_raised_again(make_organization, listed, staff):
    profile = complete_profile(make_organization("Volga Hosting Ltd"))
    screen_profile(profile, trigger="test")
    services.decide_match(ScreeningMatch.objects.get(), user=staff, confirmed=False, note="Unrelated.")
    changed = [dict(LISTED[0], aliases=["ООО Волга Хостинг", "Volga Cloud"]), LISTED[1]]
    import_list("opensanctions", {"csv": opensanctions_csv(changed)}, origin="changed")
    screening = screen_profile(profile, trigger="test")
    assert screening.status == ScreeningStatus.POTENTIAL_MATCH
    assert ScreeningMatch.objects.filter(state=MatchState.OPEN).count() == 1
    assert ScreeningMatch.objects.count() == 2


def test_decision_needs_a_note(make_organization, listed, staff):
    profile = complete_profile(make_organization("Volga Hosting Ltd"))
    screen_profile(profile, trigger="test")
    with pytest.raises(services.KycError, match="Explain the decision in a note"):
        services.decide_match(ScreeningMatch.objects.get(), user=staff, confirmed=False, note=" ")


def test_confirmed_match_suspends_leases(make_organization, make_listing, holder, listed, staff):
    lessee = make_organization("Volga Hosting Ltd")
    lease = lease_services.rent(
        listing=make_listing(holder, "198.51.100.0/24"), lessee=lessee, prefix_length=24, term=Term.YEARLY
    )
    complete_profile(lessee, state=ProfileState.APPROVED, approved_until=timezone.now() + timedelta(days=200))
    screen_profile(lessee.kyc_profile, trigger="test")
    mail.outbox.clear()

    services.decide_match(ScreeningMatch.objects.get(), user=staff, confirmed=True, note="Same company, same address.")

    lease.refresh_from_db()
    lessee.kyc_profile.refresh_from_db()
    assert lease.state == LeaseState.SUSPENDED
    assert lease.suspension_reason == "Confirmed sanctions match: Volga Hosting LLC (opensanctions:os-volga)"
    assert lessee.kyc_profile.state == ProfileState.REJECTED
    assert lessee.kyc_profile.approved_until is None
    notice = StaffNotice.objects.get(subject="Confirmed sanctions match: Volga Hosting Ltd")
    assert "1 lease(s) are suspended: 198.51.100.0/24" in notice.body
    assert [message.subject for message in mail.outbox] == ["[KYC] Confirmed sanctions match: Volga Hosting Ltd"]


def test_confirmed_match_blocks_activation(make_organization, make_listing, holder, listed, staff):
    lessee = make_organization("Volga Hosting Ltd")
    screen_profile(lessee.kyc_profile, trigger="test")
    services.decide_match(ScreeningMatch.objects.get(), user=staff, confirmed=True, note="Same company.")
    reservation = lease_services.reserve(
        listing=make_listing(holder, "198.51.100.0/24"), lessee=lessee, prefix_length=24, term=Term.YEARLY
    )
    with pytest.raises(services.KycRequired, match="was rejected"):
        lease_services.activate(reservation)


@pytest.mark.worker
def test_list_change_rescreens_everyone(celery_worker, make_organization, settings):
    profile = complete_profile(make_organization("Volga Hosting Ltd"), state=ProfileState.SUBMITTED)
    version = import_list("opensanctions", {"csv": opensanctions_csv(LISTED)}, origin="worker test")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Screening.objects.filter(organization=profile.organization).exists():
        time.sleep(0.2)
    screening = Screening.objects.get(organization=profile.organization)
    assert screening.trigger == f"list version {version.pk}"
    assert screening.status == ScreeningStatus.POTENTIAL_MATCH
