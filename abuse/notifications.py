"""E-mail about cases, through an outbox that workers deliver, with repeats limited.

`notify` and the intake write a queued Notification row in the caller's
transaction and do not contact the mail server. So a rolled-back change
sends nothing, and a slow or broken mail server never holds up intake or
escalation. After the commit, `deliver_notifications_task` sends the queued
rows over one connection. It records each sent mail on the case's timeline
and retries failures with a growing delay.
"""

import functools
import logging
import time
from datetime import timedelta, timezone as dt_timezone

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, Role
from core.sql import array_literal

from . import timeline
from .bulk import update_rows
from .choices import NotificationKind, NotificationStatus, Queue, TimelineKind
from .models import Notification, TimelineEntry

logger = logging.getLogger(__name__)


def abuse_contacts(organization):
    """Return the addresses that receive abuse mail for an organisation.

    The organisation's abuse address comes first; without one, the members
    with the abuse role, and without those, the owners.
    """
    if organization is None:
        return []
    return abuse_contacts_of({organization.pk}).get(organization.pk, [])


def case_url(case):
    """Return the case's page for the lessee or holder."""
    return _site_url(_case_path().format(case.pk))


def admin_case_url(case):
    """Return the case's page in the admin, where the abuse team works on it."""
    return _site_url(reverse("admin:abuse_case_change", args=[case.pk]))


def _site_url(path):
    return settings.ABUSE_SITE_URL.rstrip("/") + path


@functools.cache
def _case_path():
    # Reversed once with a stand-in key: reverse() costs more than the rest
    # of a notice, and intake writes one notice per new case.
    return reverse("abuse:case-detail", args=[0]).replace("/0/", "/{}/")


