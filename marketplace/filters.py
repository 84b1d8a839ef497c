"""Listing search filters, shared by the web search page and the API."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from core.fields import MaskLength
from leases.choices import LIVE_STATES, LeaseState, Term
from leases.models import Lease

from .choices import RIR, Terms
from .models import Listing

PREFIX_SIZE_CHOICES = [(length, f"/{length}") for length in range(8, 25)]


class ListingFilter(django_filters.FilterSet):
    prefix_size = django_filters.TypedChoiceFilter(
        choices=[("", "Any size"), *PREFIX_SIZE_CHOICES],
        coerce=int,
        empty_value=None,
        method="filter_prefix_size",
        label="Prefix size",
        help_text="Only listings from which a prefix of this length can be rented, for example 24.",
    )
    rir = django_filters.ChoiceFilter(field_name="block__rir", choices=RIR.choices, label="RIR")
    country = django_filters.CharFilter(
        field_name="block__country", lookup_expr="iexact", label="Country",
        help_text="ISO 3166-1 alpha-2 code of the block, for example NL.",
    )
    min_price = django_filters.NumberFilter(
        field_name="price_per_ip_month", lookup_expr="gte", label="Minimum price per IP per month"
    )
    max_price = django_filters.NumberFilter(
        field_name="price_per_ip_month", lookup_expr="lte", label="Maximum price per IP per month"
    )
    term = django_filters.ChoiceFilter(
        choices=Term.choices, method="filter_term", label="Term",
        help_text="Only listings whose holder accepts this term.",
    )

    available = django_filters.BooleanFilter(
        method="filter_available",
        label="Not fully leased",
        help_text="true hides listings whose whole block is leased or reserved now.",
    )

    class Meta:
        model = Listing
        fields = ["prefix_size", "rir", "country", "min_price", "max_price", "term", "available"]

    @extend_schema_field(OpenApiTypes.INT)
    def filter_prefix_size(self, queryset, name, value):
        # A listing offers /n when its block is /n, or when it may be split
        # and its longest rentable prefix is at least /n.
        queryset = queryset.annotate(block_length=MaskLength(F("block__prefix")))
        return queryset.filter(block_length__lte=value).filter(
            Q(block_length=value) | Q(allow_split=True, max_prefix_length__gte=value)
        )

    @extend_schema_field(OpenApiTypes.STR)
    def filter_term(self, queryset, name, value):
        return queryset.filter(terms__in=[value, Terms.BOTH])

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_available(self, queryset, name, value):
        # NOTE: only a lease of the whole block counts; a block split into
        # leases that together cover it still shows as available.
        whole_block_taken = Lease.objects.filter(
            block=OuterRef("block"),
            prefix=OuterRef("block__prefix"),
            state__in=(LeaseState.RESERVED, *LIVE_STATES),
            period__contains=timezone.now(),
        )
        if value:
            return queryset.filter(~Exists(whole_block_taken))
        return queryset.filter(Exists(whole_block_taken))
