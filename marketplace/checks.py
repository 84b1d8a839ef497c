"""System checks of the marketplace settings."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_proof_settings(app_configs, **kwargs):
    """Reject proof settings with which no ROA proof could complete."""
    if settings.MARKETPLACE_PROOF_DAYS < 1:
        return [
            Error(
                f"MARKETPLACE_PROOF_DAYS {settings.MARKETPLACE_PROOF_DAYS} is invalid.",
                hint="Set the days a holder has to create the proof ROA to 1 or more.",
                id="marketplace.E003",
            )
        ]
    return []