def notify(case, kind, recipients, subject, body, *, internal=False, now=None):
    """Queue one e-mail about `case` unless the same kind was queued recently.

    Returns True when the mail was queued. `internal` mail goes to the abuse
    team and is hidden from the lessee's timeline.
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
    if Notification.objects.filter(case=case, kind=kind, queued_at__gt=now - window).exists():
        logger.info("Case %s: %s notification already queued within %s", case.pk, kind, window)
        return False
    Notification.objects.create(case=case, kind=kind, recipients=recipients, subject=subject, body=body,
                                internal=internal, queued_at=now, next_attempt_at=now)
    request_delivery()
    return True


def request_delivery():
    """Ask a worker to deliver queued mail after the current transaction commits.

    When the broker cannot take the task, the mail stays queued and the
    once-a-minute run of the task sends it.
    """
    transaction.on_commit(_start_delivery, robust=True)


def _start_delivery():
    # One delivery run sends everything queued before it starts. A process
    # that commits many times a second requests a run now at most once per
    # ABUSE_NOTIFY_KICK_SECONDS. In between it requests one run at the end of
    # that interval, which covers the commits until then.
    global _last_immediate, _covered_until
    from kombu.exceptions import OperationalError

    from .tasks import deliver_notifications_task

    now = time.monotonic()
    if now < _covered_until:
        return
    interval = settings.ABUSE_NOTIFY_KICK_SECONDS
    # No result is kept and a refused publish is not retried: either would
    # make the committing request wait on an unreachable Redis for seconds,
    # and the once-a-minute run sends the mail anyway.
    options = {"ignore_result": True, "retry": False}
    try:
        if now - _last_immediate >= interval:
            _last_immediate = now
            deliver_notifications_task.apply_async(**options)
        else:
            _covered_until = now + interval
            deliver_notifications_task.apply_async(countdown=interval, **options)
    except OperationalError as exc:
        logger.warning("Could not ask a worker to deliver queued mail, so the once-a-minute run will send it: %s",
                       exc)


_last_immediate = _covered_until = float("-inf")


def send_again(notifications, *, user):
    """Queue the failed ones among `notifications` for delivery again, with a fresh count of attempts.

    Each gets an internal timeline entry naming `user`. Returns how many
    were queued; queued and sent rows are left as they are.
    """
    now = timezone.now()
    with transaction.atomic():
        failed = list(notifications.filter(status=NotificationStatus.FAILED).select_related("case")
                      .select_for_update(of=("self",)))
        for row in failed:
            row.status, row.attempts, row.next_attempt_at = NotificationStatus.QUEUED, 0, now
        update_rows(Notification, failed, ["status", "attempts", "next_attempt_at"])
        TimelineEntry.objects.bulk_create([
            timeline.entry(row.case, TimelineKind.NOTIFICATION,
                           f"The failed {row.kind} e-mail to {', '.join(row.recipients)} was queued again.",
                           actor=user, internal=True, now=now, data={"notification": row.pk})
            for row in failed
        ])
        if failed:
            request_delivery()
    return len(failed)


def deliver_queued(*, now=None, limit=None):
    """Send queued notifications that are due, over one mail connection. Returns how many went out.

    Rows are claimed with SKIP LOCKED, so several workers deliver side by
    side without sending a mail twice. A sent mail adds a timeline entry. A
    failed one waits ABUSE_NOTIFY_RETRY_MINUTES, doubled at each attempt,
    and after ABUSE_NOTIFY_MAX_ATTEMPTS it is marked failed on the timeline
    for the abuse team.
    """
    now = now or timezone.now()
    limit = limit or settings.ABUSE_NOTIFY_BATCH
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("case__lease")
            .filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        if not rows:
            return 0
        entries = []
        sent = 0
        mail = get_connection(fail_silently=False)
        try:
            mail.open()
        except OSError as exc:
            for row in rows:
                entries.extend(_failed(row, exc, now))
        else:
            try:
                for row in rows:
                    entries.extend(_send(mail, row, now))
                    sent += row.status == NotificationStatus.SENT
            finally:
                try:
                    mail.close()
                except OSError:
                    logger.warning("Closing the mail connection failed", exc_info=True)
        update_rows(Notification, rows,
                    ["subject", "body", "status", "attempts", "next_attempt_at", "last_error", "sent_at"])
        TimelineEntry.objects.bulk_create(entries, batch_size=1000)
    return sent


def _send(mail, row, now):
    if not row.subject:
        # The first notice of a case is written when it is sent, with the
        # case as it is then, and kept on the row.
        row.subject, row.body = opening_text(row.case, row.kind)
    message = EmailMessage(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, row.recipients, connection=mail)
    try:
        message.send()
    except OSError as exc:
        return _failed(row, exc, now)
    row.attempts += 1
    row.status = NotificationStatus.SENT
    row.sent_at = now
    row.last_error = ""
    logger.info("Case %s: sent %s e-mail to %s", row.case_id, row.kind, row.recipients)
    return [timeline.entry(
        row.case, TimelineKind.NOTIFICATION, f"E-mail sent to {', '.join(row.recipients)}: {row.subject}",
        internal=row.internal, now=now, data={"notification": row.pk},
    )]


def _failed(row, exc, now):
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    if row.attempts < settings.ABUSE_NOTIFY_MAX_ATTEMPTS:
        delay = timedelta(minutes=settings.ABUSE_NOTIFY_RETRY_MINUTES * 2 ** (row.attempts - 1))
        row.next_attempt_at = now + delay
        logger.warning("Case %s: sending the %s e-mail failed (attempt %s), retrying at %s: %s",
                       row.case_id, row.kind, row.attempts, row.next_attempt_at, row.last_error)
        return []
    row.status = NotificationStatus.FAILED
    logger.error("Case %s: sending the %s e-mail to %s failed %s times, giving up: %s",
                 row.case_id, row.kind, row.recipients, row.attempts, row.last_error)
    return [timeline.entry(
        row.case, TimelineKind.NOTIFICATION,
        f"The {row.kind} e-mail to {', '.join(row.recipients)} could not be sent after {row.attempts} "
        f"attempt(s) ({row.last_error}). Send it again from Abuse desk > Notifications once the mail server "
        "works, or send it by hand.",
        internal=True, now=now, data={"notification": row.pk},
    )]


def _warning(case):
    subject = f"[Abuse case {case.pk}] {case.get_category_display()} reported on {case.subject}"
    # The event times show the lessee which of its leases of the prefix the
    # reports concern, which matters once that lease has ended.
    body = (
        f"We received abuse reports ({case.get_category_display()}) about {case.subject}, "
        f"for events seen {_period(case)}.\n\n"
        f"{_events_text(case)}"
        f"{_deadlines_text(case)}"
        f"The events and your response form are at {case_url(case)}\n"
    )
    return subject, body


def _events_text(case):
    """Return the lines listing the addresses and times of the first events, which the recipient needs."""
    events = list(case.events.order_by("occurred_at", "pk").values_list("ip", "occurred_at")[:NOTICE_EVENTS + 1])
    lines = [f"- {network.network_address} at {_utc_minute(moment)} UTC" for network, moment in events[:NOTICE_EVENTS]]
    if len(events) > NOTICE_EVENTS:
        lines.append(f"- and {case.event_count - NOTICE_EVENTS} more on the case page")
    return "Events:\n" + "\n".join(lines) + "\n\n" if lines else ""


# Events listed in a notice; the case page lists them all.
NOTICE_EVENTS = 20


def _deadlines_text(case):
    return (
        f"Respond by {case.response_due_at:%Y-%m-%d %H:%M} UTC and mitigate by "
        f"{case.resolution_due_at:%Y-%m-%d %H:%M} UTC.\n"
    )


def _period(case):
    first, last = _utc_minute(case.first_event_at), _utc_minute(case.last_event_at)
    return f"at {first} UTC" if first == last else f"from {first} to {last} UTC"


def _utc_minute(moment):
    # isoformat, not strftime, which cost more than the rest of a notice.
    return moment.astimezone(dt_timezone.utc).isoformat(" ", "minutes")[:16]


def _holder_notice(case):
    subject = (f"[Abuse case {case.pk}] {case.get_category_display()} reported on {case.subject}, "
               "unleased space of your block")
    body = (
        f"We received abuse reports ({case.get_category_display()}) about addresses of your block "
        f"that no lease covered at the time, for events seen {_period(case)}. As the holder, you answer for "
        "that space.\n\n"
        f"{_events_text(case)}"
        f"{_deadlines_text(case)}"
        f"The events and your response form are at {case_url(case)}\n"
    )
    return subject, body


def opening_recipients(case, contacts):
    """Return (kind, addresses) of the first notice of a new case, or None when it sends none.

    The lessee's abuse contact is warned; for space no lease covered, the
    holder is informed; platform queue cases send nothing.
    `contacts` maps an organisation id to its abuse addresses.
    """
    if case.queue == Queue.LESSEE:
        return NotificationKind.WARNING, contacts.get(case.lessee_id, [])
    if case.queue == Queue.HOLDER:
        return NotificationKind.HOLDER, contacts.get(case.holder_id, [])
    return None


def opening_text(case, kind):
    """Return (subject, body) of the first notice of a case, of the kind `opening_recipients` chose."""
    return _warning(case) if kind == NotificationKind.WARNING else _holder_notice(case)


def abuse_contacts_of(organization_ids):
    """Return {organisation id: addresses} for abuse mail, by the rule of `abuse_contacts`, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(*contacts_statement(organization_ids))
        return contacts_from_rows(cursor.fetchall())


