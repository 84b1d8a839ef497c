"""Risk factors from the abuse desk and the DNS monitoring.

They read `abuse.models.Case` (its `lessee`, `opened_at` and `state`) and
`monitoring.selectors.ptr_churn_flags_for` / `blocklist_listings_for`. The
imports sit inside the factors so that loading this app does not load those.
"""

from datetime import timedelta

from django.conf import settings

from .risk import FactorResult, risk_factor

POINTS_PER_ABUSE_CASE = 10
MAX_ABUSE_CASE_POINTS = 40
POINTS_PER_PTR_FLAG = 10
MAX_PTR_FLAG_POINTS = 30
POINTS_PER_BLOCKLIST_LISTING = 5
MAX_BLOCKLIST_POINTS = 30


def _since(now):
    return now - timedelta(days=settings.KYC_RISK_HISTORY_DAYS)


def _capped(count, per_item, maximum):
    return min(count * per_item, maximum)


@risk_factor("abuse_cases")
def abuse_cases(profile, now):
    from abuse.choices import CaseState
    from abuse.models import Case

    cases = Case.objects.filter(lessee=profile.organization, opened_at__gte=_since(now)).exclude(
        state=CaseState.INVALID
    )
    count = cases.count()
    if not count:
        return FactorResult(0, f"No abuse cases in the last {settings.KYC_RISK_HISTORY_DAYS} days.")
    return FactorResult(
        _capped(count, POINTS_PER_ABUSE_CASE, MAX_ABUSE_CASE_POINTS),
        f"{count} abuse case(s) against this lessee in the last {settings.KYC_RISK_HISTORY_DAYS} days.",
    )


@risk_factor("ptr_churn")
def ptr_churn(profile, now):
    from monitoring.selectors import ptr_churn_flags_for

    kinds = list(ptr_churn_flags_for(profile.organization, _since(now)).values_list("kind", flat=True))
    if not kinds:
        return FactorResult(0, f"No PTR churn flags in the last {settings.KYC_RISK_HISTORY_DAYS} days.")
    return FactorResult(
        _capped(len(kinds), POINTS_PER_PTR_FLAG, MAX_PTR_FLAG_POINTS),
        f"{len(kinds)} PTR flag(s) in the last {settings.KYC_RISK_HISTORY_DAYS} days "
        f"({', '.join(sorted(set(kinds)))}): reverse DNS names that change often or look like "
        "spammers' mail servers.",
    )


@risk_factor("blocklist_history")
def blocklist_history(profile, now):
    from monitoring.selectors import blocklist_listings_for

    count = blocklist_listings_for(profile.organization, _since(now)).count()
    if not count:
        return FactorResult(0, f"No blocklist listings in the last {settings.KYC_RISK_HISTORY_DAYS} days.")
    return FactorResult(
        _capped(count, POINTS_PER_BLOCKLIST_LISTING, MAX_BLOCKLIST_POINTS),
        f"{count} blocklist listing(s) of this lessee's addresses in the last "
        f"{settings.KYC_RISK_HISTORY_DAYS} days.",
    )
