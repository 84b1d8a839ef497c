"""Staff views: pending and failed publications, published ROAs, imports and routing findings."""

from django.contrib import admin, messages
from django.db import transaction

from .krill import PublicationError
from .models import (
    BlockRpkiPolicy,
    DataImport,
    Finding,
    LeaseRoaRequest,
    PublishedRoa,
    RoaChange,
    RouteObservation,
)
from .reconcile import reconcile
from .services import schedule_reconciliation


@admin.register(RoaChange)
class RoaChangeAdmin(admin.ModelAdmin):
    list_display = ["requested_at", "action", "prefix", "asn", "max_length", "purpose", "status", "attempts",
                    "published_at", "reason"]
    list_filter = ["status", "action", "purpose", "backend"]
    search_fields = ["reason", "last_error"]
    date_hierarchy = "requested_at"
    readonly_fields = [field.name for field in RoaChange._meta.fields]
    actions = ["reconcile_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Reconcile now (publishes every pending and failed change)")
    def reconcile_now(self, request, queryset):
        try:
            result = reconcile(reason=f"admin action by {request.user}")
        except PublicationError as exc:
            self.message_user(request, f"Publication failed: {exc}", messages.ERROR)
            return
        self.message_user(request, f"Published {result.added} additions and {result.removed} removals.")


@admin.register(PublishedRoa)
class PublishedRoaAdmin(admin.ModelAdmin):
    list_display = ["prefix", "asn", "max_length", "purpose", "lease", "published_at", "removed_at"]
    list_filter = ["purpose", ("removed_at", admin.EmptyFieldListFilter)]
    readonly_fields = [field.name for field in PublishedRoa._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["detected_at", "kind", "prefix", "origin_asn", "lease", "validation_state", "invalid_reason",
                    "case_id", "holder_notified_at"]
    list_filter = ["kind", "validation_state", "invalid_reason"]
    readonly_fields = [field.name for field in Finding._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RouteObservation)
class RouteObservationAdmin(admin.ModelAdmin):
    list_display = ["prefix", "origin_asn", "first_seen", "last_seen", "validation_state", "invalid_reason"]
    list_filter = ["validation_state", "invalid_reason"]
    readonly_fields = [field.name for field in RouteObservation._meta.fields]


@admin.register(DataImport)
class DataImportAdmin(admin.ModelAdmin):
    list_display = ["received_at", "kind", "format", "filename", "status", "row_count", "skipped_count"]
    list_filter = ["kind", "status", "format"]
    exclude = ["raw"]
    readonly_fields = ["kind", "format", "filename", "status", "error", "row_count", "skipped_count",
                       "uploaded_by", "received_at", "parsed_at"]


@admin.register(BlockRpkiPolicy)
class BlockRpkiPolicyAdmin(admin.ModelAdmin):
    list_display = ["block", "park_with_as0", "note", "updated_at"]
    raw_id_fields = ["block"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: schedule_reconciliation(reason=f"policy of block {obj.block_id} changed"))


@admin.register(LeaseRoaRequest)
class LeaseRoaRequestAdmin(admin.ModelAdmin):
    list_display = ["lease", "max_length", "updated_at"]
    raw_id_fields = ["lease"]
