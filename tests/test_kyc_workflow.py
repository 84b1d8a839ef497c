import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from kyc import services
from kyc.choices import DeclaredUse, ProfileState, RiskLevel
from kyc.exceptions import KycError, KycRequired
from kyc.models import Approval, ClientProfile
from kyc.sanctions import import_list
from kyc.screening import screen_profile
from kyc.testing import complete_profile, opensanctions_csv
from kyc.validation import validate_country, validate_vat
from leases import services as lease_services
from leases.choices import LeaseState, Term


@pytest.fixture(autouse=True)
def kyc_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KYC_REQUIRED_LISTS = ["opensanctions"]
    settings.KYC_HIGH_RISK_COUNTRIES = ["KP", "IR", "MM"]
    settings.KYC_RISK_MEDIUM = 30
    settings.KYC_RISK_HIGH = 60
    settings.SITE_URL = "http://127.0.0.1:8000"
    # Pages render without a collected static manifest.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    return settings


@pytest.fixture
def make_staff(make_user):
    return lambda: make_user(is_staff=True)


@pytest.fixture
def lists(db):
    rows = [{"id": "os-1", "name": "Volga Hosting LLC", "countries": ["ru"]}]
    return import_list("opensanctions", {"csv": opensanctions_csv(rows)}, origin="test")


def reviewed(organization, staff, **fields):
    profile = complete_profile(organization, **fields)
    services.submit(profile)
    screen_profile(profile, trigger="test")
    services.start_review(profile, user=staff)
    return profile


@pytest.mark.parametrize("vat, country, expected", [
    ("NL123456789B01", "NL", "NL123456789B01"),
    ("nl 1234.56789.b01", "NL", "NL123456789B01"),
    ("DE123456789", "DE", "DE123456789"),
    ("EL123456789", "GR", "EL123456789"),
    ("ATU12345678", "AT", "ATU12345678"),
    ("", "NL", ""),
])
def test_vat_valid(vat, country, expected):
    assert validate_vat(vat, country) == expected


@pytest.mark.parametrize("vat, country, message", [
    ("NL123456789", "NL", "is not in the format of NL; write it like NL123456789B01"),
    ("DE123456789", "NL", "has the prefix DE, but the country is NL"),
    ("GR123456789", "GR", "does not start with an EU country prefix"),
    ("US123456789", "US", "does not start with an EU country prefix"),
    ("DE12345678", "DE", "is not in the format of DE"),
])
def test_vat_invalid(vat, country, message):
    with pytest.raises(ValidationError, match=message):
        validate_vat(vat, country)


def test_country_must_be_iso_3166():
    assert validate_country("nl") == "NL"
    with pytest.raises(ValidationError, match="'XX' is not an ISO 3166-1 alpha-2 country code"):
        validate_country("XX")


def test_submit_lists_what_is_missing(make_organization):
    profile = services.profile_for(make_organization(kyc_approved=False))
    with pytest.raises(KycError) as raised:
        services.submit(profile)
    assert "registration number is missing." in raised.value.message
    assert "abuse email is missing." in raised.value.message
    assert "No document is uploaded" in raised.value.message
    assert profile.state == ProfileState.DRAFT


def test_submit_starts_review_round(make_organization):
    profile = complete_profile(make_organization(kyc_approved=False))
    services.submit(profile)
    profile.refresh_from_db()
    assert profile.state == ProfileState.SUBMITTED
    assert profile.review_round == 1
    assert profile.events.get().to_state == ProfileState.SUBMITTED


def test_changed_abuse_contact_needs_confirmation(make_organization, django_capture_on_commit_callbacks):
    profile = complete_profile(make_organization(kyc_approved=False))
    with django_capture_on_commit_callbacks(execute=True):
        services.update_profile(profile, {"abuse_email": "noc@example.org"})
    assert profile.abuse_email_confirmed_at is None
    assert mail.outbox[0].to == ["noc@example.org"]
    link = re.search(r"http://127\.0\.0\.1:8000(/kyc/abuse-contact/confirm/\S+/)", mail.outbox[0].body)
    assert link is not None
    with pytest.raises(KycError, match="is not confirmed yet"):
        services.submit(profile)


