"""PTR name patterns that spammers use, checked over a lessee's current PTRs.

Each check returns a finding that describes what it saw, or None:
- mail-server-like names (mail1, smtp-03, mx ...) across many addresses;
- many registered domains within one /24 (snowshoe spam spreads its sending
  over many domains and addresses to stay under per-sender limits);
- random-looking labels, as generated names are;
- forward-confirmed reverse DNS failures: the PTR name's A records do not
  include the address.
"""

import ipaddress
import logging
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from .dns import wire
from .dns.resolver import BulkResolver, DEFINITE_OUTCOMES, Outcome
from .flags import open_flag
from .models import PtrFlag, PtrRecord

logger = logging.getLogger(__name__)

MAIL_LABEL = re.compile(
    r"^(mail|smtp|mx|mta|relay|out|outbound|mailer|send|sender|post|newsletter|bounce|email)"
    r"[-_]?\d*$"
)
VOWELS = set("aeiouy")
EXAMPLE_COUNT = 10


@dataclass
class Finding:
    kind: str
    observed: int
    threshold: int
    detail: str
    examples: list = field(default_factory=list)


@lru_cache(maxsize=1)
def _public_suffixes():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registered_domain(hostname):
    """Return the registrable domain of a name (example.co.uk for a.b.example.co.uk), or the name."""
    return _public_suffixes().privatesuffix(hostname.lower().rstrip(".")) or hostname


def is_mail_like(hostname):
    return any(MAIL_LABEL.match(label) for label in hostname.lower().split(".")[:2])


def looks_random(hostname, address=None):
    """Return whether the first label looks generated: long, high-entropy, few vowels or mixed digits.

    Names that spell out the address (100-64-0-1.example.net) are the usual
    ISP style, not random. This is a heuristic: expect some false positives
    on short random-looking brand names.
    """
    label = hostname.lower().split(".", 1)[0]
    if address is not None:
        octets = str(address).split(".")
        spelled = [separator.join(octets[2:]) for separator in "-_x"]
        spelled.append("".join(f"{int(octet):03d}" for octet in octets))
        if any(form in label for form in spelled):
            return False
    letters = [c for c in label if c.isalpha()]
    if len(label) < 8 or len(letters) < 5:
        return False
    counts = defaultdict(int)
    for char in label:
        counts[char] += 1
    entropy = -sum(n / len(label) * math.log2(n / len(label)) for n in counts.values())
    vowel_share = sum(c in VOWELS for c in letters) / len(letters)
    switches = sum(1 for a, b in zip(label, label[1:]) if a.isdigit() != b.isdigit())
    return entropy >= 3.0 and (vowel_share < 0.2 or switches >= 3)


def check_mail_names(records):
    threshold = settings.MONITORING_MAIL_NAMES_MIN
    matches = [(ip, name) for ip, name in records if is_mail_like(name)]
    if len(matches) < threshold:
        return None
    return Finding(
        PtrFlag.Kind.MAIL_NAMES, len(matches), threshold,
        f"{len(matches)} addresses have mail-server-like PTR names, e.g. {matches[0][1]} "
        f"(threshold {threshold}).",
        _examples(matches),
    )


def check_snowshoe(records):
    threshold = settings.MONITORING_SNOWSHOE_DOMAINS_MIN
    domains_by_network = defaultdict(dict)
    for ip, name in records:
        domains_by_network[ip >> 8].setdefault(registered_domain(name), (ip, name))
    worst = max(domains_by_network.items(), key=lambda item: len(item[1]), default=None)
    if worst is None or len(worst[1]) < threshold:
        return None
    network = ipaddress.IPv4Network((worst[0] << 8, 24))
    domains = sorted(worst[1])
    return Finding(
        PtrFlag.Kind.SNOWSHOE, len(domains), threshold,
        f"{len(domains)} registered domains in PTR names within {network}: "
        f"{', '.join(domains[:EXAMPLE_COUNT])} (threshold {threshold}).",
        _examples(sorted(worst[1].values())),
    )


