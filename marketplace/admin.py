from django import forms
from django.contrib import admin

from core.admin import NetworkSearchMixin

from .choices import ListingStatus, VerificationStatus
from .models import IPBlock, Listing


class ListingAdminForm(forms.ModelForm):
    """A listing in the admin, which staff may publish only on a verified block."""

    class Meta:
        model = Listing
        fields = "__all__"

    def clean(self):
        cleaned_data = super().clean()
        # In the block page's inline, `block` is the block as the same form
        # submits it, so staff can verify the block and publish in one save.
        block = cleaned_data.get("block")
        publishing = (
            cleaned_data.get("status") == ListingStatus.PUBLISHED
            and self.instance.status != ListingStatus.PUBLISHED
        )
        unverified = block is not None and block.verification_status != VerificationStatus.VERIFIED
        if publishing and unverified:
            raise forms.ValidationError(
                f"The listing of {block.prefix} cannot be published because the block is not "
                f"verified (status: {block.get_verification_status_display().lower()}). "
                "Set the block's verification status to verified first.",
                code="unverified",
            )
        return cleaned_data


class ListingInline(admin.StackedInline):
    model = Listing
    form = ListingAdminForm
    extra = 0


@admin.register(IPBlock)
class IPBlockAdmin(NetworkSearchMixin, admin.ModelAdmin):
    list_display = ["prefix", "holder", "rir", "country", "verification_status", "created_at"]
    list_filter = ["rir", "verification_status", "verification_method", "country"]
    search_fields = ["holder__name", "description", "country"]
    network_search_fields = ("prefix",)
    autocomplete_fields = ["holder"]
    list_select_related = ["holder"]
    inlines = [ListingInline]


@admin.register(Listing)
class ListingAdmin(NetworkSearchMixin, admin.ModelAdmin):
    form = ListingAdminForm
    list_display = [
        "block", "holder_name", "status", "price_per_ip_month", "currency", "terms",
        "allow_split", "max_prefix_length", "published_at",
    ]
    list_filter = [
        "status", "block__verification_status", "terms", "currency", "allow_split", "block__rir",
    ]
    search_fields = ["block__holder__name", "description"]
    network_search_fields = ("block__prefix",)
    list_select_related = ["block__holder"]
    raw_id_fields = ["block"]

    @admin.display(description="holder", ordering="block__holder__name")
    def holder_name(self, listing):
        return listing.block.holder.name
