import ipaddress
import random

import pytest

from rpki.choices import InvalidReason, ValidationState
from rpki.validation import VrpIndex, as_tuple, validate_by_scan

VALID = (ValidationState.VALID, InvalidReason.NONE)
NOT_FOUND = (ValidationState.NOT_FOUND, InvalidReason.NONE)
WRONG_ASN = (ValidationState.INVALID, InvalidReason.WRONG_ASN)
TOO_LONG = (ValidationState.INVALID, InvalidReason.TOO_LONG)


def vrp(prefix, asn, max_length=None):
    network = ipaddress.IPv4Network(prefix)
    return (*as_tuple(network), asn, max_length or network.prefixlen)


def check(vrps, prefix, origin):
    route = as_tuple(ipaddress.IPv4Network(prefix))
    result = VrpIndex(vrps).validate(*route, origin)
    assert result == validate_by_scan(vrps, *route, origin)
    return result


def test_no_covering_vrp_not_found():
    assert check([vrp("198.51.100.0/24", 64500)], "203.0.113.0/24", 64500) == NOT_FOUND


def test_exact_match_valid():
    assert check([vrp("198.51.100.0/24", 64500)], "198.51.100.0/24", 64500) == VALID


def test_covering_vrp_longer_route_too_long():
    assert check([vrp("198.51.100.0/24", 64500)], "198.51.100.0/25", 64500) == TOO_LONG


def test_covering_vrp_within_max_length_valid():
    assert check([vrp("198.51.100.0/24", 64500, 25)], "198.51.100.128/25", 64500) == VALID


def test_covering_vrp_wrong_asn():
    assert check([vrp("198.51.100.0/24", 64500, 25)], "198.51.100.0/25", 64666) == WRONG_ASN


def test_wrong_asn_and_too_long_reports_wrong_asn():
    assert check([vrp("198.51.100.0/24", 64500)], "198.51.100.0/25", 64666) == WRONG_ASN


def test_more_specific_vrp_does_not_cover():
    assert check([vrp("198.51.100.0/25", 64500)], "198.51.100.0/24", 64666) == NOT_FOUND


def test_one_matching_vrp_of_several_valid():
    vrps = [vrp("198.51.100.0/24", 64511), vrp("198.51.100.0/22", 64500, 24), vrp("198.51.100.0/24", 64501)]
    assert check(vrps, "198.51.100.0/24", 64500) == VALID


def test_several_vrps_none_match_invalid():
    vrps = [vrp("198.51.100.0/24", 64511), vrp("198.51.100.0/23", 64500, 23)]
    assert check(vrps, "198.51.100.0/24", 64500) == TOO_LONG


def test_as0_vrp_never_matches():
    assert check([vrp("198.51.100.0/24", 0)], "198.51.100.0/24", 0) == WRONG_ASN


def test_as_set_origin_invalid_when_covered():
    assert check([vrp("198.51.100.0/24", 64500)], "198.51.100.0/24", None) == WRONG_ASN


def test_default_route_vrp_covers_everything():
    assert check([vrp("0.0.0.0/0", 64500, 8)], "198.51.100.0/24", 64500) == TOO_LONG


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_agrees_with_scan(seed):
    rng = random.Random(seed)
    vrps = []
    for _ in range(300):
        length = rng.randint(8, 24)
        network = rng.getrandbits(32) & (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
        vrps.append((network, length, rng.choice([0, 64500, 64501, 64502]), rng.randint(length, 26)))
    index = VrpIndex(vrps)
    for network, length, _, _ in vrps:
        for extra in (0, 1, 3):
            route_length = min(32, length + extra)
            for origin in (64500, 64501, None):
                assert index.validate(network, route_length, origin) == validate_by_scan(
                    vrps, network, route_length, origin
                )
