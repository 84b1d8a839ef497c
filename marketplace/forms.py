from django import forms
from django.core.exceptions import ValidationError

from core.ipspace import validate_block_prefix
from core.validators import country_code, currency_code
from leases.choices import Term
from leases.models import MAX_ASN

from .choices import RIR
from .models import Listing


class BlockForm(forms.Form):
    """A new block. A plain form, so that the overlap check is the database constraint."""

    prefix = forms.CharField(
        max_length=18,
        help_text="The block in CIDR notation as registered with the RIR, for example 203.0.113.0/24.",
    )
    rir = forms.ChoiceField(label="RIR", choices=RIR.choices)
    country = forms.CharField(
        min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2 code, for example NL."
    )
    description = forms.CharField(max_length=200, required=False)

    def clean_prefix(self):
        return validate_block_prefix(self.cleaned_data["prefix"])

    def clean_country(self):
        return country_code(self.cleaned_data["country"])


class ListingForm(forms.ModelForm):
    class Meta:
        model = Listing
        fields = [
            "price_per_ip_month", "currency", "terms", "yearly_discount_percent",
            "allow_split", "max_prefix_length", "description",
        ]

    def __init__(self, *args, block, **kwargs):
        super().__init__(*args, **kwargs)
        self.block = block

    def clean_currency(self):
        return currency_code(self.cleaned_data["currency"])

    def clean_max_prefix_length(self):
        length = self.cleaned_data["max_prefix_length"]
        if length < self.block.prefix.prefixlen:
            raise ValidationError(
                f"/{length} is larger than the block {self.block.prefix}; "
                f"use /{self.block.prefix.prefixlen} or a longer prefix length."
            )
        return length


class RentForm(forms.Form):
    prefix_length = forms.TypedChoiceField(coerce=int, label="Prefix size")
    term = forms.ChoiceField(choices=Term.choices)
    origin_asn = forms.IntegerField(
        label="Origin ASN", required=False, min_value=1, max_value=MAX_ASN,
        help_text="The ASN that will announce the prefix, for example 64500. You can set it later.",
    )
    auto_renew = forms.BooleanField(required=False, initial=True, label="Renew automatically")

    def __init__(self, *args, listing, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefix_length"].choices = [
            (length, f"/{length} ({1 << (32 - length)} addresses)")
            for length in reversed(listing.rentable_prefix_lengths())
        ]
        self.fields["term"].choices = [
            (term, label) for term, label in Term.choices if listing.accepts_term(term)
        ]
