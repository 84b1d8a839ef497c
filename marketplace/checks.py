"""System checks of the marketplace settings."""

from django.conf import settings
from django.core.checks import Error, register

from rpki.models import MAX_ASN


@register()
def check_proof_settings(app_configs, **kwargs):
    """Reject proof settings with which no ROA could prove control of a block."""
    asn = settings.MARKETPLACE_PROOF_ASN
    if not 1 <= asn <= MAX_ASN:
        return [
            Error(
                f"MARKETPLACE_PROOF_ASN {asn} is not a valid origin ASN.",
                hint=f"Set it to an ASN from 1 to {MAX_ASN} that the operator holds.",
                id="marketplace.E001",
            )
        ]
    if settings.MARKETPLACE_PROOF_DAYS < 1:
        return [
            Error(
                f"MARKETPLACE_PROOF_DAYS {settings.MARKETPLACE_PROOF_DAYS} is invalid.",
                hint="Set the days a holder has to create the proof ROA to 1 or more.",
                id="marketplace.E003",
            )
        ]
    if asn == settings.RPKI_PARKING_ASN:
        return [
            Error(
                f"MARKETPLACE_PROOF_ASN equals RPKI_PARKING_ASN ({asn}).",
                hint="A holder's proof ROA must differ from the parking ROAs that the platform "
                "publishes itself. Set another ASN that the operator holds.",
                id="marketplace.E002",
            )
        ]
    return []
