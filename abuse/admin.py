"""The abuse team's triage queue and case pages.

The queue is ordered by the nearest deadline the lessee still has to meet,
with due and breached badges. The search box takes an IP address or a
prefix and finds cases whose events or lease fall inside it.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.fields import to_network

from . import actions, intake, notifications
from .choices import OPEN_STATES
from .access import NEXT_DEADLINE_ORDER, with_address_summary, with_next_due
from .models import Case, Event, Notification, Report, SlaPolicy, TimelineEntry


class BreachedFilter(admin.SimpleListFilter):
    title = "deadline"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return (("breached", "Breached"), ("due", "Due within the warning window"), ("met", "Both met"))

    def queryset(self, request, queryset):
        breached = Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)
        if self.value() == "breached":
            return queryset.filter(breached)
        if self.value() == "due":
            soon = timezone.now() + timedelta(hours=settings.ABUSE_DUE_SOON_HOURS)
            return queryset.filter(state__in=OPEN_STATES, next_due__lte=soon).exclude(breached)
        if self.value() == "met":
            return queryset.filter(responded_at__isnull=False, mitigated_at__isnull=False)
        return queryset


class EventInline(admin.TabularInline):
    model = Event
    fields = ["occurred_at", "address", "port", "category", "type", "reporter", "confidence", "zone_assumed",
              "repeat_count", "evidence_link"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0

    def evidence_link(self, event):
        if event.report_id is None:
            return "–"
        return format_html('<a href="{}">report {}</a>', reverse("abuse:report-raw", args=[event.report_id]),
                           event.report_id)

    evidence_link.short_description = "evidence"


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    fields = ["created_at", "actor_label", "kind", "internal", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


class CaseAdminForm(forms.ModelForm):
    internal_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text="Seen only by staff; never sent to the lessee or holder.",
    )
    message_to_lessee = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text="Shown on the lessee's case page.",
    )

    class Meta:
        model = Case
        fields = ["assigned_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Cases are assigned to the abuse team, never to a client's user.
        field = self.fields["assigned_to"]
        field.queryset = field.queryset.filter(is_staff=True, is_active=True).order_by("username")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    form = CaseAdminForm
    list_display = ["id", "category", "severity", "state", "subject_link", "lessee", "holder", "event_count",
                    "deadline_badge", "assigned_to"]
    list_filter = ["state", "category", "severity", BreachedFilter, "queue",
                   ("holder", admin.RelatedOnlyFieldListFilter), ("lessee", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["lessee__name", "holder__name"]
    search_help_text = "An IP address or prefix (finds cases whose events or lease lie inside it), or a name."
    list_select_related = ["lease", "lessee", "holder", "assigned_to"]
    inlines = [EventInline, TimelineInline]
    actions = ["assign_to_me", "mark_acknowledged", "pause_cases", "resume_cases", "escalate_cases",
               "suspend_leases", "terminate_leases", "resolve_cases", "close_invalid"]
    readonly_fields = [
        "category", "severity", "state", "queue", "escalation", "lease_link", "lessee", "holder",
        "rpki_controlled", "event_count", "first_event_at", "last_event_at", "opened_at", "policy",
        "response_due_at", "responded_at", "response_breached_at", "resolution_due_at", "mitigated_at",
        "resolution_breached_at", "paused_at", "paused_total", "closed_at", "mitigation",
        "suspension_decided_at", "roa_change_published_at", "roa_change_delay",
    ]
    fieldsets = [
        (None, {"fields": ["category", "severity", "state", "queue", "escalation", "assigned_to"]}),
        ("Responsible", {"fields": ["lease_link", "lessee", "holder", "rpki_controlled"]}),
        ("Events", {"fields": ["event_count", "first_event_at", "last_event_at"]}),
        ("Deadlines", {"fields": ["opened_at", "policy", "response_due_at", "responded_at", "response_breached_at",
                                  "resolution_due_at", "mitigated_at", "resolution_breached_at", "paused_at",
                                  "paused_total", "closed_at", "mitigation"]}),
        ("Enforcement", {"fields": ["suspension_decided_at", "roa_change_published_at", "roa_change_delay"]}),
        ("Add to the timeline", {"fields": ["internal_note", "message_to_lessee"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A case is the record of what was reported and done, so it is closed, never deleted.
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # No links to add, change or delete users from a case's page.
        widget = form.base_fields["assigned_to"].widget
        widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
        return form

    def get_queryset(self, request):
        return with_address_summary(with_next_due(super().get_queryset(request)))

    def get_ordering(self, request):
        # The changelist orders by this, not by the queryset's order_by.
        return NEXT_DEADLINE_ORDER

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        try:
            network = to_network(term)
        except Exception:
            return super().get_search_results(request, queryset, search_term)
        matching = queryset.filter(
            Q(events__ip__net_contained_or_equal=network) | Q(lease__prefix__net_overlaps=network)
        ).values("pk")
        return queryset.filter(pk__in=matching), False

    @admin.display(description="space", ordering="lease__prefix")
    def subject_link(self, case):
        return case.subject

    @admin.display(description="next deadline", ordering="next_due")
    def deadline_badge(self, case):
        due = getattr(case, "next_due", None)
        if case.is_breached and case.is_open:
            return format_html('<span class="badge bad" style="color:#b00">breached</span> {}',
                               f"{due:%Y-%m-%d %H:%M}" if due else "")
        if due is None:
            return "–"
        if due <= timezone.now() + timedelta(hours=settings.ABUSE_DUE_SOON_HOURS):
            return format_html('<span class="badge warn" style="color:#a60">due</span> {}', f"{due:%Y-%m-%d %H:%M}")
        return f"{due:%Y-%m-%d %H:%M}"

    @admin.display(description="lease")
    def lease_link(self, case):
        if case.lease_id is None:
            return "none at the time"
        url = reverse("admin:leases_lease_change", args=[case.lease_id]) if admin.site.is_registered(
            type(case.lease)) else None
        text = f"{case.lease.prefix} ({case.lease.get_state_display()}), lessee {case.lessee}"
        return format_html('<a href="{}">{}</a>', url, text) if url else text

    @admin.display(description="suspension to ROA change")
    def roa_change_delay(self, case):
        return case.roa_change_delay or "not reported yet"

    def save_model(self, request, obj, form, change):
        if "assigned_to" in form.changed_data:
            actions.assign(obj, user=request.user, assignee=form.cleaned_data["assigned_to"])
        if form.cleaned_data.get("internal_note"):
            actions.add_note(obj, user=request.user, text=form.cleaned_data["internal_note"])
        if form.cleaned_data.get("message_to_lessee"):
            try:
                actions.post_message(obj, user=request.user, text=form.cleaned_data["message_to_lessee"],
                                     from_lessee=False)
            except actions.CaseActionError as exc:
                self.message_user(request, str(exc), messages.ERROR)

    def _each(self, request, queryset, change, done):
        succeeded = 0
        for case in queryset:
            try:
                change(case)
            except actions.CaseActionError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done}: {succeeded} case(s).", messages.SUCCESS)

    @admin.action(description="Assign to me")
    def assign_to_me(self, request, queryset):
        self._each(request, queryset, lambda case: actions.assign(case, user=request.user, assignee=request.user),
                   "Assigned")

    @admin.action(description="Mark acknowledged")
    def mark_acknowledged(self, request, queryset):
        self._each(request, queryset, lambda case: actions.acknowledge(case, user=request.user, by_staff=True),
                   "Acknowledged")

    @admin.action(description="Escalate")
    def escalate_cases(self, request, queryset):
        self._each(request, queryset,
                   lambda case: actions.escalate(case, user=request.user, reason="escalated by the abuse team"),
                   "Escalated")

    @admin.action(description="Suspend the lease at fault")
    def suspend_leases(self, request, queryset):
        self._each(request, queryset,
                   lambda case: actions.suspend_lease(case, user=request.user, reason="suspended by the abuse team"),
                   "Suspended the lease of")

    @admin.action(description="Pause (waiting for the reporter)")
    def pause_cases(self, request, queryset):
        self._each(request, queryset,
                   lambda case: actions.pause(case, user=request.user, reason="waiting for the reporter"), "Paused")

    @admin.action(description="Resume")
    def resume_cases(self, request, queryset):
        self._each(request, queryset, lambda case: actions.resume(case, user=request.user), "Resumed")

    @admin.action(description="Terminate the lease at fault")
    def terminate_leases(self, request, queryset):
        self._each(request, queryset,
                   lambda case: actions.terminate_lease(case, user=request.user, reason="terminated by the abuse team"),
                   "Terminated the lease of")

    @admin.action(description="Resolve")
    def resolve_cases(self, request, queryset):
        self._each(request, queryset, lambda case: actions.resolve(case, user=request.user), "Resolved")

    @admin.action(description="Close as invalid")
    def close_invalid(self, request, queryset):
        self._each(request, queryset,
                   lambda case: actions.close_invalid(case, user=request.user, reason="closed by the abuse team"),
                   "Closed as invalid")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "received_at", "channel", "source", "status", "parser", "event_count",
                    "duplicate_count", "parse_error_short"]
    list_filter = ["status", "channel", "parser"]
    search_fields = ["source", "sha256", "reporter_email"]
    actions = ["parse_again"]
    exclude = ["raw"]
    readonly_fields = ["channel", "source", "content_type", "size", "sha256", "received_at", "submitted_by",
                       "reporter_email", "status", "parser", "parse_error", "parse_notes", "parse_attempts",
                       "parsed_at", "event_count", "duplicate_count", "raw_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A stored report is evidence, so it is kept whatever its parse gave.
        return False

    @admin.display(description="parse error")
    def parse_error_short(self, report):
        return report.parse_error[:120]

    @admin.display(description="stored report")
    def raw_link(self, report):
        return format_html('<a href="{}">download ({} bytes)</a>', reverse("abuse:report-raw", args=[report.pk]),
                           report.size)

    @admin.action(description="Parse again")
    def parse_again(self, request, queryset):
        for report in queryset:
            report = intake.reparse(Report.objects.get(pk=report.pk))
            level = messages.SUCCESS if report.status == "parsed" else messages.WARNING
            self.message_user(request, f"Report {report.pk}: {report.get_status_display()} "
                                       f"{report.parse_error}".strip(), level)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "severity", "response_time", "resolution_time", "suspend_on_breach",
                    "is_active"]
    list_editable = ["response_time", "resolution_time", "suspend_on_breach", "is_active"]
    list_display_links = ["__str__"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "subject_shown", "status", "attempts", "queued_at", "sent_at"]
    list_filter = ["status", "kind"]
    readonly_fields = ["case", "kind", "recipients", "subject", "body", "internal", "status", "queued_at",
                       "next_attempt_at", "attempts", "last_error", "sent_at"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        # Notifications are queued by the abuse desk, never written by hand.
        return False

    def has_delete_permission(self, request, obj=None):
        # Notifications record what was sent, and they limit repeats.
        return False

    @admin.display(description="subject", ordering="subject")
    def subject_shown(self, obj):
        return obj.subject or "(written when sent)"

    @admin.action(description="Send the selected failed mail again")
    def send_again(self, request, queryset):
        selected = queryset.count()
        count = notifications.send_again(queryset, user=request.user)
        if count:
            self.message_user(request, f"{count} failed mail(s) queued again; a worker sends them shortly.")
        if selected > count:
            self.message_user(
                request,
                f"{selected - count} selected mail(s) were not failed (queued or sent) and were left as they are.",
                messages.WARNING,
            )
