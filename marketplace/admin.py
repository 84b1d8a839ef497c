from django.contrib import admin

from core.admin import NetworkSearchMixin

from .models import IPBlock, Listing


class ListingInline(admin.StackedInline):
    model = Listing
    extra = 0


@admin.register(IPBlock)
class IPBlockAdmin(NetworkSearchMixin, admin.ModelAdmin):
    list_display = ["prefix", "holder", "rir", "country", "verification_status", "created_at"]
    list_filter = ["rir", "verification_status", "country"]
    search_fields = ["holder__name", "description", "country"]
    network_search_fields = ("prefix",)
    autocomplete_fields = ["holder"]
    list_select_related = ["holder"]
    inlines = [ListingInline]


@admin.register(Listing)
class ListingAdmin(NetworkSearchMixin, admin.ModelAdmin):
    list_display = [
        "block", "holder_name", "status", "price_per_ip_month", "currency", "terms",
        "allow_split", "max_prefix_length", "published_at",
    ]
    list_filter = ["status", "terms", "currency", "allow_split", "block__rir"]
    search_fields = ["block__holder__name", "description"]
    network_search_fields = ("block__prefix",)
    list_select_related = ["block__holder"]
    raw_id_fields = ["block"]

    @admin.display(description="holder", ordering="block__holder__name")
    def holder_name(self, listing):
        return listing.block.holder.name
