from ipaddress import IPv4Network

from django import forms
from django.contrib import admin

from core.admin import NetworkSearchMixin

from .choices import ListingStatus, VerificationMethod, VerificationStatus
from .models import IPBlock, Listing
from .verification import current_vrp_import, draw_proof_asn, is_pending_roa_proof


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


class IPBlockAdminForm(forms.ModelForm):
    """A block in the admin. A ROA proof that staff start gets a new proof ASN, as a holder's request does."""

    class Meta:
        model = IPBlock
        fields = "__all__"

    def clean(self):
        cleaned_data = super().clean()
        starts_roa_proof = (
            cleaned_data.get("verification_status") == VerificationStatus.PENDING
            and cleaned_data.get("verification_method") == VerificationMethod.ROA
        )
        # `self.instance` still has the stored values here, because the form
        # copies the cleaned data to it only after clean().
        try:
            prefix = IPv4Network(cleaned_data.get("prefix") or "")
        except ValueError:
            prefix = None  # The prefix field reports the error.
        if starts_roa_proof and prefix is not None and not is_pending_roa_proof(self.instance):
            self.instance.proof_asn = draw_proof_asn(
                prefix, current_vrp_import(), previous_asn=self.instance.proof_asn
            )
        return cleaned_data


class ListingInline(admin.StackedInline):
    model = Listing
    form = ListingAdminForm
    extra = 0


@admin.register(IPBlock)
class IPBlockAdmin(NetworkSearchMixin, admin.ModelAdmin):
    form = IPBlockAdminForm
    readonly_fields = ["proof_asn"]
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
