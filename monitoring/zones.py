"""Zone files for the platform's authoritative servers from lessees' PTR assignments.

A lease of a /24 or larger gets one zone per /24 (c.b.a.in-addr.arpa). A
smaller lease gets an RFC 2317 zone named `<first>-<last>.c.b.a.in-addr.arpa`
plus a snippet for the parent /24 zone: NS records delegating that name and a
CNAME per address pointing into it.
"""


from django.conf import settings
from django.utils import timezone

from .models import PtrAssignment

DEFAULT_TTL = 3600


def _header(origin, serial):
    nameservers = settings.MONITORING_ZONE_NAMESERVERS
    lines = [
        f"$ORIGIN {origin}.",
        f"$TTL {DEFAULT_TTL}",
        f"@ IN SOA {nameservers[0]} {settings.MONITORING_ZONE_CONTACT} "
        f"{serial} 3600 900 1209600 300",
    ]
    lines += [f"@ IN NS {nameserver}" for nameserver in nameservers]
    return lines


def classless_zone_name(prefix):
    first = int(prefix.network_address)
    last = first + prefix.num_addresses - 1
    return f"{first & 255}-{last & 255}.{(first >> 8) & 255}.{(first >> 16) & 255}.{first >> 24}.in-addr.arpa"


def zones_for_lease(lease, *, serial=None):
    """Return [(zone name, zone text)] for a lease, RFC 2317 form below a /24.

    For a classless lease the list also holds ("<parent /24 zone> delegation",
    snippet), to be pasted into the holder's parent zone.
    """
    serial = serial or int(timezone.now().strftime("%Y%m%d%H"))
    prefix = lease.prefix
    assignments = {
        assignment.ip: assignment.hostname
        for assignment in PtrAssignment.objects.filter(lease=lease)
    }
    zones = []
    if prefix.prefixlen <= 24:
        for network in prefix.subnets(new_prefix=24):
            first = int(network.network_address)
            origin = f"{(first >> 8) & 255}.{(first >> 16) & 255}.{first >> 24}.in-addr.arpa"
            lines = _header(origin, serial)
            for ip in range(first, first + 256):
                if ip in assignments:
                    lines.append(f"{ip & 255} IN PTR {assignments[ip]}.")
            zones.append((origin, "\n".join(lines) + "\n"))
        return zones
    first = int(prefix.network_address)
    origin = classless_zone_name(prefix)
    lines = _header(origin, serial)
    for ip in range(first, first + prefix.num_addresses):
        if ip in assignments:
            lines.append(f"{ip & 255} IN PTR {assignments[ip]}.")
    zones.append((origin, "\n".join(lines) + "\n"))
    label = origin.split(".", 1)[0]
    parent = origin.split(".", 1)[1]
    delegation = [f"; Add to the zone {parent}. to delegate {prefix} (RFC 2317)."]
    delegation += [f"{label} IN NS {nameserver}" for nameserver in settings.MONITORING_ZONE_NAMESERVERS]
    delegation += [f"{ip & 255} IN CNAME {ip & 255}.{label}" for ip in range(first, first + prefix.num_addresses)]
    zones.append((f"{parent} delegation", "\n".join(delegation) + "\n"))
    return zones


