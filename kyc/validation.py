"""Checks of profile fields: ISO 3166 country codes and EU VAT number formats."""

import re

import pycountry
from django.core.exceptions import ValidationError

# VAT number formats of the EU member states (and XI for Northern Ireland),
# after the two-letter prefix. Greece uses the prefix EL, not its ISO code GR.
# Only the format is checked here, not whether the number is registered.
VAT_FORMATS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"[1-9]\d{1,9}",
    "SE": r"\d{10}01",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}
VAT_EXAMPLES = {"NL": "NL123456789B01", "DE": "DE123456789", "EL": "EL123456789", "FR": "FRXX123456789"}
# The VAT prefix of each country whose prefix differs from its ISO code.
VAT_PREFIX_OF_COUNTRY = {"GR": "EL"}


def normalize_country(value):
    return (value or "").strip().upper()


def validate_country(value):
    code = normalize_country(value)
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code; write two letters such as NL or DE."
        )
    return code


def normalize_vat(value):
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_vat(value, country):
    """Return the VAT number in canonical form, or raise ValidationError naming the expected format."""
    vat = normalize_vat(value)
    if not vat:
        return ""
    country = normalize_country(country)
    prefix = vat[:2]
    if prefix not in VAT_FORMATS:
        raise ValidationError(
            f"VAT number {value!r} does not start with an EU country prefix; write it like NL123456789B01."
        )
    expected_prefix = VAT_PREFIX_OF_COUNTRY.get(country, country)
    if country and prefix != expected_prefix and not (country == "GB" and prefix == "XI"):
        raise ValidationError(
            f"VAT number {value!r} has the prefix {prefix}, but the country is {country}; "
            f"a VAT number of {country} starts with {expected_prefix}."
        )
    if not re.fullmatch(VAT_FORMATS[prefix], vat[2:]):
        example = VAT_EXAMPLES.get(prefix, f"{prefix} followed by the national number")
        raise ValidationError(f"VAT number {value!r} is not in the format of {prefix}; write it like {example}.")
    return vat
