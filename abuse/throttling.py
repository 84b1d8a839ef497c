from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ReportFormThrottle(SimpleRateThrottle):
    """Limits public reports per client address, at the `abuse_report_form` rate.

    Serves both the web form and the API endpoint, so one client shares one
    allowance across both.
    """

    scope = "abuse_report_form"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_rate(self):
        # Read at each request rather than at import, so a changed setting applies.
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
