from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import (
    Approval, ClientProfile, KeyPerson, PolicyReview, ProfileDocument, RiskAssessment, SanctionsListVersion,
    Screening, ScreeningMatch, StaffNotice,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ApprovalInline(ReadOnlyInline):
    model = Approval
    fields = ["review_round", "approved_by", "note", "created_at"]


class PolicyReviewInline(ReadOnlyInline):
    model = PolicyReview
    fields = ["review_round", "reviewed_by", "is_adequate", "note", "created_at"]


class KeyPersonInline(admin.TabularInline):
    model = KeyPerson
    extra = 0


@admin.register(ClientProfile)
class ClientProfileAdmin(admin.ModelAdmin):
    """The review queue: filter by state; state changes happen on the review page."""

    list_display = ["organization", "state", "risk_level", "risk_score", "submitted_at", "approved_until", "review_link"]
    list_filter = ["state", "risk_level", "declared_use", "country"]
    search_fields = ["organization__name", "legal_name", "registration_number", "vat_number"]
    ordering = ["submitted_at"]
    readonly_fields = [
        "state", "review_round", "submitted_at", "approved_at", "approved_until", "reminder_sent_at",
        "risk_score", "risk_level", "risk_assessed_at", "last_screened_at", "abuse_email_confirmed_at",
        "vies_status", "vies_vat_number", "vies_name", "vies_address", "vies_error", "vies_checked_at",
        "vies_retry_at",
    ]
    inlines = [KeyPersonInline, ApprovalInline, PolicyReviewInline]

    @admin.display(description="Review")
    def review_link(self, profile):
        return format_html('<a href="{}">review and score</a>', reverse("kyc:review", args=[profile.pk]))


@admin.register(ScreeningMatch)
class ScreeningMatchAdmin(admin.ModelAdmin):
    list_display = ["organization", "subject_name", "listed_name", "score", "state", "created_at", "decide_link"]
    list_filter = ["state"]
    search_fields = ["organization__name", "subject_name", "listed_name", "entity_key"]
    readonly_fields = [field.name for field in ScreeningMatch._meta.fields]

    @admin.display(description="Decision")
    def decide_link(self, match):
        return format_html('<a href="{}">match review</a>', reverse("kyc:match-review", args=[match.pk]))

    def has_add_permission(self, request):
        return False


@admin.register(SanctionsListVersion)
class SanctionsListVersionAdmin(admin.ModelAdmin):
    list_display = ["source", "status", "imported_at", "published_at", "entity_count", "name_count", "error"]
    list_filter = ["source", "status"]
    readonly_fields = [field.name for field in SanctionsListVersion._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Screening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = ["organization", "status", "trigger", "new_matches", "open_matches", "created_at"]
    list_filter = ["status", "trigger"]
    readonly_fields = [field.name for field in Screening._meta.fields]


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(admin.ModelAdmin):
    list_display = ["profile", "score", "level", "created_at"]
    list_filter = ["level"]
    readonly_fields = [field.name for field in RiskAssessment._meta.fields]


@admin.register(ProfileDocument)
class ProfileDocumentAdmin(admin.ModelAdmin):
    list_display = ["profile", "kind", "original_name", "content_type", "size", "uploaded_at", "download"]
    readonly_fields = [field.name for field in ProfileDocument._meta.fields]
    exclude = ["file"]

    @admin.display(description="File")
    def download(self, document):
        return format_html('<a href="{}">download</a>', reverse("kyc:document-download", args=[document.pk]))


@admin.register(StaffNotice)
class StaffNoticeAdmin(admin.ModelAdmin):
    list_display = ["subject", "organization", "created_at", "acknowledged_at"]
    list_filter = ["acknowledged_at"]
    readonly_fields = ["organization", "subject", "body", "created_at"]
