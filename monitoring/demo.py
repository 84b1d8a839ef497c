"""Demo data: the Spamhaus ZEN zone with its documented return codes, disabled.

It stays disabled because blocklist lookups must go through the operator's
own recursive resolver; staff enable it once DNS_RESOLVER points at one.
"""

from .models import DnsblReturnCode, DnsblZone

Kind = DnsblReturnCode.Kind

# Return codes of zen.spamhaus.org; check them against Spamhaus's current
# documentation before enabling the zone.
ZEN_CODES = [
    ("127.0.0.2", "SBL: Spamhaus SBL data", Kind.LISTING),
    ("127.0.0.3", "SBL CSS: snowshoe spam sources", Kind.LISTING),
    ("127.0.0.4", "XBL: exploited or infected host", Kind.LISTING),
    ("127.0.0.5", "XBL: exploited or infected host", Kind.LISTING),
    ("127.0.0.6", "XBL: exploited or infected host", Kind.LISTING),
    ("127.0.0.7", "XBL: exploited or infected host", Kind.LISTING),
    ("127.0.0.9", "DROP: hijacked or criminal space", Kind.LISTING),
    ("127.0.0.10", "PBL: end-user space listed by its ISP (policy)", Kind.INFORMATION),
    ("127.0.0.11", "PBL: end-user space listed by Spamhaus (policy)", Kind.INFORMATION),
    ("127.0.0.30", "SBL: botnet controller", Kind.LISTING),
    ("127.255.255.252", "Typing error in the DNSBL name", Kind.ERROR),
    ("127.255.255.254", "Query through a public or unattributed resolver", Kind.ERROR),
    ("127.255.255.255", "Excessive number of queries", Kind.ERROR),
]


def seed(*, stdout):
    zone, created = DnsblZone.objects.get_or_create(
        name="zen.spamhaus.org",
        defaults={"description": "Spamhaus ZEN (SBL, CSS, XBL, PBL)", "is_enabled": False, "weight": 80},
    )
    for code, meaning, kind in ZEN_CODES:
        DnsblReturnCode.objects.update_or_create(zone=zone, code=code,
                                                 defaults={"meaning": meaning, "kind": kind})
    stdout.write(f"{'Created' if created else 'Updated'} DNSBL zone {zone.name} (disabled).\n")
