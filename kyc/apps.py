from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "kyc"
    verbose_name = "Customer due diligence"

    def ready(self):
        # Importing the factor modules registers their factors.
        from . import risk_factors, risk_factors_external  # noqa: F401
