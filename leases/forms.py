from django import forms

from .models import MAX_ASN


class OriginAsnForm(forms.Form):
    origin_asn = forms.IntegerField(
        label="Origin ASN", required=False, min_value=1, max_value=MAX_ASN,
        help_text="The ASN that announces the prefix, for example 64500. Leave empty to clear it.",
    )
