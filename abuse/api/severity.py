"""Case severity by name in the API, such as "high", where the database stores its level from 1 to 4.

The level keeps ordering correct: `?ordering=severity` sorts by it, from
low to critical, not by the names' alphabetical order.
"""

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import Severity

SEVERITY_NAMES = {severity.value: severity.name.lower() for severity in Severity}
SEVERITY_LEVELS = {name: level for level, name in SEVERITY_NAMES.items()}
SEVERITY_CHOICES = [(name, Severity(level).label) for level, name in SEVERITY_NAMES.items()]


class SeverityField(serializers.ChoiceField):
    """A severity level, read and written by its name."""

    def __init__(self, **kwargs):
        super().__init__(choices=SEVERITY_CHOICES, **kwargs)

    def to_representation(self, value):
        return SEVERITY_NAMES[value]

    def to_internal_value(self, data):
        return SEVERITY_LEVELS[super().to_internal_value(data)]


# Without this, the schema would give the parameter the model field's type,
# integer, with the names as its values.
@extend_schema_field(serializers.ChoiceField(choices=SEVERITY_CHOICES))
class SeverityFilter(django_filters.ChoiceFilter):
    """A filter on a severity given by name."""

    def __init__(self, **kwargs):
        super().__init__(choices=SEVERITY_CHOICES, **kwargs)

    def filter(self, queryset, value):
        return super().filter(queryset, SEVERITY_LEVELS[value] if value in SEVERITY_LEVELS else value)
