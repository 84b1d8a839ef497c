"""Which cases a user may see and answer.

Lessees see the cases of their leases, holders the cases on their space.
The lessee responds to a case on its lease, and the holder to one on space
no lease covered at the time.
Internal timeline entries reach neither; staff see everything in the admin.
"""

from django.db.models import Case as CaseExpression, Count, F, IntegerField, Min, OuterRef, Q, Subquery, When

from accounts.access import organizations_for
from accounts.models import Role
from core.fields import CidrField

from .choices import OPEN_STATES, Queue
from .models import Case, Event, TimelineEntry

# Roles that may answer a case on the lessee's behalf.
ANSWERING_ROLES = (Role.OWNER, Role.ADMIN, Role.TECHNICAL, Role.ABUSE)


def by_next_deadline(cases):
    """Annotate `next_due`, the deadline the lessee must meet next, and order by it; closed cases come last.

    The response deadline until the lessee responds, then the resolution
    deadline until the case is mitigated.
    """
    return with_next_due(cases).order_by(*NEXT_DEADLINE_ORDER)


def with_next_due(cases):
    return cases.annotate(
        next_due=CaseExpression(
            When(state__in=OPEN_STATES, responded_at__isnull=True, then=F("response_due_at")),
            When(state__in=OPEN_STATES, mitigated_at__isnull=True, then=F("resolution_due_at")),
            default=None,
        )
    )


NEXT_DEADLINE_ORDER = (F("next_due").asc(nulls_last=True), "pk")


def with_address_summary(cases):
    """Annotate what `Case.subject` needs to title cases without a lease: their lowest address and address count.

    Cases with a lease get NULL, so their events are not read. The values
    are scalar subqueries rather than a join, so that a page of cases reads
    only its own cases' events.
    """
    events = Event.objects.filter(case=OuterRef("pk")).order_by().values("case")
    first = events.annotate(first=Min("ip")).values("first")
    count = events.annotate(count=Count("ip", distinct=True)).values("count")
    return cases.annotate(
        first_address=CaseExpression(When(lease__isnull=True, then=Subquery(first)), output_field=CidrField()),
        address_count=CaseExpression(When(lease__isnull=True, then=Subquery(count)), output_field=IntegerField()),
    )


def visible_cases(user):
    organizations = organizations_for(user)
    return Case.objects.filter(Q(lessee__in=organizations) | Q(holder__in=organizations))


def responsible_party(case):
    """Return ("lessee" or "holder", organisation id) of who must respond to the case, or None on the platform's queue.

    The holder responds for space no lease covered at the time.
    """
    if case.queue == Queue.LESSEE and case.lessee_id is not None:
        return "lessee", case.lessee_id
    if case.queue == Queue.HOLDER and case.holder_id is not None:
        return "holder", case.holder_id
    return None


def can_answer(user, case):
    """Return whether `user` may acknowledge, message and mark the case mitigated for the responsible organisation."""
    party = responsible_party(case)
    if party is None:
        return False
    return organizations_for(user, roles=ANSWERING_ROLES).filter(pk=party[1]).exists()


def public_timeline(case):
    return TimelineEntry.objects.filter(case=case, internal=False).order_by("created_at", "pk")
