"""The notification outbox: intake queues mail, workers send it, failures wait and retry."""

import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from abuse.choices import Category, NotificationStatus, TimelineKind
from abuse.intake import record_monitor_event
from abuse.models import Notification
from abuse.notifications import deliver_queued, send_again
from tests.abuse_helpers import place_lease, utc

QUEUED_AT = utc(2026, 3, 10, 8)
SENT_AT = utc(2026, 3, 10, 9)


def report_spam(category=Category.SPAM, ip="198.51.100.7"):
    with time_machine.travel(QUEUED_AT, tick=False):
        record_monitor_event(source="dnsbl", category=category, ip=ip, occurred_at=utc(2026, 3, 1), description="")


@pytest.fixture
def queued(holder, lessee, make_listing):
    """Open a spam case on a lease whose lessee has an abuse address; its warning is queued."""
    lessee.abuse_email = "abuse@lessee.example"
    lessee.save()
    place_lease(make_listing(holder, "198.51.100.0/24"), lessee, "198.51.100.0/24", utc(2026, 1, 1))
    report_spam()
    return Notification.objects.get()


@pytest.fixture
def closed_smtp_port(settings):
    """Point the SMTP backend at a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    return port


def sent_entries(case):
    return list(case.timeline.filter(kind=TimelineKind.NOTIFICATION).values_list("text", "internal"))


def test_intake_queues_warning_without_sending(queued):
    assert (queued.kind, queued.status, queued.attempts, queued.recipients) == (
        "warning", NotificationStatus.QUEUED, 0, ["abuse@lessee.example"])
    assert mail.outbox == []
    assert sent_entries(queued.case) == []


def test_delivery_sends_queued_mail_and_records_it(queued):
    assert deliver_queued(now=SENT_AT) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.sent_at) == (NotificationStatus.SENT, 1, SENT_AT)
    assert [message.to for message in mail.outbox] == [["abuse@lessee.example"]]
    assert mail.outbox[0].subject == queued.subject
    assert sent_entries(queued.case) == [(f"E-mail sent to abuse@lessee.example: {queued.subject}", False)]


def test_delivery_sends_each_mail_once(queued):
    deliver_queued(now=SENT_AT)
    assert deliver_queued(now=SENT_AT + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1


def test_refused_connection_keeps_mail_queued_with_delay(queued, closed_smtp_port):
    assert deliver_queued(now=SENT_AT) == 0
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.next_attempt_at) == (
        NotificationStatus.QUEUED, 1, SENT_AT + timedelta(minutes=5))
    assert queued.last_error.startswith("ConnectionRefusedError: ")
    assert sent_entries(queued.case) == []


def test_mail_not_retried_before_its_delay(queued, closed_smtp_port):
    deliver_queued(now=SENT_AT)
    deliver_queued(now=SENT_AT + timedelta(minutes=4))
    queued.refresh_from_db()
    assert queued.attempts == 1


def test_retry_delay_doubles(queued, closed_smtp_port):
    deliver_queued(now=SENT_AT)
    deliver_queued(now=SENT_AT + timedelta(minutes=5))
    queued.refresh_from_db()
    assert (queued.attempts, queued.next_attempt_at) == (2, SENT_AT + timedelta(minutes=15))


def test_retry_sends_once_server_is_back(queued, closed_smtp_port, settings):
    deliver_queued(now=SENT_AT)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_queued(now=SENT_AT + timedelta(minutes=5)) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.last_error) == (NotificationStatus.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_delivery_gives_up_after_max_attempts(queued, closed_smtp_port, settings):
    settings.ABUSE_NOTIFY_MAX_ATTEMPTS = 2
    deliver_queued(now=SENT_AT)
    deliver_queued(now=SENT_AT + timedelta(minutes=5))
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (NotificationStatus.FAILED, 2)
    [(text, internal)] = sent_entries(queued.case)
    assert internal is True
    assert text.startswith("The warning e-mail to abuse@lessee.example could not be sent after 2 attempt(s) "
                           "(ConnectionRefusedError: ")
    assert text.endswith("). Send it again from Abuse desk > Notifications once the mail server works, "
                         "or send it by hand.")


def test_failed_mail_not_retried(queued, closed_smtp_port, settings):
    settings.ABUSE_NOTIFY_MAX_ATTEMPTS = 1
    deliver_queued(now=SENT_AT)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_queued(now=SENT_AT + timedelta(days=1)) == 0
    assert mail.outbox == []


def test_delivery_batch_limit(queued, lessee, settings):
    for category in (Category.SCANNING, Category.MALWARE):
        report_spam(category, "198.51.100.8")
    settings.ABUSE_NOTIFY_BATCH = 2
    assert deliver_queued(now=SENT_AT) == 2
    assert Notification.objects.filter(status=NotificationStatus.QUEUED).count() == 1


@pytest.fixture
def mail_dir(tmp_path, monkeypatch):
    """Have the Celery worker write its mail as files; request it before celery_worker."""
    folder = tmp_path / "mail"
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{folder}")
    return folder


@pytest.mark.worker
def test_worker_delivers_after_intake_commits(mail_dir, celery_worker, holder, lessee, make_listing):
    lessee.abuse_email = "abuse@lessee.example"
    lessee.save()
    place_lease(make_listing(holder, "198.51.100.0/24"), lessee, "198.51.100.0/24", utc(2026, 1, 1))
    for category in (Category.SPAM, Category.SCANNING, Category.MALWARE):
        record_monitor_event(source="dnsbl", category=category, ip="198.51.100.9",
                             occurred_at=utc(2026, 3, 1), description="")
    deadline = time.monotonic() + 60
    while Notification.objects.filter(status=NotificationStatus.QUEUED).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(Notification.objects.values_list("status", flat=True)) == [NotificationStatus.SENT] * 3
    written = "".join(path.read_text() for path in mail_dir.iterdir())
    assert written.count("To: abuse@lessee.example") == 3


def test_failed_mail_sent_again_from_admin(queued, closed_smtp_port, settings, admin_client):
    settings.ABUSE_NOTIFY_MAX_ATTEMPTS = 1
    deliver_queued(now=SENT_AT)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = admin_client.post(reverse("admin:abuse_notification_changelist"),
                                 {"action": "send_again", "_selected_action": [queued.pk]}, follow=True)
    assert "1 failed mail(s) queued again" in response.content.decode()
    assert deliver_queued() == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (NotificationStatus.SENT, 1)


def test_send_again_leaves_queued_and_sent_mail(queued):
    deliver_queued(now=SENT_AT)
    assert send_again(Notification.objects.all(), user=None) == 0
    queued.refresh_from_db()
    assert (queued.status, queued.sent_at) == (NotificationStatus.SENT, SENT_AT)


def test_send_again_recorded_on_timeline(queued, closed_smtp_port, settings, admin_user):
    settings.ABUSE_NOTIFY_MAX_ATTEMPTS = 1
    deliver_queued(now=SENT_AT)
    send_again(Notification.objects.all(), user=admin_user)
    entry = queued.case.timeline.latest("pk")
    assert (entry.text, entry.internal, entry.actor) == (
        "The failed warning e-mail to abuse@lessee.example was queued again.", True, admin_user)


def test_admin_send_again_names_skipped_rows(queued, admin_client):
    deliver_queued(now=SENT_AT)
    response = admin_client.post(reverse("admin:abuse_notification_changelist"),
                                 {"action": "send_again", "_selected_action": [queued.pk]}, follow=True)
    assert "1 selected mail(s) were not failed (queued or sent) and were left as they are." in (
        response.content.decode())


def test_warning_names_event_time(queued):
    deliver_queued(now=SENT_AT)
    assert ("We received abuse reports (Spam) about 198.51.100.0/24, for events seen at 2026-03-01 00:00 UTC."
            in mail.outbox[0].body)


def test_admin_cannot_add_notification_by_hand(admin_client):
    response = admin_client.get(reverse("admin:abuse_notification_add"))
    assert response.status_code == 403


def test_opening_notice_queued_without_text(queued):
    assert (queued.subject, queued.body) == ("", "")


def test_opening_notice_text_kept_on_row_when_sent(queued):
    deliver_queued(now=SENT_AT)
    queued.refresh_from_db()
    assert (queued.subject, queued.body) == (mail.outbox[0].subject, mail.outbox[0].body)


def test_warning_names_events_added_before_sending(queued):
    with time_machine.travel(QUEUED_AT, tick=False):
        record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.9",
                             occurred_at=utc(2026, 3, 2, 6), description="")
    deliver_queued(now=SENT_AT)
    assert ("about 198.51.100.0/24, for events seen from 2026-03-01 00:00 to 2026-03-02 06:00 UTC."
            in mail.outbox[0].body)


def test_admin_lists_unwritten_notice_as_written_when_sent(queued, admin_client):
    response = admin_client.get(reverse("admin:abuse_notification_changelist"))
    assert "(written when sent)" in response.content.decode()


def test_admin_filter_names_notification_kinds(queued, admin_client):
    page = admin_client.get(reverse("admin:abuse_notification_changelist")).content.decode()
    assert '<a href="?kind__exact=warning">Warning to the lessee</a>' in page


def test_warning_lists_event_addresses_and_times(queued):
    deliver_queued(now=SENT_AT)
    assert "Events:\n- 198.51.100.7 at 2026-03-01 00:00 UTC\n\n" in mail.outbox[0].body


def test_warning_counts_events_beyond_listed(queued, monkeypatch):
    monkeypatch.setattr("abuse.notifications.NOTICE_EVENTS", 1)
    with time_machine.travel(QUEUED_AT, tick=False):
        for day in (2, 3):
            record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.9",
                                 occurred_at=utc(2026, 3, day), description="")
    deliver_queued(now=SENT_AT)
    assert "Events:\n- 198.51.100.7 at 2026-03-01 00:00 UTC\n- and 2 more on the case page\n\n" in (
        mail.outbox[0].body)


def test_holder_notice_names_events_and_deadlines(holder, make_listing):
    holder.abuse_email = "abuse@holder.example"
    holder.save()
    make_listing(holder, "203.0.113.0/24")
    with time_machine.travel(QUEUED_AT, tick=False):
        record_monitor_event(source="dnsbl", category=Category.MALWARE, ip="203.0.113.9",
                             occurred_at=utc(2026, 3, 1, 6, 30), description="")
    deliver_queued(now=SENT_AT)
    [message] = mail.outbox
    assert message.to == ["abuse@holder.example"]
    assert "for events seen at 2026-03-01 06:30 UTC. As the holder, you answer for that space." in message.body
    assert "Events:\n- 203.0.113.9 at 2026-03-01 06:30 UTC\n\nRespond by " in message.body


def test_notification_named_by_kind_label(queued):
    assert str(queued) == f"Warning to the lessee for case {queued.case_id}, queued at 2026-03-10 08:00"
