from django.contrib import admin

from core.admin import NetworkSearchMixin

from .models import Lease, LeaseEvent


class LeaseEventInline(admin.TabularInline):
    model = LeaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "from_state", "to_state", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lease)
class LeaseAdmin(NetworkSearchMixin, admin.ModelAdmin):
    """Leases, read-only: state changes go through leases.services so history is recorded."""

    list_display = [
        "prefix", "lessee", "holder_name", "term", "state", "starts_at", "ends_at",
        "origin_asn", "auto_renew",
    ]
    list_filter = ["state", "term", "auto_renew", "currency"]
    search_fields = ["lessee__name", "block__holder__name", "=origin_asn"]
    network_search_fields = ("prefix",)
    list_select_related = ["lessee", "block__holder"]
    inlines = [LeaseEventInline]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Lease._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="holder", ordering="block__holder__name")
    def holder_name(self, lease):
        return lease.block.holder.name


@admin.register(LeaseEvent)
class LeaseEventAdmin(NetworkSearchMixin, admin.ModelAdmin):
    list_display = ["lease", "kind", "from_state", "to_state", "actor", "created_at"]
    list_filter = ["kind", "to_state"]
    search_fields = ["lease__lessee__name", "note"]
    network_search_fields = ("lease__prefix",)
    list_select_related = ["lease", "actor"]
    raw_id_fields = ["lease"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in LeaseEvent._meta.fields]

    def has_add_permission(self, request):
        return False
