"""Risk factors from this app's own data and the lease history."""

from datetime import timedelta

from django.conf import settings

from leases.choices import LeaseState, Term
from leases.models import Lease

from .choices import DeclaredUse, MatchState
from .models import ScreeningMatch
from .risk import FactorResult, risk_factor

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
