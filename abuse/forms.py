from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from .choices import Category
from .parsing.base import ParseError, parse_ipv4


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

    def clean_ip(self):
        try:
            parse_ipv4(self.cleaned_data["ip"], what="address")
        except ParseError as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.cleaned_data["ip"]

    def clean_time(self):
        # Caught here, where the reporter can still correct it; the intake
        # would store the report and fail it for the same reason.
        moment = self.cleaned_data["time"]
        latest = timezone.now() + timedelta(minutes=settings.ABUSE_MAX_CLOCK_SKEW_MINUTES)
        if moment > latest:
            raise forms.ValidationError(
                f"{moment:%Y-%m-%d %H:%M} UTC is in the future; give the time the abuse was seen, in UTC."
            )
        return moment


class LesseeResponseForm(forms.Form):
    ACTIONS = (
        ("acknowledge", "Acknowledge"),
        ("message", "Send a message"),
        ("mitigation", "Describe the mitigation"),
        ("mitigated", "Mark as mitigated"),
    )
    action = forms.ChoiceField(choices=ACTIONS)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10_000)
