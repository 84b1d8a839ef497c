"""Parsing and policy checks for IPv4 prefixes entered by people.

The special-purpose table follows the IANA IPv4 Special-Purpose Address
Registry, plus multicast (224.0.0.0/4), which that registry leaves to its own
registry. Python's `is_private`/`is_global` flags changed meaning between
patch releases of 3.11, so the table is explicit.
"""

import ipaddress
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class SpecialRange:
    network: ipaddress.IPv4Network
    name: str
    lab: bool = False


def _range(prefix, name, lab=False):
    return SpecialRange(ipaddress.IPv4Network(prefix), name, lab)


SPECIAL_PURPOSE_RANGES = (
    _range("0.0.0.0/8", '"this network"'),
    _range("10.0.0.0/8", "private-use"),
    _range("100.64.0.0/10", "shared address space", lab=True),
    _range("127.0.0.0/8", "loopback"),
    _range("169.254.0.0/16", "link-local"),
    _range("172.16.0.0/12", "private-use"),
    _range("192.0.0.0/24", "IETF protocol assignments"),
    _range("192.0.2.0/24", "documentation (TEST-NET-1)", lab=True),
    _range("192.31.196.0/24", "AS112-v4"),
    _range("192.52.193.0/24", "AMT"),
    _range("192.88.99.0/24", "deprecated 6to4 relay anycast"),
    _range("192.168.0.0/16", "private-use"),
    _range("192.175.48.0/24", "direct delegation AS112 service"),
    _range("198.18.0.0/15", "benchmarking", lab=True),
    _range("198.51.100.0/24", "documentation (TEST-NET-2)", lab=True),
    _range("203.0.113.0/24", "documentation (TEST-NET-3)", lab=True),
    _range("224.0.0.0/4", "multicast"),
    _range("240.0.0.0/4", "reserved for future use"),
)

# Routing policy: nothing longer than a /24 is routed across the Internet, so
# a holder's block is at least that large. Anything shorter than a /8 is not
# a real allocation.
BLOCK_MIN_PREFIX_LENGTH = 8
BLOCK_MAX_PREFIX_LENGTH = 24

_PREFIX_SYNTAX = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})$")


def parse_prefix(text):
    """Parse an IPv4 prefix in CIDR notation, strictly.

    Raises ValidationError naming the value and the fix for: IPv6, missing
    length, leading-zero octets, octets or lengths out of range, and host
    bits set. Host bits are never masked silently.
    """
    if isinstance(text, ipaddress.IPv4Network):
        return text
    value = str(text).strip()
    if ":" in value:
        raise ValidationError(
            f"{value!r} is an IPv6 prefix; only IPv4 prefixes are supported.",
            code="ipv6",
        )
    if "/" not in value:
        raise ValidationError(
            f"{value!r} has no prefix length; write it in CIDR notation, for example {value}/24.",
            code="no_length",
        )
    match = _PREFIX_SYNTAX.match(value)
    if not match:
        raise ValidationError(
            f"{value!r} is not an IPv4 prefix; write four dotted octets and a length, "
            "for example 203.0.113.0/24.",
            code="syntax",
        )
    octets = match.groups()[:4]
    if any(len(octet) > 1 and octet.startswith("0") for octet in octets):
        fixed = ".".join(str(int(octet)) for octet in octets)
        raise ValidationError(
            f"{value!r} has octets with leading zeros, which some tools read as octal; "
            f"write {fixed}/{match.group(5)}.",
            code="leading_zero",
        )
    if any(int(octet) > 255 for octet in octets):
        raise ValidationError(
            f"{value!r} has an octet above 255.", code="syntax"
        )
    length = int(match.group(5))
    if length > 32:
        raise ValidationError(
            f"{value!r} has prefix length {length}; IPv4 lengths run from 0 to 32.",
            code="syntax",
        )
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        masked = ipaddress.IPv4Network(value, strict=False)
        raise ValidationError(
            f"{value!r} has host bits set; the network address for /{length} is {masked}.",
            code="host_bits",
        ) from None


def special_purpose_conflict(network, *, allow_lab=None):
    """Return the special-purpose range that `network` overlaps, or None.

    Lab ranges are allowed when `allow_lab` is true, which defaults to the
    LAB_RANGES_ALLOWED setting.
    """
    if allow_lab is None:
        allow_lab = settings.LAB_RANGES_ALLOWED
    for special in SPECIAL_PURPOSE_RANGES:
        if not network.overlaps(special.network):
            continue
        if special.lab and allow_lab and network.subnet_of(special.network):
            continue
        return special
    return None


def validate_block_prefix(text, *, allow_lab=None):
    """Parse a holder's block and apply the listing policy."""
    network = parse_prefix(text)
    special = special_purpose_conflict(network, allow_lab=allow_lab)
    if special is not None:
        hint = ""
        if special.lab:
            hint = " It can be used for tests and demos when LAB_RANGES_ALLOWED is on."
        raise ValidationError(
            f"{network} overlaps {special.network}, which is {special.name} space and "
            f"cannot be leased.{hint}",
            code="special_purpose",
        )
    if network.prefixlen > BLOCK_MAX_PREFIX_LENGTH:
        raise ValidationError(
            f"{network} is a /{network.prefixlen}; blocks must be /{BLOCK_MAX_PREFIX_LENGTH} "
            "or larger, because longer prefixes are not routed across the Internet.",
            code="too_long",
        )
    if network.prefixlen < BLOCK_MIN_PREFIX_LENGTH:
        raise ValidationError(
            f"{network} is a /{network.prefixlen}; blocks must be /{BLOCK_MIN_PREFIX_LENGTH} "
            "or smaller. Add it as several blocks.",
            code="too_short",
        )
    return network


def address_count(network):
    return network.num_addresses
