"""Risk factors from this app's own data and the lease history."""

from datetime import timedelta

from django.conf import settings

from leases.choices import LeaseState, Term
from leases.models import Lease

from .choices import DeclaredUse, MatchState, ViesStatus
from .matching import compare_names, prepare
from .models import ScreeningMatch
from .risk import FactorResult, risk_factor
from .vies import is_enabled as vies_enabled

DECLARED_USE_POINTS = {
    DeclaredUse.EMAIL_MARKETING: 30,
    DeclaredUse.VPN: 15,
    DeclaredUse.OTHER: 10,
    DeclaredUse.HOSTING: 5,
    DeclaredUse.CLOUD: 5,
    DeclaredUse.ISP: 0,
}
HIGH_RISK_COUNTRY_POINTS = 40
MISSING_COUNTRY_POINTS = 10
MONTHLY_TERMS_POINTS = 15
NEW_ACCOUNT_DAYS = 90
NEW_ACCOUNT_POINTS = 10
OPEN_MATCH_POINTS = 25
CONFIRMED_MATCH_POINTS = 100
VAT_INVALID_POINTS = 25
VAT_NAME_DIFFERS_POINTS = 15
# Name similarity (0 to 100, scored as in sanctions matching, legal forms
# ignored) from which the name registered in VIES counts as the legal name.
VAT_NAME_AGREES_SCORE = 85


@risk_factor("country")
def country(profile, now):
    if not profile.country:
        return FactorResult(MISSING_COUNTRY_POINTS, "No country of registration is given.")
    if profile.country in settings.KYC_HIGH_RISK_COUNTRIES:
        return FactorResult(
            HIGH_RISK_COUNTRY_POINTS, f"Registered in {profile.country}, which is on KYC_HIGH_RISK_COUNTRIES."
        )
    return FactorResult(0, f"Registered in {profile.country}, not a high-risk country.")


@risk_factor("declared_use")
def declared_use(profile, now):
    if not profile.declared_use:
        return FactorResult(DECLARED_USE_POINTS[DeclaredUse.OTHER], "No use of the space is declared.")
    points = DECLARED_USE_POINTS[profile.declared_use]
    return FactorResult(points, f"Declared use: {profile.get_declared_use_display()}.")


@risk_factor("terms")
def terms(profile, now):
    leases = Lease.objects.filter(lessee=profile.organization).exclude(state=LeaseState.CANCELLED)
    total = leases.count()
    if not total:
        return None
    monthly = leases.filter(term=Term.MONTHLY).count()
    if monthly * 2 > total:
        return FactorResult(
            MONTHLY_TERMS_POINTS,
            f"{monthly} of {total} leases run on monthly rather than yearly terms; short terms "
            "correlate with abuse.",
        )
    return FactorResult(0, f"{total - monthly} of {total} leases run on yearly terms.")


@risk_factor("account_age")
def account_age(profile, now):
    age = now - profile.organization.created_at
    if age < timedelta(days=NEW_ACCOUNT_DAYS):
        return FactorResult(NEW_ACCOUNT_POINTS, f"The account is {age.days} days old, younger than {NEW_ACCOUNT_DAYS}.")
    return FactorResult(0, f"The account is {age.days} days old.")


@risk_factor("screening_matches")
def screening_matches(profile, now):
    matches = ScreeningMatch.objects.filter(organization=profile.organization)
    confirmed = matches.filter(state=MatchState.CONFIRMED).count()
    if confirmed:
        return FactorResult(CONFIRMED_MATCH_POINTS, f"{confirmed} confirmed sanctions match(es).")
    open_matches = matches.filter(state=MatchState.OPEN).count()
    if open_matches:
        return FactorResult(
            OPEN_MATCH_POINTS * open_matches, f"{open_matches} potential sanctions match(es) not yet decided."
        )
    return None


def name_similarity(legal_name, registered_name):
    """Return the similarity of two company names from 0 to 100, or None when one has no words left."""
    left = prepare(legal_name, is_person=False)
    right = prepare(registered_name, is_person=False)
    if left is None or right is None:
        return None
    return compare_names(left, right).score


@risk_factor("vat_registration")
def vat_registration(profile, now):
    if not profile.vat_number or not vies_enabled():
        return None
    vat_number = profile.vat_number
    if not profile.vies_result_current:
        return FactorResult(0, f"VAT number {vat_number} has not been checked in VIES yet.")
    if profile.vies_status == ViesStatus.UNAVAILABLE:
        return FactorResult(
            0, f"VAT number {vat_number} is not checked yet: {profile.vies_error}. The check is retried.",
        )
    if profile.vies_status == ViesStatus.INVALID:
        return FactorResult(
            VAT_INVALID_POINTS,
            f"VIES reports VAT number {vat_number} as not valid "
            f"(checked {profile.vies_checked_at:%Y-%m-%d}).",
        )
    registered = profile.vies_name
    if not registered:
        return FactorResult(
            0,
            f"VIES confirms VAT number {vat_number}; its member state does not publish the registered name.",
        )
    similarity = name_similarity(profile.legal_name, registered)
    if similarity is None:
        return FactorResult(
            0, f"VIES confirms VAT number {vat_number}, registered to {registered!r}; the legal name has no "
            "words to compare with it.",
        )
    if similarity >= VAT_NAME_AGREES_SCORE:
        return FactorResult(
            0, f"VIES confirms VAT number {vat_number}, registered to {registered!r}, which agrees with the "
            f"legal name (similarity {similarity:.0f}).",
        )
    return FactorResult(
        VAT_NAME_DIFFERS_POINTS,
        f"VIES registers VAT number {vat_number} to {registered!r}, not to the legal name "
        f"{profile.legal_name!r} (similarity {similarity:.0f}); check that the client is that company.",
    )
