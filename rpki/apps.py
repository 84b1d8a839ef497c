from django.apps import AppConfig


class RpkiConfig(AppConfig):
    name = "rpki"
    verbose_name = "RPKI and routing"
