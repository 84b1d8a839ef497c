import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from abuse import actions
from abuse.choices import CaseState, Category, Escalation, Severity, TimelineKind
from abuse.escalation import escalate_breaches
from abuse.intake import record_monitor_event
from abuse.models import Case, Notification, SlaPolicy
from abuse.notifications import deliver_queued
from leases.choices import LeaseState
from leases.models import Lease
from tests.abuse_helpers import place_lease, utc

OPENED = utc(2026, 3, 10, 9)


@pytest.fixture
def listing(holder, make_listing):
    return make_listing(holder, "198.51.100.0/24")


@pytest.fixture
def escalate(django_capture_on_commit_callbacks):
    """Run escalate_breaches at `now`, then send the mail it queued as the delivery task would."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            handled = escalate_breaches(now=now)
        deliver_queued()
        return handled

    return run


@pytest.fixture
def open_case(listing, lessee, django_capture_on_commit_callbacks):
    """Open a spam case at OPENED on a lease of 198.51.100.0/25, with a second lease beside it."""
    lessee.abuse_email = "abuse@lessee.example"
    lessee.save()
    place_lease(listing, lessee, "198.51.100.0/25", utc(2026, 1, 1))
    place_lease(listing, lessee, "198.51.100.128/25", utc(2026, 1, 1))

    def make(category=Category.SPAM, ip="198.51.100.5"):
        with time_machine.travel(OPENED, tick=False), django_capture_on_commit_callbacks(execute=True):
            record_monitor_event(
                source="dnsbl", category=category, ip=ip, occurred_at=OPENED - timedelta(hours=1),
                description="",
            )
        deliver_queued()
        return Case.objects.get(category=category)

    return make


def test_spam_deadlines_from_policy(open_case):
    case = open_case()
    assert case.response_due_at == OPENED + timedelta(hours=24)
    assert case.resolution_due_at == OPENED + timedelta(hours=72)


def test_policy_edit_applies_to_new_cases(open_case):
    SlaPolicy.objects.filter(category=Category.SPAM).update(response_time=timedelta(hours=6))
    case = open_case()
    assert case.response_due_at == OPENED + timedelta(hours=6)


def test_catch_all_policy_for_unlisted_category(open_case):
    case = open_case(Category.PTR_CHURN)
    assert case.response_due_at == OPENED + timedelta(hours=48)
    assert case.resolution_due_at == OPENED + timedelta(hours=120)


def test_opening_warns_lessee_abuse_contact(open_case):
    case = open_case()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["abuse@lessee.example"]
    assert f"/abuse/cases/{case.pk}/" in mail.outbox[0].body
    assert case.escalation == Escalation.WARNED


def test_pause_and_resume_shift_deadlines(open_case):
    case = open_case()
    with time_machine.travel(OPENED + timedelta(hours=2), tick=False):
        actions.pause(case, user=None, reason="asked the reporter for logs")
    with time_machine.travel(OPENED + timedelta(hours=7), tick=False):
        case = actions.resume(case, user=None)
    assert case.paused_total == timedelta(hours=5)
    assert case.response_due_at == OPENED + timedelta(hours=29)
    assert case.resolution_due_at == OPENED + timedelta(hours=77)
    assert case.state == CaseState.OPEN


def test_paused_case_not_escalated(open_case):
    case = open_case()
    with time_machine.travel(OPENED + timedelta(hours=1), tick=False):
        actions.pause(case, user=None, reason="waiting")
    assert escalate_breaches(now=OPENED + timedelta(hours=25)) == 0


def test_no_escalation_before_deadline(open_case):
    open_case()
    assert escalate_breaches(now=OPENED + timedelta(hours=23, minutes=59)) == 0


def test_response_breach_escalates_once(open_case, escalate):
    case = open_case()
    mail.outbox.clear()
    assert escalate(OPENED + timedelta(hours=24)) == 1
    assert escalate(OPENED + timedelta(hours=25)) == 0
    case.refresh_from_db()
    assert case.response_breached_at == OPENED + timedelta(hours=24)
    assert case.severity == Severity.HIGH
    assert case.escalation == Escalation.ABUSE_TEAM
    assert sorted(message.to[0] for message in mail.outbox) == ["abuse-team@localhost", "abuse@lessee.example"]


def test_acknowledged_case_meets_response_deadline(open_case, lessee):
    case = open_case()
    actions.acknowledge(case, user=lessee.owner)
    assert escalate_breaches(now=OPENED + timedelta(hours=30)) == 0


def test_resolution_breach_suspends_only_lease_at_fault(open_case, lessee):
    SlaPolicy.objects.filter(category=Category.SPAM).update(suspend_on_breach=True)
    case = open_case()
    actions.acknowledge(case, user=lessee.owner)
    escalate_breaches(now=OPENED + timedelta(hours=72))
    case.refresh_from_db()
    states = dict(Lease.objects.values_list("prefix", "state"))
    assert case.escalation == Escalation.SUSPENDED
    assert case.suspension_decided_at is not None
    assert {str(prefix): state for prefix, state in states.items()} == {
        "198.51.100.0/25": LeaseState.SUSPENDED,
        "198.51.100.128/25": LeaseState.ACTIVE,
    }


def test_resolution_breach_without_suspend_policy_keeps_lease(open_case, lessee):
    case = open_case()
    actions.acknowledge(case, user=lessee.owner)
    escalate_breaches(now=OPENED + timedelta(hours=72))
    case.refresh_from_db()
    assert case.resolution_breached_at == OPENED + timedelta(hours=72)
    assert case.lease.state == LeaseState.ACTIVE


def test_mitigated_case_meets_resolution_deadline(open_case, lessee):
    case = open_case()
    actions.mark_mitigated(case, user=lessee.owner, text="Customer VM shut down.")
    assert escalate_breaches(now=OPENED + timedelta(hours=100)) == 0


def test_new_events_reopen_mitigated_case(open_case, lessee):
    case = open_case()
    actions.mark_mitigated(case, user=lessee.owner)
    record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.6",
                         occurred_at=OPENED + timedelta(hours=3), description="")
    case.refresh_from_db()
    assert case.state == CaseState.ACKNOWLEDGED
    assert case.mitigated_at is None
    assert case.event_count == 2


def test_reopened_case_timeline_names_its_state(open_case, lessee):
    case = open_case()
    actions.mark_mitigated(case, user=lessee.owner)
    record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.6",
                         occurred_at=OPENED + timedelta(hours=3), description="")
    entry = case.timeline.filter(kind=TimelineKind.STATE).latest("pk")
    assert entry.text == "New events after mitigation; the case is back to acknowledged and must be mitigated again."


def test_notification_repeats_limited(open_case):
    case = open_case()
    from abuse import notifications

    first = notifications.notify(case, "reminder", ["a@example.net"], "s", "b")
    second = notifications.notify(case, "reminder", ["a@example.net"], "s", "b")
    assert first is True
    assert second is False
    assert Notification.objects.filter(case=case, kind="reminder").count() == 1


def test_internal_note_marked_internal(open_case, make_user):
    case = open_case()
    entry = actions.add_note(case, user=make_user(is_staff=True), text="Looks like a compromised VM.")
    assert entry.internal is True
    assert entry.kind == TimelineKind.NOTE


def test_resolve_sets_mitigation_time(open_case, make_user):
    case = open_case()
    with time_machine.travel(OPENED + timedelta(hours=5), tick=False):
        case = actions.resolve(case, user=make_user(is_staff=True))
    assert case.state == CaseState.RESOLVED
    assert case.mitigated_at == OPENED + timedelta(hours=5)


def test_acknowledge_closed_case_rejected(open_case, make_user, lessee):
    case = open_case()
    actions.close_invalid(case, user=make_user(is_staff=True), reason="reporter's own scanner")
    with pytest.raises(actions.CaseActionError, match="is closed as invalid; it can be acknowledged only when open"):
        actions.acknowledge(case, user=lessee.owner)


@pytest.mark.django_db(transaction=True)
def test_escalation_from_two_threads_runs_once(open_case):
    categories = (Category.SPAM, Category.SCANNING, Category.MALWARE, Category.BOTNET, Category.DDOS,
                  Category.LOGIN_ATTACK)
    for category in categories:
        open_case(category)
    mail.outbox.clear()
    results = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(escalate_breaches(now=OPENED + timedelta(days=30), batch_size=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    breaches = Case.objects.filter(response_breached_at__isnull=False).count()
    assert breaches == 6
    assert Notification.objects.filter(kind="response_breached").count() == 6
    assert sum(results) == Case.objects.filter(resolution_breached_at__isnull=False).count() + breaches


def test_holder_queue_breach_mails_holder_and_abuse_team(holder, make_listing, escalate,
                                                         django_capture_on_commit_callbacks):
    holder.abuse_email = "abuse@holder.example"
    holder.save()
    make_listing(holder, "198.51.100.0/24")
    with time_machine.travel(OPENED, tick=False), django_capture_on_commit_callbacks(execute=True):
        record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.250",
                             occurred_at=OPENED, description="")
    deliver_queued()
    mail.outbox.clear()
    escalate(OPENED + timedelta(hours=24))
    assert sorted(message.to[0] for message in mail.outbox) == ["abuse-team@localhost", "abuse@holder.example"]


def test_resolution_breach_mails_lessee(open_case, lessee, escalate):
    case = open_case()
    actions.acknowledge(case, user=lessee.owner)
    mail.outbox.clear()
    escalate(OPENED + timedelta(hours=72))
    assert sorted(message.to[0] for message in mail.outbox) == ["abuse-team@localhost", "abuse@lessee.example"]


def test_abuse_team_mail_links_to_admin_case_page(holder, make_listing, escalate, settings):
    settings.ABUSE_SITE_URL = "https://abuse.example.net"
    make_listing(holder, "198.51.100.0/24")
    with time_machine.travel(OPENED, tick=False):
        record_monitor_event(source="dnsbl", category=Category.SPAM, ip="198.51.100.250",
                             occurred_at=OPENED, description="")
    case = Case.objects.get()
    deliver_queued()
    mail.outbox.clear()
    escalate(OPENED + timedelta(hours=24))
    [message] = [message for message in mail.outbox if message.to == ["abuse-team@localhost"]]
    assert f"Case: https://abuse.example.net/admin/abuse/case/{case.pk}/change/\n" in message.body