def check_random_labels(records):
    threshold = settings.MONITORING_RANDOM_NAMES_MIN
    matches = [(ip, name) for ip, name in records
               if looks_random(name, ipaddress.IPv4Address(ip))]
    if len(matches) < threshold:
        return None
    return Finding(
        PtrFlag.Kind.RANDOM_LABELS, len(matches), threshold,
        f"{len(matches)} PTR names have random-looking first labels, e.g. {matches[0][1]} "
        f"(threshold {threshold}).",
        _examples(matches),
    )


def check_fcrdns(records, resolver):
    """Look up the A records of every PTR name; count names that do not point back.

    Lookups that failed (timeout, SERVFAIL, REFUSED) count neither way.
    """
    threshold = settings.MONITORING_FCRDNS_FAILURES_MIN
    addresses_by_name = defaultdict(set)
    for ip, name in records:
        addresses_by_name[name].add(str(ipaddress.IPv4Address(ip)))
    results = resolver.resolve((name, name, wire.TYPE_A) for name in addresses_by_name)
    failures = []
    for result in results:
        if result.outcome not in DEFINITE_OUTCOMES:
            continue
        forward = set(result.values) if result.outcome == Outcome.ANSWER else set()
        for address in sorted(addresses_by_name[result.key] - forward):
            failures.append((int(ipaddress.IPv4Address(address)), result.key,
                             result.outcome.value, sorted(forward)))
    if len(failures) < threshold:
        return None
    failures.sort()
    first = failures[0]
    seen = ", ".join(first[3]) if first[3] else first[2]
    return Finding(
        PtrFlag.Kind.FCRDNS, len(failures), threshold,
        f"{len(failures)} PTR names do not resolve back to their address, e.g. "
        f"{ipaddress.IPv4Address(first[0])} PTR {first[1]} whose A lookup gave {seen} "
        f"(threshold {threshold}).",
        [{"address": str(ipaddress.IPv4Address(ip)), "name": name, "forward": forward or outcome}
         for ip, name, outcome, forward in failures[:EXAMPLE_COUNT]],
    )


def _examples(matches):
    return [{"address": str(ipaddress.IPv4Address(ip)), "name": name}
            for ip, name in matches[:EXAMPLE_COUNT]]


def check_lessee(lessee_id, *, resolver_server=None, now=None):
    """Run every pattern check over the lessee's current PTRs; open or resolve flags.

    Returns the findings. The FCrDNS check queries `resolver_server` (default
    DNS_RESOLVER, the operator's recursive resolver).
    """
    now = now or timezone.now()
    records = list(
        PtrRecord.objects.filter(lease__lessee_id=lessee_id, lease__state__in=("active", "suspended"))
        .order_by("ip").values_list("ip", "hostname")
    )
    resolver = BulkResolver(resolver_server or settings.DNS_RESOLVER,
                            max_in_flight=settings.MONITORING_MAX_IN_FLIGHT,
                            timeout=settings.MONITORING_DNS_TIMEOUT,
                            retries=settings.MONITORING_DNS_RETRIES)
    findings = [
        finding for finding in (
            check_mail_names(records), check_snowshoe(records), check_random_labels(records),
            check_fcrdns(records, resolver) if records else None,
        ) if finding is not None
    ]
    for finding in findings:
        open_flag(kind=finding.kind, lessee_id=lessee_id, observed=finding.observed,
                  threshold=finding.threshold, detail=finding.detail, examples=finding.examples,
                  now=now, ip=finding.examples[0]["address"])
    pattern_kinds = [PtrFlag.Kind.MAIL_NAMES, PtrFlag.Kind.SNOWSHOE, PtrFlag.Kind.RANDOM_LABELS,
                     PtrFlag.Kind.FCRDNS]
    found = {finding.kind for finding in findings}
    for flag in PtrFlag.objects.filter(lessee_id=lessee_id, kind__in=pattern_kinds,
                                       resolved_at__isnull=True).exclude(kind__in=found):
        flag.resolved_at = now
        flag.save(update_fields=["resolved_at"])
    logger.info("Pattern checks for lessee %s: %s", lessee_id, [f.kind for f in findings])
    return findings
