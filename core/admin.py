"""Admin helpers shared by every app."""

import ipaddress

from django.db.models import Q


def parse_search_network(term):
    """Return the IPv4 address or network `term` names, or None for other text.

    Search is lenient where forms are strict: "198.51.100.7/24" finds the
    blocks around 198.51.100.0/24 instead of failing on the host bits.
    """
    term = term.strip()
    try:
        return ipaddress.IPv4Address(term)
    except ValueError:
        pass
    if "/" not in term:
        return None
    try:
        return ipaddress.IPv4Network(term, strict=False)
    except ValueError:
        return None


class NetworkSearchMixin:
    """Admin search by containment on cidr fields, with text search for everything else.

    List the cidr fields in `network_search_fields`. A search term that is an
    IPv4 address finds rows whose prefix contains it. A term that is a prefix
    finds rows whose prefix contains it or lies inside it. Any other term goes
    to the usual `search_fields` text search.
    """

    network_search_fields = ("prefix",)

    def get_search_results(self, request, queryset, search_term):
        network = parse_search_network(search_term) if search_term else None
        if network is None:
            return super().get_search_results(request, queryset, search_term)
        condition = Q()
        for field in self.network_search_fields:
            condition |= Q(**{f"{field}__net_contains_or_equal": network})
            if isinstance(network, ipaddress.IPv4Network):
                condition |= Q(**{f"{field}__net_contained_or_equal": network})
        return queryset.filter(condition), False
