"""E-mail about cases, through Django's e-mail backend, with repeats limited.

A Notification row is written in the caller's transaction and the mail goes
out after it commits, so a rolled-back change sends nothing and a committed
one is sent once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role

from . import timeline
from .choices import Queue, TimelineKind
from .models import Notification, TimelineEntry

logger = logging.getLogger(__name__)


def abuse_contacts(organization):
    """Return the addresses that receive abuse mail for an organisation.

    The organisation's abuse address comes first; without one, the members
    with the abuse role, and without those, the owners.
    """
    if organization is None:
        return []
    if organization.abuse_email:
        return [organization.abuse_email]
    for role in (Role.ABUSE, Role.OWNER):
        emails = sorted(
            {
                membership.user.email
                for membership in organization.memberships.filter(role=role).select_related("user")
                if membership.user.email
            }
        )
        if emails:
            return emails
    return []


def case_url(case):
    return settings.ABUSE_SITE_URL.rstrip("/") + reverse("abuse:case-detail", args=[case.pk])


def notify(case, kind, recipients, subject, body, *, internal=False, now=None, first=False):
    """Send one e-mail about `case` unless the same kind went out recently.

    Returns True when the mail was queued. `internal` mail goes to the abuse
    team and is hidden from the lessee's timeline. `first` skips the repeat
    check, for a case created in this transaction, which has no mail yet.
    """
    now = now or timezone.now()
    if not recipients:
        logger.warning("Case %s: no recipient for %s notification", case.pk, kind)
        timeline.record(
            case, TimelineKind.NOTIFICATION, f"No address to send the {kind} notification to.",
            internal=True, now=now,
        )
        return False
    window = timedelta(minutes=settings.ABUSE_NOTIFY_REPEAT_MINUTES)
    if not first and Notification.objects.filter(case=case, kind=kind, sent_at__gt=now - window).exists():
        logger.info("Case %s: %s notification already sent within %s", case.pk, kind, window)
        return False
    Notification.objects.create(case=case, kind=kind, recipients=recipients, subject=subject, sent_at=now)
    timeline.record(
        case, TimelineKind.NOTIFICATION, f"E-mail sent to {', '.join(recipients)}: {subject}",
        internal=internal, now=now,
    )
    transaction.on_commit(lambda: _send(case.pk, kind, subject, body, recipients))
    return True


def _send(case_id, kind, subject, body, recipients):
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError:
        # The Notification row stays, so the repeat limit holds; the log
        # carries the failure for the abuse team to resend by hand.
        logger.exception("Case %s: sending the %s e-mail to %s failed", case_id, kind, recipients)
        return
    logger.info("Case %s: sent %s e-mail to %s", case_id, kind, recipients)


def warn_lessee(case, now=None):
    """Send the first warning to the lessee's abuse contact, with the deadlines and a link."""
    subject, body = _warning(case)
    return notify(case, "warning", abuse_contacts(case.lessee), subject, body, now=now, first=True)


def inform_holder(case, now=None):
    subject, body = _holder_notice(case)
    return notify(case, "holder", abuse_contacts(case.holder), subject, body, now=now, first=True)


def _warning(case):
    subject = f"[Abuse case {case.pk}] {case.get_category_display()} reported on {case.subject}"
    body = (
        f"We received abuse reports ({case.get_category_display()}) about {case.subject}.\n\n"
        f"Respond by {case.response_due_at:%Y-%m-%d %H:%M} UTC and mitigate by "
        f"{case.resolution_due_at:%Y-%m-%d %H:%M} UTC.\n"
        f"The events and your response form are at {case_url(case)}\n"
    )
    return subject, body


def _holder_notice(case):
    subject = f"[Abuse case {case.pk}] {case.get_category_display()} reported on unleased space"
    body = (
        f"We received abuse reports ({case.get_category_display()}) about addresses of your block "
        f"that no lease covered at the time.\nDetails: {case_url(case)}\n"
    )
    return subject, body


def opening_notices(cases, contacts, now):
    """Warn the lessee or inform the holder of each newly opened case, in bulk.

    Writes the same mail, Notification rows and timeline entries as
    `warn_lessee` and `inform_holder` would case by case, in two inserts for
    all cases. The mail goes out after the transaction commits. `contacts(organization)` returns
    the addresses, so the caller can cache them across cases.
    """
    rows, entries, mails = [], [], []
    for case in cases:
        if case.queue == Queue.LESSEE:
            kind, recipients, (subject, body) = "warning", contacts(case.lessee), _warning(case)
        elif case.queue == Queue.HOLDER:
            kind, recipients, (subject, body) = "holder", contacts(case.holder), _holder_notice(case)
        else:
            continue
        if not recipients:
            logger.warning("Case %s: no recipient for %s notification", case.pk, kind)
            entries.append(timeline.entry(
                case, TimelineKind.NOTIFICATION, f"No address to send the {kind} notification to.",
                internal=True, now=now,
            ))
            continue
        rows.append(Notification(case=case, kind=kind, recipients=recipients, subject=subject, sent_at=now))
        entries.append(timeline.entry(
            case, TimelineKind.NOTIFICATION, f"E-mail sent to {', '.join(recipients)}: {subject}", now=now,
        ))
        mails.append((case.pk, kind, subject, body, recipients))
    Notification.objects.bulk_create(rows, batch_size=1000)
    TimelineEntry.objects.bulk_create(entries, batch_size=1000)
    if mails:
        transaction.on_commit(lambda: [_send(*mail) for mail in mails])


def alert_abuse_team(case, kind, reason, now=None):
    subject = f"[Abuse case {case.pk}] {reason}"
    body = f"{reason}\nCase: {case_url(case)}\nSeverity: {case.get_severity_display()}\n"
    return notify(
        case, kind, [settings.ABUSE_TEAM_EMAIL], subject, body, internal=True, now=now
    )
