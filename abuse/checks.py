"""System checks of the abuse desk's settings."""

from django.conf import settings
from django.core.checks import Error, register

# Settings that count bytes, rows, minutes or hours and make no sense below 1.
POSITIVE_SETTINGS = (
    "ABUSE_MAX_REPORT_BYTES", "ABUSE_MAX_PARSE_BYTES", "ABUSE_INTAKE_BATCH", "ABUSE_REFILE_AFTER_MINUTES",
    "ABUSE_DEFAULT_RESPONSE_HOURS", "ABUSE_DEFAULT_RESOLUTION_HOURS", "ABUSE_NOTIFY_BATCH",
    "ABUSE_NOTIFY_RETRY_MINUTES", "ABUSE_NOTIFY_MAX_ATTEMPTS", "ABUSE_ESCALATION_BATCH",
)


@register()
def check_positive_settings(app_configs, **kwargs):
    """Reject sizes, batches and durations below 1, with which the intake or the workers would stall."""
    return [
        Error(
            f"{name} {getattr(settings, name)} is invalid.",
            hint=f"Set {name} to 1 or more.",
            id="abuse.E001",
        )
        for name in POSITIVE_SETTINGS
        if getattr(settings, name) < 1
    ]
