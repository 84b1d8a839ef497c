"""The result types every parser returns, and the error they raise."""

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime

from ..choices import Category, Confidence


class ParseError(Exception):
    """The report could not be read, or held no event where it should have one."""


class NotJsonError(ParseError):
    """The body is not JSON text at all, as opposed to JSON without the fields a report needs.

    `detail` is the decoder's own message.
    """

    def __init__(self, message, detail):
        super().__init__(message)
        self.detail = detail


@dataclass
class ParsedEvent:
    ip: ipaddress.IPv4Address
    occurred_at: datetime
    category: str
    zone_assumed: bool = False
    type: str = ""
    port: int | None = None
    reporter: str = ""
    confidence: str = Confidence.HIGH
    description: str = ""
    evidence: dict = field(default_factory=dict)


@dataclass
class ParseResult:
    parser: str
    events: list[ParsedEvent]
    notes: list[str] = field(default_factory=list)


def parse_ipv4(value, *, what="address"):
    """Return an IPv4Address, or raise ParseError naming the value and how to write it.

    Addresses in NOT_A_SOURCE are rejected too: abuse seen on the Internet
    never comes from private, loopback or link-local space.
    """
    text = str(value or "").strip().strip("[]")
    if not text:
        raise ParseError(f"The {what} is missing; give the IPv4 address the abuse came from.")
    try:
        address = ipaddress.IPv4Address(text)
    except ValueError:
        raise ParseError(f"The {what} {text!r} {_not_ipv4_reason(text)}") from None
    for network, name in NOT_A_SOURCE:
        if address in network:
            raise ParseError(
                f"The {what} {text!r} is in {network}, {name} space that no abuse on the Internet comes from; "
                "give the public address the abuse came from."
            )
    return address


def _not_ipv4_reason(text):
    if ":" in text:
        return "is an IPv6 address; the platform leases IPv4 space only."
    if "/" in text:
        return "is a prefix; give the one address the abuse came from."
    return "is not an IPv4 address; write it as four numbers from 0 to 255, such as 192.0.2.1."


# Ranges no abuse seen on the Internet comes from, with their names.
NOT_A_SOURCE = tuple(
    (ipaddress.IPv4Network(network), name)
    for network, name in (
        ("0.0.0.0/8", "this-network"), ("10.0.0.0/8", "private"), ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"), ("192.168.0.0/16", "private"),
    )
)


def parse_port(value):
    if value in (None, ""):
        return None
    try:
        port = int(str(value).strip())
    except ValueError:
        raise ParseError(f"Port {value!r} is not a number.") from None
    if not 0 <= port <= 65535:
        raise ParseError(f"Port {port} is out of range; ports run from 0 to 65535.")
    return port


def check_category(value):
    choices = ", ".join(Category.values)
    if value in (None, ""):
        raise ParseError(f"The category is missing; use one of {choices}.")
    if value not in Category.values:
        raise ParseError(f"Category {value!r} is unknown; use one of {choices}.")
    return value


# Words in a reporter's type or feed name, mapped to a category. The first
# match in this order wins, so specific words come before general ones.
CATEGORY_WORDS = (
    ("phish", Category.PHISHING),
    ("copyright", Category.COPYRIGHT),
    ("dmca", Category.COPYRIGHT),
    ("infring", Category.COPYRIGHT),
    ("hijack", Category.HIJACK),
    ("ddos", Category.DDOS),
    ("dos", Category.DDOS),
    ("amplif", Category.DDOS),
    ("botnet", Category.BOTNET),
    ("bot", Category.BOTNET),
    ("drone", Category.BOTNET),
    ("sinkhole", Category.BOTNET),
    ("c2", Category.BOTNET),
    # Botnet families that drone feeds name in their infection column.
    ("mirai", Category.BOTNET),
    ("gafgyt", Category.BOTNET),
    ("bashlite", Category.BOTNET),
    ("mozi", Category.BOTNET),
    ("necurs", Category.BOTNET),
    ("malware", Category.MALWARE),
    ("virus", Category.MALWARE),
    ("trojan", Category.MALWARE),
    ("login", Category.LOGIN_ATTACK),
    ("brute", Category.LOGIN_ATTACK),
    ("ssh", Category.LOGIN_ATTACK),
    ("scan", Category.SCANNING),
    ("probe", Category.SCANNING),
    ("blocklist", Category.BLOCKLIST),
    ("blacklist", Category.BLOCKLIST),
    ("dnsbl", Category.BLOCKLIST),
    ("ptr", Category.PTR_CHURN),
    ("spam", Category.SPAM),
    ("harvest", Category.SPAM),
    ("abuse", Category.SPAM),
)


def guess_category(*words):
    """Map a reporter's type words to a category, or `other` when none matches."""
    text = " ".join(word for word in words if word).lower()
    for fragment, category in CATEGORY_WORDS:
        if fragment in text:
            return category
    return Category.OTHER
