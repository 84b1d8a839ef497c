"""DNSBL checks: query every leased address in every enabled zone and track listings.

For address a.b.c.d the query is an A lookup of d.c.b.a.<zone>. NXDOMAIN
means not listed. A records are decoded through the zone's return codes:
listing codes open a listing, information codes (like Spamhaus PBL) are
stored as information, and error codes are operational errors. Answers in
127.255.255.0/24, answers outside 127.0.0.0/8 (a resolver rewriting
NXDOMAIN into an address) and codes a zone marks as errors never count as
listings: they alert staff and back the zone off. Failed lookups change
nothing.
"""

import ipaddress
import logging
from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.text import storable_text
from leases.models import Lease

from . import cases
from .chunks import chunk_ranges
from .dns import wire
from .dns.resolver import BulkResolver, Outcome
from .models import BlocklistListing, DnsblReturnCode, DnsblZone, OperationalAlert

logger = logging.getLogger(__name__)

ERROR_NETWORK = ipaddress.IPv4Network("127.255.255.0/24")
LOOPBACK_NETWORK = ipaddress.IPv4Network("127.0.0.0/8")
# A zone whose lookups fail more often than this within a chunk is backed off.
FAILURE_SHARE_FOR_BACKOFF = 0.5


def dnsbl_resolver(server):
    return BulkResolver(server, max_in_flight=settings.MONITORING_MAX_IN_FLIGHT,
                        rate=settings.MONITORING_DNSBL_RATE or None,
                        timeout=settings.MONITORING_DNS_TIMEOUT,
                        retries=settings.MONITORING_DNS_RETRIES)


def query_name(ip, zone_name):
    return f"{ip & 255}.{(ip >> 8) & 255}.{(ip >> 16) & 255}.{ip >> 24}.{zone_name}"


def active_zones(now):
    return list(
        DnsblZone.objects.filter(is_enabled=True).exclude(backoff_until__gt=now)
        .prefetch_related("return_codes")
    )


def decode(zone, values):
    """Sort returned A records into (listing codes, information codes, error codes).

    Each code is a dict with `code` and `meaning`.
    """
    known = {code.code: code for code in zone.return_codes.all()}
    listing, information, errors = [], [], []
    for value in sorted(set(values)):
        address = ipaddress.IPv4Address(value)
        entry = known.get(value)
        if address in ERROR_NETWORK:
            errors.append({"code": value, "meaning": entry.meaning if entry else "error code"})
        elif address not in LOOPBACK_NETWORK:
            errors.append({"code": value, "meaning": "answer outside 127.0.0.0/8: the resolver "
                                                      "may be rewriting NXDOMAIN"})
        elif entry is None:
            listing.append({"code": value, "meaning": "undocumented return code"})
        elif entry.kind == DnsblReturnCode.Kind.ERROR:
            errors.append({"code": value, "meaning": entry.meaning})
        elif entry.kind == DnsblReturnCode.Kind.INFORMATION:
            information.append({"code": value, "meaning": entry.meaning})
        else:
            listing.append({"code": value, "meaning": entry.meaning})
    return listing, information, errors


def check_ranges(ranges, zones, resolver, *, now=None):
    """Check every address of the ranges in every zone; return counts.

    Counts hold the lookup outcomes plus listed, delisted and zone_errors.
    """
    now = now or timezone.now()
    ranges = list(ranges)
    counts = Counter()
    if not ranges or not zones:
        return dict(counts)
    zones_by_name = {zone.name: zone for zone in zones}
    questions = (
        ((ip, zone.name), query_name(ip, zone.name), wire.TYPE_A)
        for first, last, _ in ranges for ip in range(first, last + 1) for zone in zones
    )
    results = resolver.resolve(questions)

    verdicts = {}  # (ip, zone name) -> ("listed", kind, codes) or ("clear",)
    zone_failures = Counter()
    zone_errors = defaultdict(list)
    for result in results:
        counts[result.outcome.value] += 1
        ip, zone_name = result.key
        zone = zones_by_name[zone_name]
        if result.outcome == Outcome.NXDOMAIN:
            verdicts[result.key] = ("clear",)
        elif result.outcome == Outcome.ANSWER:
            listing, information, errors = decode(zone, result.values)
            if errors:
                zone_errors[zone_name].append((ip, errors))
            elif listing:
                verdicts[result.key] = ("listed", BlocklistListing.Kind.LISTING, listing + information)
            elif information:
                verdicts[result.key] = ("listed", BlocklistListing.Kind.INFORMATION, information)
        elif result.outcome != Outcome.NODATA:
            zone_failures[zone_name] += 1

    addresses = sum(last - first + 1 for first, last, _ in ranges)
    for zone in zones:
        errors = zone_errors.get(zone.name)
        if errors:
            ip, codes = errors[0]
            back_off(zone, now, f"{len(errors)} answers were error codes, e.g. "
                                f"{ipaddress.IPv4Address(ip)}: "
                                f"{', '.join(c['code'] + ' (' + c['meaning'] + ')' for c in codes)}")
            counts["zone_errors"] += len(errors)
        elif zone_failures[zone.name] > FAILURE_SHARE_FOR_BACKOFF * addresses:
            back_off(zone, now, f"{zone_failures[zone.name]} of {addresses} lookups failed "
                                f"(SERVFAIL, REFUSED or timeout)")
        elif zone.consecutive_errors:
            zone.consecutive_errors = 0
            zone.save(update_fields=["consecutive_errors"])

    listed, delisted = apply_verdicts(ranges, zones_by_name, verdicts, resolver, now)
    counts["listed"] += listed
    counts["delisted"] += delisted
    return dict(counts)


