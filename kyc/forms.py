from django import forms
from django.core.exceptions import ValidationError

from .choices import DocumentKind
from .models import ClientProfile, KeyPerson
from .validation import validate_country, validate_vat


class ProfileForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")
    policy_url = forms.URLField(required=False, assume_scheme="https", help_text="Link to the published policy.")

    class Meta:
        model = ClientProfile
        fields = [
            "legal_name", "registration_number", "country", "vat_number", "address", "website",
            "abuse_email", "declared_use", "declared_use_detail", "policy_text", "policy_url",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "policy_text": forms.Textarea(attrs={"rows": 8}),
                   "declared_use_detail": forms.Textarea(attrs={"rows": 3})}

    def clean_country(self):
        value = self.cleaned_data.get("country", "")
        return validate_country(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("vat_number"):
            try:
                cleaned["vat_number"] = validate_vat(cleaned["vat_number"], cleaned.get("country", ""))
            except ValidationError as exc:
                self.add_error("vat_number", exc)
        return cleaned


class KeyPersonForm(forms.ModelForm):
    class Meta:
        model = KeyPerson
        fields = ["full_name", "role", "birth_date", "nationality"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}

    def clean_nationality(self):
        value = self.cleaned_data.get("nationality", "")
        return validate_country(value) if value else ""


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    file = forms.FileField(help_text="PDF, PNG or JPEG.")


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PolicyReviewForm(forms.Form):
    is_adequate = forms.BooleanField(required=False, label="The policy is adequate")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class MatchDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("false_match", "False match"), ("confirmed", "True match")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
