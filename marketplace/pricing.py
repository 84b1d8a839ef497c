"""Prices shown to lessees on a listing page."""

from dataclasses import dataclass
from decimal import Decimal

from leases.choices import Term


@dataclass(frozen=True)
class PriceRow:
    prefix_length: int
    address_count: int
    monthly_term: Decimal | None
    yearly_term: Decimal | None


def price_table(listing):
    """Return the price per month of each rentable prefix length, for each accepted term.

    A term the listing does not accept has None in its column.
    """
    rows = []
    for length in listing.rentable_prefix_lengths():
        count = 1 << (32 - length)
        prices = {}
        for term in (Term.MONTHLY, Term.YEARLY):
            if listing.accepts_term(term):
                prices[term] = (listing.price_for_term(term) * count).quantize(Decimal("0.01"))
            else:
                prices[term] = None
        rows.append(PriceRow(length, count, prices[Term.MONTHLY], prices[Term.YEARLY]))
    return rows
