from django import forms

from .choices import Category


class PublicReportForm(forms.Form):
    ip = forms.GenericIPAddressField(label="IPv4 address", protocol="IPv4")
    time = forms.DateTimeField(
        label="When it happened (UTC)", help_text="For example 2026-03-01 14:30. Times are read as UTC."
    )
    category = forms.ChoiceField(choices=Category.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000)
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), required=False, max_length=100_000,
        help_text="Log lines or message headers that show the abuse.",
    )
    reporter_email = forms.EmailField(label="Your e-mail address", required=False)


class LesseeResponseForm(forms.Form):
    ACTIONS = (
        ("acknowledge", "Acknowledge"),
        ("message", "Send a message"),
        ("mitigation", "Describe the mitigation"),
        ("mitigated", "Mark as mitigated"),
    )
    action = forms.ChoiceField(choices=ACTIONS)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10_000)