def contacts_statement(organization_ids):
    """Return the (sql, params) of the query behind `abuse_contacts_of`, for a caller that sends it ahead.

    The ids go to the server as one array: an intake batch looks up
    thousands, and a Django `__in` lookup prepares each one in Python.
    """
    ids = array_literal(sorted({pk for pk in organization_ids if pk is not None}))
    return _CONTACTS_SQL, [ids, ids, array_literal([Role.ABUSE, Role.OWNER])]


def contacts_from_rows(rows):
    """Return {organisation id: addresses} from the rows of `contacts_statement`."""
    contacts = {}
    addresses = {}
    for organization_id, address, role in rows:
        if role is None:
            contacts[organization_id] = [address]
        else:
            addresses.setdefault(organization_id, {}).setdefault(role, set()).add(address)
    for organization_id, by_role in addresses.items():
        role = Role.ABUSE if by_role.get(Role.ABUSE) else Role.OWNER
        contacts[organization_id] = sorted(by_role[role])
    return contacts


# An organisation's abuse address, or else its members with the abuse role
# or the owner role (the role is NULL on the rows of abuse addresses).
_CONTACTS_SQL = f"""
    SELECT id, abuse_email, NULL FROM {Organization._meta.db_table}
    WHERE id = ANY(%s::bigint[]) AND abuse_email <> ''
    UNION ALL
    SELECT membership.organization_id, member.email, membership.role
    FROM {Membership._meta.db_table} AS membership
    JOIN {Organization._meta.db_table} AS organization ON organization.id = membership.organization_id
    JOIN {get_user_model()._meta.db_table} AS member ON member.id = membership.user_id
    WHERE membership.organization_id = ANY(%s::bigint[]) AND coalesce(organization.abuse_email, '') = ''
      AND membership.role = ANY(%s::varchar[]) AND member.email <> ''
"""


def alert_abuse_team(case, kind, reason, now=None):
    subject = f"[Abuse case {case.pk}] {reason}"
    body = f"{reason}\nCase: {admin_case_url(case)}\nSeverity: {case.get_severity_display()}\n"
    return notify(
        case, kind, [settings.ABUSE_TEAM_EMAIL], subject, body, internal=True, now=now
    )
