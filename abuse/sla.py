"""SLA policies: which one applies to a case, and the deadlines it sets."""

from datetime import timedelta

from django.conf import settings

from .models import SlaPolicy


class PolicyList(list):
    """The active policies, with the policy chosen for each (category, severity) kept after the first choice."""

    def __init__(self, policies):
        super().__init__(policies)
        self.chosen = {}


def active_policies():
    """Load the active policies once, for callers that pick policies for many cases."""
    return PolicyList(SlaPolicy.objects.filter(is_active=True))


def active_policies_statement():
    """Return the (sql, params) that reads the active policies, for a caller that sends it ahead."""
    columns = ", ".join(field.column for field in SlaPolicy._meta.concrete_fields)
    return f"SELECT {columns} FROM {SlaPolicy._meta.db_table} WHERE is_active", []


def policies_from_rows(rows):
    """Return the PolicyList of the rows of `active_policies_statement`."""
    names = [field.attname for field in SlaPolicy._meta.concrete_fields]
    return PolicyList(SlaPolicy.from_db("default", names, row) for row in rows)


def policy_for(category, severity, policies=None):
    """Return the most specific active policy for a category and severity.

    `policies` is a list from active_policies(); without it the table is
    read. Falls back to an unsaved policy with the ABUSE_DEFAULT_* hours when
    no row matches, so a case always has deadlines.
    """
    if policies is None:
        policies = active_policies()
    chosen = getattr(policies, "chosen", None)
    if chosen is None:
        return _choose(category, severity, policies)
    key = (category, severity)
    if key not in chosen:
        chosen[key] = _choose(category, severity, policies)
    return chosen[key]


def _choose(category, severity, policies):
    candidates = [
        policy for policy in policies
        if policy.category in (category, "") and policy.severity in (severity, None)
    ]
    best = None
    best_rank = None
    for policy in candidates:
        rank = (policy.category == category, policy.severity == severity)
        if best_rank is None or rank > best_rank:
            best, best_rank = policy, rank
    if best is not None:
        return best
    return SlaPolicy(
        response_time=timedelta(hours=settings.ABUSE_DEFAULT_RESPONSE_HOURS),
        resolution_time=timedelta(hours=settings.ABUSE_DEFAULT_RESOLUTION_HOURS),
    )


def apply_policy(case, policies=None):
    """Set the case's policy and deadlines from its category and severity.

    Deadlines count from `opened_at` plus the time spent paused. A later
    policy (after a severity rise) may bring a deadline forward, never push
    it back. Returns True when a deadline changed.
    """
    policy = policy_for(case.category, case.severity, policies)
    case.policy = policy if policy.pk else None
    response_due = case.opened_at + case.paused_total + policy.response_time
    resolution_due = case.opened_at + case.paused_total + policy.resolution_time
    changed = False
    if case.response_due_at is None or response_due < case.response_due_at:
        case.response_due_at = response_due
        changed = True
    if case.resolution_due_at is None or resolution_due < case.resolution_due_at:
        case.resolution_due_at = resolution_due
        changed = True
    return changed


def suspends_on_breach(case):
    return policy_for(case.category, case.severity).suspend_on_breach
