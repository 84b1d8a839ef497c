import ipaddress

import pytest
from django.core.exceptions import ValidationError

from core.ipspace import parse_prefix, special_purpose_conflict, validate_block_prefix


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2001:db8::/32", "ipv6"),
        ("203.0.113.0", "no_length"),
        ("203.0.113/24", "syntax"),
        ("example.net/24", "syntax"),
        ("203.0.113.256/24", "syntax"),
        ("203.0.113.0/33", "syntax"),
        ("203.0.113.5/24", "host_bits"),
        ("203.0.113.128/24", "host_bits"),
        ("203.0.113.010/31", "leading_zero"),
        ("010.0.0.0/8", "leading_zero"),
        ("203.000.113.0/24", "leading_zero"),
    ],
)
def test_parse_prefix_rejects_malformed(text, code):
    with pytest.raises(ValidationError) as caught:
        parse_prefix(text)
    assert caught.value.code == code
    assert repr(text) in caught.value.message


def test_parse_prefix_host_bits_message_names_network():
    with pytest.raises(ValidationError) as caught:
        parse_prefix("203.0.113.77/24")
    assert caught.value.message == (
        "'203.0.113.77/24' has host bits set; the network address for /24 is 203.0.113.0/24."
    )


def test_parse_prefix_leading_zero_message_names_fix():
    with pytest.raises(ValidationError) as caught:
        parse_prefix("203.0.113.012/32")
    assert "write 203.0.113.12/32" in caught.value.message


def test_parse_prefix_accepts_zero_octet():
    assert parse_prefix(" 45.0.0.0/16 ") == ipaddress.IPv4Network("45.0.0.0/16")


@pytest.mark.parametrize(
    "prefix",
    [
        "0.0.0.0/8", "10.0.0.0/8", "10.20.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "172.31.255.0/24", "192.0.0.0/24", "192.31.196.0/24",
        "192.52.193.0/24", "192.88.99.0/24", "192.168.1.0/24", "192.175.48.0/24",
        "224.0.0.0/4", "239.1.1.0/24", "240.0.0.0/4", "255.255.255.0/24",
    ],
)
def test_block_rejects_special_purpose_even_in_lab(prefix):
    with pytest.raises(ValidationError) as caught:
        validate_block_prefix(prefix, allow_lab=True)
    assert caught.value.code == "special_purpose"


@pytest.mark.parametrize(
    "prefix",
    ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15", "198.19.4.0/22",
     "100.64.0.0/10", "100.127.255.0/24"],
)
def test_block_rejects_lab_range_by_default(prefix):
    with pytest.raises(ValidationError) as caught:
        validate_block_prefix(prefix, allow_lab=False)
    assert caught.value.code == "special_purpose"
    assert "LAB_RANGES_ALLOWED" in caught.value.message


@pytest.mark.parametrize(
    "prefix",
    ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15", "100.64.0.0/10"],
)
def test_block_accepts_lab_range_when_allowed(prefix):
    assert validate_block_prefix(prefix, allow_lab=True) == ipaddress.IPv4Network(prefix)


def test_block_rejects_supernet_of_lab_range_even_when_allowed():
    # 198.0.0.0/8 contains the lab range 198.18.0.0/15 and real space around it.
    with pytest.raises(ValidationError):
        validate_block_prefix("198.0.0.0/8", allow_lab=True)


@pytest.mark.parametrize(("prefix", "code"), [("45.1.2.0/25", "too_long"), ("45.1.2.4/31", "too_long"),
                                              ("45.1.2.3/32", "too_long"), ("44.0.0.0/7", "too_short")])
def test_block_rejects_length_outside_policy(prefix, code):
    with pytest.raises(ValidationError) as caught:
        validate_block_prefix(prefix, allow_lab=True)
    assert caught.value.code == code


def test_block_accepts_public_space():
    assert validate_block_prefix("45.67.88.0/22", allow_lab=False) == ipaddress.IPv4Network("45.67.88.0/22")


def test_special_purpose_conflict_returns_none_for_public_space():
    assert special_purpose_conflict(ipaddress.IPv4Network("8.8.8.0/24"), allow_lab=False) is None
