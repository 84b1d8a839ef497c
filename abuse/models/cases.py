from datetime import timedelta

from django.conf import settings
from django.db import models

from ..choices import (
    OPEN_STATES, CaseState, Category, Escalation, NotificationKind, NotificationStatus, Queue, Severity, TimelineKind,
)


def addresses_title(lowest, count):
    """Return the title of a case without a lease: its lowest address and how many other addresses it has."""
    if count <= 1:
        return str(lowest)
    others = count - 1
    return f"{lowest} and {others} more address{'es' if others > 1 else ''}"


class Case(models.Model):
    """Abuse events of one kind against one responsible party, handled as a unit.

    Events group into the open case of their lease and category; space no
    lease covered groups by holder, or on the platform's queue. The lessee
    and holder are recorded as they were when the first event happened.
    `grouping_key` names that group, and a partial unique index allows one
    open case per group, so concurrent intake cannot open two.
    """

    grouping_key = models.CharField(max_length=64)
    queue = models.CharField(max_length=16, choices=Queue.choices)
    category = models.CharField(max_length=16, choices=Category.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.LOW)
    state = models.CharField(max_length=16, choices=CaseState.choices, default=CaseState.OPEN)
    escalation = models.PositiveSmallIntegerField(choices=Escalation.choices, default=Escalation.NONE)

    # The lease, lessee, holder and policy columns carry no database foreign
    # key check. Each check locked the referenced row FOR KEY SHARE at every
    # case insert: about 7 % of the intake's database time, and most cases
    # lock the same few holder rows. The filing copies these ids from rows
    # it has just read, and Django's on_delete still refuses to delete a
    # lease or organisation that a case names (tests/test_abuse_intake.py).
    lease = models.ForeignKey(
        "leases.Lease", null=True, blank=True, on_delete=models.PROTECT, related_name="abuse_cases",
        db_constraint=False,
    )
    # Indexed by case_lessee_state_idx and case_holder_state_idx, which start with them.
    lessee = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="abuse_cases",
        db_index=False, db_constraint=False,
    )
    holder = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT,
        related_name="abuse_cases_on_space", db_index=False, db_constraint=False,
    )
    rpki_controlled = models.BooleanField(
        "RPKI-controlled",
        default=False,
        help_text="Whether the platform controlled the space's ROAs when the case opened.",
    )
    # Indexed by case_assigned_idx, which leaves out unassigned cases.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )

    event_count = models.PositiveIntegerField(default=0)
    first_event_at = models.DateTimeField()
    last_event_at = models.DateTimeField()

    # Not indexed: nothing lists cases by policy, and the few policies are
    # seldom deleted, which is when Django sets the key to null.
    policy = models.ForeignKey(
        "abuse.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    opened_at = models.DateTimeField()
    response_due_at = models.DateTimeField()
    resolution_due_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_total = models.DurationField(default=timedelta(0))
    response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    mitigation = models.TextField(blank=True, help_text="The lessee's description of what it did.")

    suspension_decided_at = models.DateTimeField(null=True, blank=True)
    # Set by abuse.actions.record_roa_change_published when the rpki app
    # publishes the ROA change that parks the suspended lease.
    roa_change_published_at = models.DateTimeField("ROA change published at", null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["resolution_due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["grouping_key"],
                condition=models.Q(state__in=OPEN_STATES),
                name="case_one_open_per_group",
                violation_error_message="An open case already exists for this lease and category.",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "response_due_at"], name="case_state_response_idx"),
            models.Index(fields=["state", "resolution_due_at"], name="case_state_resolution_idx"),
            models.Index(fields=["lessee", "state"], name="case_lessee_state_idx"),
            models.Index(fields=["holder", "state"], name="case_holder_state_idx"),
            models.Index(
                fields=["assigned_to"], name="case_assigned_idx", condition=models.Q(assigned_to__isnull=False)
            ),
        ]

    def __str__(self):
        return f"Case {self.pk}: {self.get_category_display()} on {self.subject}"

    @property
    def escalation_name(self):
        """The escalation level's name in lower case, as the API gives it: none, warned, abuse_team and so on."""
        return Escalation(self.escalation).name.lower()

    @property
    def subject(self):
        """The space the case concerns, as its title: the lease's prefix, else the addresses of its events.

        Without a lease the title is the lowest address and how many other
        distinct addresses the events have, such as "203.0.113.9 and 4 more
        addresses". `access.with_address_summary` annotates the numbers for a
        list of cases; without it, each call on such a case queries its events.
        """
        if self.lease_id:
            return str(self.lease.prefix)
        first, count = self._address_summary()
        if first is None:
            return self.get_queue_display()
        return addresses_title(first.network_address, count)

    def _address_summary(self):
        """Return (lowest event address as a /32 network, count of distinct addresses), or (None, 0)."""
        if "first_address" not in self.__dict__:
            summary = self.events.aggregate(first=models.Min("ip"), count=models.Count("ip", distinct=True))
            self.first_address, self.address_count = summary["first"], summary["count"]
        return self.first_address, self.address_count or 0

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def next_deadline(self):
        """The deadline the lessee must meet next, or None once both are met."""
        if self.responded_at is None:
            return self.response_due_at
        if self.mitigated_at is None:
            return self.resolution_due_at
        return None

    @property
    def is_breached(self):
        return self.response_breached_at is not None or self.resolution_breached_at is not None

    @property
    def roa_change_delay(self):
        if self.suspension_decided_at and self.roa_change_published_at:
            return self.roa_change_published_at - self.suspension_decided_at
        return None


class TimelineEntry(models.Model):
    """One state change, note, message or notification of a case: who, when and what.

    Entries with `internal` set are for the abuse team only and are never
    shown or sent to the lessee or holder.
    """

    # Indexed by timeline_case_time_idx, which starts with it. Entries are
    # written with their case or under its lock, and cases are never
    # deleted, so the column carries no database check (see Event.case).
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="timeline", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=16, choices=TimelineKind.choices)
    # Indexed by timeline_actor_idx, which leaves out the system's entries.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(
        max_length=100, help_text="Who acted, as shown: a user's name, the lessee or the system."
    )
    internal = models.BooleanField(default=False)
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "timeline entries"
        indexes = [
            models.Index(fields=["case", "created_at"], name="timeline_case_time_idx"),
            models.Index(fields=["actor"], name="timeline_actor_idx", condition=models.Q(actor__isnull=False)),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.text[:60]}"


class Notification(models.Model):
    """An e-mail about a case: queued in the transaction that decided it, sent by a worker.

    The rows are the outbox that intake and escalation queue mail in. After
    the transaction commits, deliver_notifications_task sends them and
    retries failures with a growing delay, up to ABUSE_NOTIFY_MAX_ATTEMPTS.
    Rows also limit repeats of the same kind.
    """

    # Indexed by notification_case_kind_idx, which starts with it. No
    # database check, for the reason given at TimelineEntry.case.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notifications", db_index=False, db_constraint=False
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    internal = models.BooleanField(
        default=False, help_text="Mail to the abuse team, kept off the lessee's timeline."
    )
    status = models.CharField(max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    queued_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [
            models.Index(fields=["case", "kind", "queued_at"], name="notification_case_kind_idx"),
            models.Index(
                fields=["next_attempt_at"], name="notification_queued_idx",
                condition=models.Q(status="queued"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for case {self.case_id}, queued at {self.queued_at:%Y-%m-%d %H:%M}"
