from django.conf import settings
from django.db import models

from core.fields import CidrField

from ..choices import Category, Channel, Confidence, ParserName, ReportStatus


class Report(models.Model):
    """One abuse report exactly as it arrived, kept as evidence.

    `raw` contains the message or request body byte for byte and `sha256` its
    digest; both are written before any parser runs, so a report whose
    parsing fails is still on file and can be parsed again later.
    """

    channel = models.CharField(max_length=16, choices=Channel.choices)
    source = models.CharField(
        max_length=200,
        help_text="Who sent it: a reporter's address, a feed name or a monitor such as dnsbl.",
    )
    content_type = models.CharField(max_length=100)
    raw = models.BinaryField()
    size = models.PositiveIntegerField("size in bytes")
    # The indexes are declared in Meta. Every index costs time on each
    # stored report and again when its parse outcome is written.
    sha256 = models.CharField("SHA-256", max_length=64)
    received_at = models.DateTimeField(db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )
    reporter_email = models.EmailField(blank=True)
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    parser = models.CharField(max_length=32, choices=ParserName.choices, blank=True)
    parse_error = models.TextField(blank=True)
    parse_notes = models.TextField(blank=True, help_text="Rows or addresses the parser skipped, and why.")
    parse_attempts = models.PositiveIntegerField(default=0)
    parsed_at = models.DateTimeField(null=True, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            # Reports waiting to be filed, or that failed: the stalled
            # report sweep and the admin's status filter. Filed reports,
            # nearly all of them, stay out of it.
            models.Index(
                fields=["received_at"], name="report_unfiled_idx",
                condition=models.Q(status__in=[ReportStatus.RECEIVED, ReportStatus.FAILED]),
            ),
            # Most reports come by mail or from monitors, without a user.
            models.Index(
                fields=["submitted_by"], name="report_submitted_by_idx",
                condition=models.Q(submitted_by__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Report {self.pk} from {self.source} ({self.get_status_display()})"


class Event(models.Model):
    """One abuse observation: an IPv4 address at a time, of a category.

    The lease, lessee and holder are the ones that held the address at
    `occurred_at`, not today's. A unique constraint on source, address, time
    and type makes a repeated observation count once; a repeat only raises
    `repeat_count`.
    """

    # The filing that writes an event holds the report's row lock, and it
    # either writes the case or holds the lock of the case's grouping key.
    # Reports and cases are never deleted, because the admin rejects it. A
    # database foreign key check would run a trigger per event and column
    # at each intake commit only to confirm that. Django still applies
    # on_delete to both.
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events", db_constraint=False)
    # Indexed by event_case_time_idx, which starts with it. The lease,
    # lessee and holder columns get no index: nothing looks events up by
    # them, and every index costs time on each of the many inserts.
    case = models.ForeignKey(
        "abuse.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="events", db_index=False,
        db_constraint=False,
    )
    source = models.CharField(max_length=200)
    # A /32; a cidr column so that case searches by prefix use containment.
    ip = CidrField("IP address")
    port = models.PositiveIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    zone_assumed = models.BooleanField(
        default=False, help_text="The report gave no time zone, so UTC was assumed."
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    type = models.CharField(max_length=64, blank=True, help_text="The reporter's own type word.")
    reporter = models.CharField(max_length=200, blank=True)
    confidence = models.CharField(max_length=8, choices=Confidence.choices, default=Confidence.HIGH)
    description = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    # The lease, lessee and holder that held the address then: the same
    # values as the event's case, written by the same filing, and kept
    # when a case is deleted. Like the case's columns, they carry no
    # database foreign key check, which would run three triggers per event
    # at every intake commit for values just read from the referenced rows.
    # Django still applies on_delete to them.
    lease = models.ForeignKey(
        "leases.Lease", null=True, blank=True, on_delete=models.SET_NULL, related_name="abuse_events",
        db_index=False, db_constraint=False,
    )
    lessee = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    holder = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        db_constraint=False,
    )
    repeat_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "ip", "occurred_at", "type"], name="event_unique_observation"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "occurred_at"], name="event_case_time_idx"),
        ]

    def __str__(self):
        return f"{self.get_category_display()} from {self.address} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def address(self):
        return self.ip.network_address if self.ip is not None else None
