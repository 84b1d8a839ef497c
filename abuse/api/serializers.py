from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..access import case_events, disclosed_event
from ..choices import Category, Confidence, Escalation
from ..models import Case, Report, TimelineEntry
from .severity import SeverityField

# Events in a case's detail; GET cases/{id}/events/ pages through all of them.
NESTED_EVENTS = 50
ESCALATION_NAMES = [escalation.name.lower() for escalation in Escalation]


class EventSerializer(serializers.Serializer):
    """An event of a case as its lessee and holder see it, with the reporter withheld."""

    id = serializers.IntegerField()
    ip = serializers.IPAddressField(protocol="IPv4")
    port = serializers.IntegerField(allow_null=True)
    occurred_at = serializers.DateTimeField()
    zone_assumed = serializers.BooleanField(help_text="The report gave no time zone, so UTC was assumed.")
    category = serializers.ChoiceField(choices=Category.choices)
    type = serializers.CharField(help_text="The reporter's own word for the kind of abuse.")
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    description = serializers.CharField(
        help_text="What the reporter wrote, with its name and e-mail address replaced by [reporter]."
    )
    evidence = serializers.JSONField(
        help_text="The fields the parser kept from the report. The reporter's name and e-mail address are "
                  "replaced by [reporter], and fields naming the complainant, such as Original-Rcpt-To, "
                  "by [withheld]."
    )


class TimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["created_at", "kind", "actor_label", "text"]


class CaseSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(
        read_only=True,
        help_text="The space the case concerns: the lease's prefix, or for space no lease covered the lowest "
                  "address of its events and how many other addresses they have.",
    )
    severity = SeverityField(read_only=True)
    severity_level = serializers.IntegerField(
        source="severity", read_only=True, help_text="The severity as a number from 1 (low) to 4 (critical)."
    )
    escalation = serializers.ChoiceField(
        choices=ESCALATION_NAMES, read_only=True, source="escalation_name",
        help_text="How far enforcement went: none, warned (the lessee's abuse contact), abuse_team, suspended "
                  "(the lease) or terminated.",
    )
    escalation_level = serializers.IntegerField(
        source="escalation", read_only=True, help_text="The escalation as a number from 0 (none) to 4 (terminated)."
    )
    lease_prefix = serializers.SerializerMethodField()
    lessee = serializers.StringRelatedField()
    holder = serializers.StringRelatedField()
    next_deadline = serializers.DateTimeField(read_only=True)
    is_breached = serializers.BooleanField(read_only=True)

    class Meta:
        model = Case
        fields = ["id", "subject", "category", "severity", "severity_level", "state", "queue", "escalation",
                  "escalation_level", "lease", "lease_prefix", "lessee", "holder", "event_count", "first_event_at", "last_event_at",
                  "opened_at", "response_due_at", "resolution_due_at", "responded_at", "mitigated_at", "closed_at",
                  "response_breached_at", "resolution_breached_at", "is_breached", "next_deadline",
                  "paused_total", "mitigation", "suspension_decided_at", "roa_change_published_at"]

    def get_lease_prefix(self, case) -> str | None:
        return str(case.lease.prefix) if case.lease_id else None


class CaseDetailSerializer(CaseSerializer):
    events = serializers.SerializerMethodField(
        help_text=f"The first {NESTED_EVENTS} events, oldest first; GET cases/{{id}}/events/ pages through all."
    )
    timeline = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["events", "timeline"]

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, case):
        events = case_events(case)[:NESTED_EVENTS]
        return EventSerializer([disclosed_event(event) for event in events], many=True).data

    def get_timeline(self, case) -> list[dict]:
        # Internal notes never leave the abuse team.
        entries = case.timeline.filter(internal=False).order_by("created_at", "pk")
        return TimelineEntrySerializer(entries, many=True).data


class ResponseSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class ReportSerializer(serializers.ModelSerializer):
    cases = serializers.SerializerMethodField(help_text="Ids of the cases the report's events were filed into.")

    class Meta:
        model = Report
        fields = ["id", "channel", "source", "content_type", "size", "sha256", "received_at", "status",
                  "parser", "parse_error", "parse_notes", "parse_attempts", "event_count", "duplicate_count",
                  "cases"]

    def get_cases(self, report) -> list[int]:
        # order_by() drops Event's default ordering, which DISTINCT would
        # otherwise include, giving one id per event.
        return sorted(report.events.exclude(case=None).order_by().values_list("case", flat=True).distinct())


class PublicReportReceiptSerializer(serializers.ModelSerializer):
    """Receipt for an anonymous reporter: the outcome, without the platform's internal fields."""

    reference = serializers.IntegerField(source="pk", read_only=True, help_text="The report's number, to quote.")

    class Meta:
        model = Report
        fields = ["reference", "received_at", "status", "event_count", "parse_error", "parse_notes"]


class SimpleReportSerializer(serializers.Serializer):
    """The simple JSON form, for the schema; the body is stored as sent and parsed afterwards."""

    ip = serializers.IPAddressField(protocol="IPv4")
    time = serializers.DateTimeField()
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(required=False)
    evidence = serializers.JSONField(required=False)
    port = serializers.IntegerField(required=False, min_value=0, max_value=65535)
    type = serializers.CharField(required=False, max_length=64, help_text="Your own word for it; default the category.")
    reporter = serializers.CharField(required=False, max_length=200, help_text="Who observed it, such as a contact address.")
