from django import forms
from django.contrib.auth.forms import UserCreationForm

from core.validators import country_code

from .models import Organization


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = ["name", "country", "website", "abuse_email"]

    def clean_country(self):
        country = self.cleaned_data["country"]
        return country_code(country) if country else country

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Organization.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(
                f"An organisation named {name!r} already exists; choose another name."
            )
        return name


class SignupForm(UserCreationForm):
    email = forms.EmailField()
    organization_name = forms.CharField(
        label="Organisation name", max_length=200,
        help_text="The company you act for. You become its owner and can invite others later.",
    )
    country = forms.CharField(
        max_length=2, required=False, help_text="ISO 3166-1 alpha-2 code, for example NL."
    )

    class Meta(UserCreationForm.Meta):
        fields = ["username", "email"]

    def clean_organization_name(self):
        name = self.cleaned_data["organization_name"].strip()
        if Organization.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(
                f"An organisation named {name!r} already exists; ask its owner to add you, "
                "or choose another name."
            )
        return name

    def clean_country(self):
        country = self.cleaned_data["country"]
        return country_code(country) if country else country
