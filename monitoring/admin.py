from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path

from .forms import DropUploadForm
from .models import (
    BlocklistListing, DnsblReturnCode, DnsblZone, DropEntry, DropImport, DropOverlap,
    OperationalAlert, PtrAssignment, PtrChange, PtrFlag, PtrRecord, ScanRun,
)
from .prefixlists import import_drop


class DnsblReturnCodeInline(admin.TabularInline):
    model = DnsblReturnCode
    extra = 1


@admin.register(DnsblZone)
class DnsblZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "is_enabled", "weight", "backoff_until", "consecutive_errors"]
    list_filter = ["is_enabled"]
    inlines = [DnsblReturnCodeInline]
    readonly_fields = ["backoff_until", "consecutive_errors", "last_error"]
    actions = ["clear_backoff"]

    @admin.action(description="Clear the back-off of the selected zones")
    def clear_backoff(self, request, queryset):
        queryset.update(backoff_until=None, consecutive_errors=0)


@admin.register(BlocklistListing)
class BlocklistListingAdmin(admin.ModelAdmin):
    list_display = ["address", "zone", "kind", "lessee", "listed_at", "delisted_at"]
    list_filter = ["kind", "zone"]
    raw_id_fields = ["lease", "lessee"]


@admin.register(OperationalAlert)
class OperationalAlertAdmin(admin.ModelAdmin):
    list_display = ["source", "message", "raised_at", "acknowledged_at"]
    list_filter = ["source"]


@admin.register(PtrFlag)
class PtrFlagAdmin(admin.ModelAdmin):
    list_display = ["kind", "lessee", "lease", "observed", "threshold", "raised_at", "resolved_at"]
    list_filter = ["kind"]
    raw_id_fields = ["lessee", "lease"]


@admin.register(PtrChange)
class PtrChangeAdmin(admin.ModelAdmin):
    list_display = ["address", "old_hostname", "new_hostname", "changed_at", "source", "actor", "lessee"]
    list_filter = ["source"]
    raw_id_fields = ["lease", "lessee", "actor", "scan_run"]


@admin.register(PtrRecord)
class PtrRecordAdmin(admin.ModelAdmin):
    list_display = ["address", "hostname", "changed_at"]
    search_fields = ["hostname"]
    raw_id_fields = ["lease"]


@admin.register(PtrAssignment)
class PtrAssignmentAdmin(admin.ModelAdmin):
    list_display = ["address", "hostname", "lease", "updated_by", "updated_at"]
    raw_id_fields = ["lease", "updated_by"]


@admin.register(ScanRun)
class ScanRunAdmin(admin.ModelAdmin):
    list_display = ["kind", "server", "started_at", "finished_at", "address_count", "chunks_done",
                    "chunks_total", "counts"]
    list_filter = ["kind"]


@admin.register(DropImport)
class DropImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "format", "imported_at", "entry_count", "error"]
    readonly_fields = ["filename", "raw", "format", "imported_at", "entry_count", "error"]

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="monitoring_drop_upload"),
        ] + super().get_urls()

    def upload_view(self, request):
        form = DropUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            raw = upload.read().decode("utf-8", "replace")
            try:
                drop_import = import_drop(filename=upload.name, raw=raw)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            else:
                messages.success(request, f"Imported {drop_import.entry_count} DROP entries.")
                return redirect("admin:monitoring_dropimport_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Upload Spamhaus DROP"}
        return render(request, "monitoring/admin_drop_upload.html", context)


@admin.register(DropEntry)
class DropEntryAdmin(admin.ModelAdmin):
    list_display = ["cidr", "sbl_id", "rir", "source"]
    search_fields = ["sbl_id"]


@admin.register(DropOverlap)
class DropOverlapAdmin(admin.ModelAdmin):
    list_display = ["block", "cidr", "sbl_id", "flagged_at", "resolved_at"]
