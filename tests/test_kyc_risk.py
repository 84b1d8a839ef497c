from datetime import timedelta

import pytest
from django.utils import timezone

from abuse.choices import Category
from abuse.intake import record_monitor_event
from abuse.models import Case
from accounts.models import Organization
from kyc.choices import DeclaredUse, RiskLevel
from kyc.models import ScreeningMatch
from kyc.risk import FACTORS, assess, level_for
from kyc.sanctions import import_list
from kyc.screening import screen_profile
from kyc.testing import complete_profile, opensanctions_csv
from leases import services as lease_services
from leases.choices import Term
from monitoring.models import BlocklistListing, DnsblZone, PtrFlag


@pytest.fixture(autouse=True)
def kyc_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KYC_REQUIRED_LISTS = ["opensanctions"]
    settings.KYC_HIGH_RISK_COUNTRIES = ["KP", "IR", "MM"]
    settings.KYC_RISK_MEDIUM = 30
    settings.KYC_RISK_HIGH = 60
    settings.KYC_RISK_HISTORY_DAYS = 365
    return settings


def old_enough(organization):
    Organization.objects.filter(pk=organization.pk).update(created_at=timezone.now() - timedelta(days=400))
    organization.refresh_from_db()
    return organization


def points(assessment):
    return {item["factor"]: item["points"] for item in assessment.factors}


def explanation(assessment, factor):
    return next(item["explanation"] for item in assessment.factors if item["factor"] == factor)


def test_registry_holds_every_factor():
    assert list(FACTORS) == [
        "country", "declared_use", "terms", "account_age", "screening_matches", "vat_registration",
        "abuse_cases", "ptr_churn", "blocklist_history",
    ]


def test_established_isp_is_low_risk(make_organization):
    profile = complete_profile(old_enough(make_organization(kyc_approved=False)))
    assessment = assess(profile)
    assert assessment.score == 0
    assert assessment.level == RiskLevel.LOW
    assert points(assessment)["country"] == 0
    assert explanation(assessment, "declared_use") == "Declared use: Internet access (ISP)."
    profile.refresh_from_db()
    assert profile.risk_score == 0
    assert profile.risk_level == RiskLevel.LOW


def test_high_risk_country_and_email_marketing(make_organization):
    profile = complete_profile(
        old_enough(make_organization(kyc_approved=False)), country="IR", declared_use=DeclaredUse.EMAIL_MARKETING
    )
    assessment = assess(profile)
    assert points(assessment)["country"] == 40
    assert points(assessment)["declared_use"] == 30
    assert assessment.score == 70
    assert assessment.level == RiskLevel.HIGH
    assert explanation(assessment, "country") == "Registered in IR, which is on KYC_HIGH_RISK_COUNTRIES."


def test_new_account_adds_points(make_organization):
    profile = complete_profile(make_organization(kyc_approved=False))
    assessment = assess(profile)
    assert points(assessment)["account_age"] == 10
    assert explanation(assessment, "account_age") == "The account is 0 days old, younger than 90."


def test_monthly_terms_add_points(make_organization, make_listing, holder):
    lessee = old_enough(make_organization())
    listing = make_listing(holder, "198.18.0.0/23")
    lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    assessment = assess(complete_profile(lessee))
    assert points(assessment)["terms"] == 15
    assert explanation(assessment, "terms").startswith("2 of 2 leases run on monthly rather than yearly terms")


def test_yearly_terms_add_nothing(make_organization, make_listing, holder):
    lessee = old_enough(make_organization())
    lease_services.rent(listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.YEARLY)
    assessment = assess(complete_profile(lessee))
    assert points(assessment)["terms"] == 0


def test_open_match_adds_points(make_organization):
    import_list("opensanctions", {"csv": opensanctions_csv([{"id": "x", "name": "Volga Hosting"}])}, origin="t")
    profile = complete_profile(old_enough(make_organization("Volga Hosting Ltd", kyc_approved=False)))
    screen_profile(profile, trigger="test")
    assessment = assess(profile)
    assert ScreeningMatch.objects.count() == 1
    assert points(assessment)["screening_matches"] == 25
    assert assessment.level == RiskLevel.LOW


def test_abuse_cases_add_points(make_organization, make_listing, holder, django_capture_on_commit_callbacks):
    lessee = old_enough(make_organization())
    lease_services.rent(listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.YEARLY)
    with django_capture_on_commit_callbacks(execute=True):
        for category in (Category.SPAM, Category.PHISHING):
            record_monitor_event(
                source="dnsbl", category=category, ip="198.51.100.7",
                occurred_at=timezone.now(), description="",
            )
    assert Case.objects.filter(lessee=lessee).count() == 2
    assessment = assess(complete_profile(lessee))
    assert points(assessment)["abuse_cases"] == 20
    assert explanation(assessment, "abuse_cases") == "2 abuse case(s) against this lessee in the last 365 days."


def test_other_lessees_cases_not_counted(make_organization, make_listing, holder, django_capture_on_commit_callbacks):
    lessee = old_enough(make_organization())
    other = make_organization()
    lease_services.rent(listing=make_listing(holder), lessee=other, prefix_length=24, term=Term.YEARLY)
    with django_capture_on_commit_callbacks(execute=True):
        record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.7",
                             occurred_at=timezone.now(), description="")
    assessment = assess(complete_profile(lessee))
    assert points(assessment)["abuse_cases"] == 0


@pytest.mark.parametrize("score, level", [(0, RiskLevel.LOW), (29, RiskLevel.LOW), (30, RiskLevel.MEDIUM),
                                          (59, RiskLevel.MEDIUM), (60, RiskLevel.HIGH)])
def test_thresholds(score, level):
    assert level_for(score) == level


def test_ptr_flags_add_points(make_organization):
    lessee = old_enough(make_organization())
    now = timezone.now()
    for kind in (PtrFlag.Kind.CHURN_24H, PtrFlag.Kind.MAIL_NAMES):
        PtrFlag.objects.create(kind=kind, lessee=lessee, observed=12, threshold=5, detail="test", raised_at=now)
    PtrFlag.objects.create(kind=PtrFlag.Kind.CHURN_7D, lessee=lessee, observed=30, threshold=20, detail="old",
                           raised_at=now - timedelta(days=400), resolved_at=now - timedelta(days=390))
    assessment = assess(complete_profile(lessee))
    assert points(assessment)["ptr_churn"] == 20
    assert explanation(assessment, "ptr_churn").startswith(
        "2 PTR flag(s) in the last 365 days (churn_24h, mail_names)"
    )


def test_blocklist_listings_add_points(make_organization):
    lessee = old_enough(make_organization())
    zone = DnsblZone.objects.create(name="zen.example.test")
    now = timezone.now()
    BlocklistListing.objects.create(zone=zone, ip=3325256711, lessee=lessee, kind=BlocklistListing.Kind.LISTING,
                                    listed_at=now - timedelta(days=2))
    BlocklistListing.objects.create(zone=zone, ip=3325256712, lessee=lessee,
                                    kind=BlocklistListing.Kind.INFORMATION, listed_at=now - timedelta(days=2))
    assessment = assess(complete_profile(lessee))
    assert points(assessment)["blocklist_history"] == 5
    assert explanation(assessment, "blocklist_history") == (
        "1 blocklist listing(s) of this lessee's addresses in the last 365 days."
    )


def test_clean_monitoring_history_adds_nothing(make_organization):
    assessment = assess(complete_profile(old_enough(make_organization())))
    assert points(assessment)["ptr_churn"] == 0
    assert points(assessment)["blocklist_history"] == 0
