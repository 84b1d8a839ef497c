"""Checks of ISO codes typed by people, returning the normalised code."""

import pycountry
from django.core.exceptions import ValidationError


def country_code(value):
    """Return `value` as an upper-case ISO 3166-1 alpha-2 code, or raise ValidationError."""
    code = str(value or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code; write two letters, for example NL or US.",
            code="country",
        )
    return code


def currency_code(value):
    """Return `value` as an upper-case ISO 4217 code, or raise ValidationError."""
    code = str(value or "").strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(
            f"{value!r} is not an ISO 4217 currency code; write three letters, for example USD or EUR.",
            code="currency",
        )
    return code