def apply_verdicts(ranges, zones_by_name, verdicts, resolver, now):
    """Open listings for new verdicts, close listings whose address came back clear."""
    first_ip = min(first for first, _, _ in ranges)
    last_ip = max(last for _, last, _ in ranges)
    current = {
        (listing.ip, listing.zone.name): listing
        for listing in BlocklistListing.objects.filter(
            ip__gte=first_ip, ip__lte=last_ip, delisted_at__isnull=True,
            zone__name__in=zones_by_name,
        ).select_related("zone")
    }
    leases = Lease.objects.in_bulk({lease_id for _, _, lease_id in ranges})

    def lease_for(ip):
        for first, last, lease_id in ranges:
            if first <= ip <= last:
                return leases.get(lease_id)
        return None

    new_keys = [key for key, verdict in verdicts.items()
                if verdict[0] == "listed" and key not in current]
    reasons = fetch_reasons(new_keys, resolver)
    listed = delisted = 0
    new_listings = []
    with transaction.atomic():
        for key, verdict in verdicts.items():
            listing = current.get(key)
            if verdict[0] == "clear":
                if listing is not None:
                    listing.delisted_at = now
                    listing.save(update_fields=["delisted_at"])
                    delisted += 1
                continue
            _, kind, codes = verdict
            if listing is not None:
                if listing.codes != codes or listing.kind != kind:
                    listing.codes, listing.kind = codes, kind
                    listing.save(update_fields=["codes", "kind"])
                continue
            ip, zone_name = key
            lease = lease_for(ip)
            listing = BlocklistListing.objects.create(
                zone=zones_by_name[zone_name], ip=ip, lease=lease,
                lessee_id=lease.lessee_id if lease else None, kind=kind, codes=codes,
                reason=reasons.get(key, ""), listed_at=now,
            )
            listed += 1
            if kind == BlocklistListing.Kind.LISTING:
                new_listings.append(listing)
        if new_listings:
            # One intake batch for the whole chunk once the listings commit.
            transaction.on_commit(lambda: raise_listing_cases(new_listings))
    return listed, delisted


def fetch_reasons(keys, resolver):
    """Return {(ip, zone name): TXT text} for new listings; failures leave the reason empty."""
    if not keys:
        return {}
    results = resolver.resolve((key, query_name(key[0], key[1]), wire.TYPE_TXT) for key in keys)
    reasons = {}
    for result in results:
        if result.outcome == Outcome.ANSWER:
            reasons[result.key] = storable_text(" ".join(
                b"".join(strings).decode("utf-8", "replace") for strings in result.values
            ))
    return reasons


def raise_listing_cases(listings):
    """Raise a blocklist case signal for each new listing, in one intake batch."""
    signals = []
    for listing in listings:
        codes = ", ".join(f"{c['code']} ({c['meaning']})" for c in listing.codes)
        description = f"{listing.address} is listed on {listing.zone.name}: {codes}."
        if listing.reason:
            description += f" Reason given: {listing.reason}"
        signals.append(dict(
            source="dnsbl", category="blocklist", ip=listing.address, occurred_at=listing.listed_at,
            description=description,
            evidence={"listing": listing.pk, "zone": listing.zone.name, "codes": listing.codes,
                      "reason": listing.reason},
        ))
    cases.raise_cases(signals)


def back_off(zone, now, message):
    """Skip a zone for a while after an operational error and alert staff."""
    zone.consecutive_errors += 1
    minutes = min(settings.MONITORING_DNSBL_BACKOFF_MINUTES * 2 ** (zone.consecutive_errors - 1),
                  settings.MONITORING_DNSBL_BACKOFF_MAX_MINUTES)
    zone.backoff_until = now + timedelta(minutes=minutes)
    zone.last_error = message
    zone.save(update_fields=["consecutive_errors", "backoff_until", "last_error"])
    OperationalAlert.objects.create(
        source=zone.name, raised_at=now,
        message=f"DNSBL zone {zone.name} returned an operational error: {message}. "
                f"Skipping it for {minutes} minutes; no listings were recorded from these answers.",
    )
    logger.warning("DNSBL zone %s backed off for %s minutes: %s", zone.name, minutes, message)


def check_chunk(chunk, *, now=None):
    """Check one claimed chunk against every enabled zone not backed off; return counts."""
    now = now or timezone.now()
    zones = active_zones(now)
    counts = check_ranges(chunk_ranges(chunk.prefixes), zones, dnsbl_resolver(chunk.run.server),
                          now=now)
    logger.info("DNSBL chunk %s of run %s: %s", chunk.pk, chunk.run_id, counts)
    return counts
