"""Free-text complaints: addresses and times found in the text, marked low confidence."""

import ipaddress
import re

from ..choices import Confidence, ParserName
from .base import NOT_A_SOURCE, ParsedEvent, ParseError, ParseResult, guess_category
from .times import parse_time

# Dotted quads with word boundaries; ipaddress then rejects values such as
# 300.1.1.1 and leading zeros.
IPV4_PATTERN = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.]*\d)")
TIME_PATTERNS = (
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"),
    re.compile(
        r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s+)?\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
        r"[a-z]*\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?(?:\s+(?:[+-]\d{4}|UTC|GMT))?"
    ),
)
# Addresses that are never the abuser: loopback, private, link-local and
# the unspecified address, often quoted in logs and signatures.


def find_addresses(text):
    found = []
    for match in IPV4_PATTERN.finditer(text):
        try:
            address = ipaddress.IPv4Address(match.group(1))
        except ValueError:
            continue
        if any(address in network for network, _ in NOT_A_SOURCE) or address in found:
            continue
        found.append(address)
    return found


def find_time(text):
    for pattern in TIME_PATTERNS:
        match = pattern.search(text)
        if match:
            try:
                return parse_time(match.group(0))
            except ParseError:
                continue
    return None


def parse_text(text, *, fallback_time=None, reporter="", subject=""):
    """Return one low-confidence event per distinct public address in `text`.

    The first time found in the text applies to all of them. Without one,
    `fallback_time` (the mail's date) is used. Without either, the parse fails.
    """
    addresses = find_addresses(text)
    if not addresses:
        raise ParseError("The text names no public IPv4 address, so no event could be attributed.")
    found = find_time(text) or fallback_time
    if found is None:
        raise ParseError("The text names no time and the message has no date; add the time of the abuse.")
    occurred_at, zone_assumed = found
    category = guess_category(subject, text[:2000])
    events = [
        ParsedEvent(
            ip=address,
            occurred_at=occurred_at,
            zone_assumed=zone_assumed,
            category=category,
            type="complaint",
            reporter=reporter,
            confidence=Confidence.LOW,
            description=(subject or text[:200]).strip(),
            evidence={"excerpt": text[:4000]},
        )
        for address in addresses
    ]
    return ParseResult(ParserName.TEXT, events)