def test_confirmation_link_confirms(make_organization, client):
    profile = complete_profile(make_organization(kyc_approved=False), abuse_email_confirmed_at=None)
    token = services.confirmation_token(profile)
    page = client.get(f"/kyc/abuse-contact/confirm/{token}/")
    profile.refresh_from_db()
    assert page.status_code == 200
    assert profile.abuse_email_confirmed_at is None
    response = client.post(f"/kyc/abuse-contact/confirm/{token}/")
    profile.refresh_from_db()
    assert response.status_code == 200
    assert profile.abuse_email_confirmed_at is not None


def test_confirmation_link_of_old_address_rejected(make_organization):
    profile = complete_profile(make_organization(kyc_approved=False), abuse_email_confirmed_at=None)
    token = services.confirmation_token(profile)
    services.update_profile(profile, {"abuse_email": "new@example.org"})
    with pytest.raises(KycError, match="The abuse contact has changed since this link was sent"):
        services.confirm_abuse_contact(token)


def test_tampered_confirmation_link_rejected(make_organization):
    profile = complete_profile(make_organization(kyc_approved=False), abuse_email_confirmed_at=None)
    with pytest.raises(KycError, match="This confirmation link is invalid"):
        services.confirm_abuse_contact(services.confirmation_token(profile) + "x")


def test_expired_confirmation_link_rejected(make_organization, settings):
    profile = complete_profile(make_organization(kyc_approved=False), abuse_email_confirmed_at=None)
    token = services.confirmation_token(profile)
    with time_machine.travel(timezone.now() + timedelta(days=settings.KYC_CONFIRMATION_MAX_AGE_DAYS + 1)):
        with pytest.raises(KycError, match="This confirmation link has expired"):
            services.confirm_abuse_contact(token)


def test_low_risk_needs_one_approval(make_organization, make_staff, lists):
    staff = make_staff()
    profile = reviewed(make_organization(kyc_approved=False), staff)
    before = timezone.now()
    services.approve(profile, user=staff, note="Registry extract checked.")
    profile.refresh_from_db()
    assert profile.risk_level == RiskLevel.LOW
    assert profile.state == ProfileState.APPROVED
    assert before.replace(year=before.year + 1) <= profile.approved_until
    assert profile.approved_until <= timezone.now().replace(year=before.year + 1)


def test_high_risk_needs_policy_review(make_organization, make_staff, lists):
    staff = make_staff()
    profile = reviewed(make_organization(kyc_approved=False), staff, country="IR",
                       declared_use=DeclaredUse.EMAIL_MARKETING)
    with pytest.raises(KycError, match=r"The client is high risk \(score \d+\); record an adequate review"):
        services.approve(profile, user=staff)
    assert Approval.objects.count() == 0


def test_high_risk_needs_two_different_staff(make_organization, make_staff, lists):
    first, second = make_staff(), make_staff()
    profile = reviewed(make_organization(kyc_approved=False), first, country="IR",
                       declared_use=DeclaredUse.EMAIL_MARKETING)
    services.record_policy_review(profile, user=first, is_adequate=True, note="Policy handles complaints in 24 h.")

    services.approve(profile, user=first)
    profile.refresh_from_db()
    assert profile.risk_level == RiskLevel.HIGH
    assert profile.state == ProfileState.IN_REVIEW

    with pytest.raises(KycError, match="You have already approved this review round"):
        services.approve(profile, user=first)
    profile.refresh_from_db()
    assert profile.state == ProfileState.IN_REVIEW

    services.approve(profile, user=second)
    profile.refresh_from_db()
    assert profile.state == ProfileState.APPROVED
    assert sorted(Approval.objects.values_list("approved_by", flat=True)) == sorted([first.pk, second.pk])


def test_inadequate_policy_review_blocks_high_risk(make_organization, make_staff, lists):
    staff = make_staff()
    profile = reviewed(make_organization(kyc_approved=False), staff, country="IR",
                       declared_use=DeclaredUse.EMAIL_MARKETING)
    services.record_policy_review(profile, user=staff, is_adequate=False, note="No abuse handling at all.")
    with pytest.raises(KycError, match="record an adequate review"):
        services.approve(profile, user=staff)


def test_open_match_blocks_approval(make_organization, make_staff, lists):
    staff = make_staff()
    profile = reviewed(make_organization("Volga Hosting Ltd", kyc_approved=False), staff)
    with pytest.raises(KycError, match=r"1 potential sanctions match\(es\) wait for a decision"):
        services.approve(profile, user=staff)


