"""Which cases a user may see and answer.

Lessees see the cases of their leases, holders the cases on their space.
The lessee responds to a case on its lease, and the holder to one on space
no lease covered at the time.
Internal timeline entries reach neither; staff see everything in the admin.
Neither is shown who reported an event, because `disclosed_event` withholds
the reporter's name and e-mail address from what the portal and API show.
"""

import re

from django.db.models import (
    Case as CaseExpression,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)

from accounts.access import organizations_for
from accounts.models import Membership, Role
from core.fields import CidrField

from .choices import CLOSED_STATES, OPEN_STATES, Channel, Queue
from .models import Case, Event, TimelineEntry

# Roles that may answer a case on the lessee's behalf.
ANSWERING_ROLES = (Role.OWNER, Role.ADMIN, Role.TECHNICAL, Role.ABUSE)


def by_next_deadline(cases):
    """Annotate `next_due`, the deadline the lessee must meet next, and order by it.

    The response deadline until the lessee responds, then the resolution
    deadline until the case is mitigated. Cases without a deadline left
    follow: open ones first (mitigated, waiting for the abuse team to
    resolve them), then closed ones.
    """
    return with_next_due(cases).order_by(*NEXT_DEADLINE_ORDER)


def with_next_due(cases):
    return cases.annotate(
        next_due=CaseExpression(
            When(state__in=OPEN_STATES, responded_at__isnull=True, then=F("response_due_at")),
            When(state__in=OPEN_STATES, mitigated_at__isnull=True, then=F("resolution_due_at")),
            default=None,
        ),
        closed=CaseExpression(When(state__in=CLOSED_STATES, then=Value(True)), default=Value(False)),
    )


NEXT_DEADLINE_ORDER = (F("next_due").asc(nulls_last=True), F("closed").asc(), "pk")


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


def case_events(case):
    """Return the case's events in time order, with the report fields `disclosed_event` reads and not its body."""
    # The stored body can be megabytes, and a case page lists many events.
    return (case.events.select_related("report__submitted_by").order_by("occurred_at", "pk")
            .only(*EVENT_COLUMNS, "report__channel", "report__source", "report__reporter_email",
                  "report__submitted_by__email", "report__submitted_by__first_name",
                  "report__submitted_by__last_name")
            .prefetch_related(Prefetch("report__submitted_by__memberships",
                                       queryset=Membership.objects.select_related("organization"))))


# The case column too: the case's related manager reads it from each event
# it returns, which would be a query per event if it were deferred.
EVENT_COLUMNS = ("id", "case", "ip", "port", "occurred_at", "zone_assumed", "category", "type", "reporter",
                 "confidence", "description", "evidence", "report")

# Text put in place of the reporter's name or e-mail address.
REPORTER_MARK = "[reporter]"
# Text put in place of the value of an evidence field that names the complainant.
WITHHELD_MARK = "[withheld]"
# Evidence fields that name the complainant rather than the abuse: the
# recipient of a reported mail (ARF Original-Rcpt-To, the original To
# header), the sender of an X-ARF report (Reported-From), and fields named
# reporter or reporter_email. Compared lower-cased, with underscores read
# as dashes.
COMPLAINANT_FIELDS = frozenset({"original-rcpt-to", "to", "reported-from", "reporter", "reporter-email"})
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Shorter names would blank out parts of ordinary words.
MIN_NAME_LENGTH = 3


def disclosed_event(event):
    """Return the event as the lessee and holder see it: without the reporter field, and with the reporter withheld.

    The reporter's name and e-mail address, and e-mail addresses at the
    reporter's mail domain, become REPORTER_MARK in the type, description
    and evidence. Evidence fields in COMPLAINANT_FIELDS become
    WITHHELD_MARK. `event.report` must be loaded, as `case_events` does.
    """
    identities = reporter_identities(event)
    return {
        "id": event.pk,
        "ip": str(event.address),
        "port": event.port,
        "occurred_at": event.occurred_at,
        "zone_assumed": event.zone_assumed,
        "category": event.category,
        "category_label": event.get_category_display(),
        "type": _redact_text(event.type, identities),
        "confidence": event.confidence,
        "confidence_label": event.get_confidence_display(),
        "description": _redact_text(event.description, identities),
        "evidence": _redact_value(event.evidence, identities),
    }


def reporter_identities(event):
    """Return the lower-cased names and e-mail addresses that identify who reported the event.

    Those are the event's reporter field, the e-mail address given on the
    public form and, for a report sent from an e-mail address, that address.
    For a report sent by a user of the platform, they are also the user's
    e-mail address, full name and organisations' names, but not the
    username, which may be an ordinary word. A value such as "Jane Roe
    <jane@cert.example>" gives both the address and the name. The
    platform's own monitors are no third party, so their events have none.
    """
    report = event.report
    if report.channel == Channel.MONITOR:
        return frozenset()
    candidates = [event.reporter, report.reporter_email]
    if "@" in report.source:
        candidates.append(report.source)
    submitter = report.submitted_by
    if submitter is not None:
        candidates += [submitter.email, submitter.get_full_name()]
        candidates += [membership.organization.name for membership in submitter.memberships.all()]
    identities = set()
    for value in candidates:
        identities.update(address.lower() for address in EMAIL_ADDRESS.findall(value))
        name = EMAIL_ADDRESS.sub("", value).strip(" \t<>()\"'")
        if len(name) >= MIN_NAME_LENGTH:
            identities.add(name.lower())
    return frozenset(identities)


def _redact_value(value, identities):
    if isinstance(value, str):
        return _redact_text(value, identities)
    if isinstance(value, list):
        return [_redact_value(item, identities) for item in value]
    if isinstance(value, dict):
        return {
            key: WITHHELD_MARK if _is_complainant_field(key) else _redact_value(item, identities)
            for key, item in value.items()
        }
    return value


def _is_complainant_field(key):
    return str(key).strip().lower().replace("_", "-") in COMPLAINANT_FIELDS


def _redact_text(text, identities):
    if not text or not identities:
        return text
    domains = {identity.rsplit("@", 1)[1] for identity in identities if "@" in identity}

    def mark_reporter_address(match):
        address = match.group(0).lower()
        domain = address.rsplit("@", 1)[1]
        at_reporter_domain = any(domain == known or domain.endswith("." + known) for known in domains)
        return REPORTER_MARK if address in identities or at_reporter_domain else match.group(0)

    text = EMAIL_ADDRESS.sub(mark_reporter_address, text)
    # NOTE: a name is found only as written in the reporter field, so a
    # signature that spells it differently, or names another person, stays.
    for name in identities:
        if "@" not in name:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", REPORTER_MARK, text, flags=re.IGNORECASE)
    return text
