from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "abuse"
    verbose_name = "Abuse desk"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