def test_incomplete_screening_blocks_approval(make_organization, make_staff, lists, settings):
    staff = make_staff()
    settings.KYC_REQUIRED_LISTS = ["opensanctions", "un"]
    profile = reviewed(make_organization(kyc_approved=False), staff)
    with pytest.raises(KycError, match="The latest screening is incomplete: UN Security Council"):
        services.approve(profile, user=staff)


def test_unscreened_profile_cannot_be_approved(make_organization, make_staff, lists):
    staff = make_staff()
    profile = complete_profile(make_organization(kyc_approved=False))
    services.submit(profile)
    services.start_review(profile, user=staff)
    with pytest.raises(KycError, match="has not been screened since it was submitted"):
        services.approve(profile, user=staff)


def test_non_staff_cannot_approve(make_organization, make_user, make_staff, lists):
    profile = reviewed(make_organization(kyc_approved=False), make_staff())
    with pytest.raises(KycError, match="Only staff members"):
        services.approve(profile, user=make_user())


def test_more_information_returns_to_client(make_organization, make_staff, lists):
    staff = make_staff()
    organization = make_organization(kyc_approved=False)
    profile = reviewed(organization, staff)
    services.request_information(profile, user=staff, note="Upload a registry extract younger than 3 months.")
    assert profile.state == ProfileState.MORE_INFORMATION
    assert mail.outbox[-1].to == [organization.owner.email]
    assert "younger than 3 months" in mail.outbox[-1].body
    services.update_profile(profile, {"address": "Herengracht 2"})
    services.submit(profile)
    assert profile.review_round == 2


def test_reject_needs_reason(make_organization, make_staff, lists):
    staff = make_staff()
    profile = reviewed(make_organization(kyc_approved=False), staff)
    with pytest.raises(KycError, match="Give the reason"):
        services.reject(profile, user=staff, note="")
    services.reject(profile, user=staff, note="Registration number does not exist.")
    assert profile.state == ProfileState.REJECTED


def test_activation_needs_approval(make_organization, make_listing, holder):
    lessee = make_organization(kyc_approved=False)
    reservation = lease_services.reserve(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.YEARLY
    )
    with pytest.raises(KycRequired) as raised:
        lease_services.activate(reservation)
    assert raised.value.code == "kyc_required"
    assert "has not completed due diligence; fill in and submit the profile" in raised.value.message
    reservation.refresh_from_db()
    assert reservation.state == LeaseState.RESERVED


def test_activation_allowed_when_gate_off(make_organization, make_listing, holder, settings):
    settings.KYC_REQUIRED_FOR_ACTIVATION = False
    lessee = make_organization(kyc_approved=False)
    lease = lease_services.rent(listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.YEARLY)
    assert lease.state == LeaseState.ACTIVE


def test_lapsed_approval_blocks_activation(make_organization, make_listing, holder):
    lessee = make_organization()
    ClientProfile.objects.filter(organization=lessee).update(approved_until=timezone.now() - timedelta(days=1))
    reservation = lease_services.reserve(listing=make_listing(holder), lessee=lessee, prefix_length=24,
                                         term=Term.YEARLY)
    with pytest.raises(KycRequired, match="lapsed on .*; submit the profile again for renewal"):
        lease_services.activate(reservation)


def test_renewal_keeps_approval_while_in_review(make_organization, make_listing, holder):
    lessee = make_organization()
    profile = complete_profile(lessee, state=ProfileState.APPROVED, approved_until=timezone.now() + timedelta(days=20))
    services.submit(profile)
    lease = lease_services.rent(listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.YEARLY)
    assert lease.state == LeaseState.ACTIVE


def test_reminder_sent_once_before_lapse(make_organization, settings):
    settings.KYC_REMINDER_DAYS = 30
    soon = make_organization()
    later = make_organization()
    ClientProfile.objects.filter(organization=soon).update(approved_until=timezone.now() + timedelta(days=10))
    sent = services.send_renewal_reminders()
    assert sent == [soon.kyc_profile.pk]
    assert mail.outbox[0].to == [soon.owner.email]
    assert "lapses on" in mail.outbox[0].body
    assert services.send_renewal_reminders() == []
    assert later.kyc_profile.reminder_sent_at is None
