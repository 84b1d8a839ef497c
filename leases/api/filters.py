import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from core.admin import parse_search_network

from ..models import Lease


class LeaseFilter(django_filters.FilterSet):
    prefix = django_filters.CharFilter(
        method="filter_prefix",
        help_text="An address or prefix; returns leases whose prefix contains it or lies inside it.",
    )

    class Meta:
        model = Lease
        fields = ["state", "term", "lessee", "listing", "auto_renew"]

    @extend_schema_field(OpenApiTypes.STR)
    def filter_prefix(self, queryset, name, value):
        network = parse_search_network(value)
        if network is None:
            raise ValidationError(
                {"prefix": f"{value!r} is not an IPv4 address or prefix; write 198.51.100.7 or 198.51.100.0/24."}
            )
        condition = Q(prefix__net_contains_or_equal=network)
        if "/" in value:
            condition |= Q(prefix__net_contained_or_equal=network)
        return queryset.filter(condition)
