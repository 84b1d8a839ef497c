"""BGP parking: the BIRD 2 configuration and JSON list of the prefixes the platform announces.

Only prefixes with a published parking ROA are announced, so the parking
ASN's announcements validate. AS0-parked space is not announced at all.
"""

import json
from datetime import timezone as dt_timezone

from django.conf import settings
from django.utils import timezone

from .choices import RoaPurpose
from .models import PublishedRoa
from .slurm import write_atomically


def parked_roas():
    return (
        PublishedRoa.objects.filter(removed_at__isnull=True, purpose=RoaPurpose.PARKING)
        .select_related("block")
        .order_by("prefix")
    )


def parked_list(roas=None):
    """Return the parked prefixes as JSON-ready dicts, in address order."""
    roas = parked_roas() if roas is None else roas
    return [
        {
            "prefix": str(roa.prefix),
            "origin_asn": roa.asn,
            "max_length": roa.max_length,
            "block": str(roa.block.prefix) if roa.block else None,
            "lease_id": roa.lease_id,
            "parked_since": roa.published_at.astimezone(dt_timezone.utc).isoformat(),
        }
        for roa in roas
    ]


def parse_neighbors(values):
    """Parse "address ASN" pairs, raising ValueError that names the entry to fix."""
    neighbors = []
    for value in values:
        parts = value.split()
        if len(parts) != 2 or not parts[1].isdigit():
            raise ValueError(
                f"RPKI_BIRD_NEIGHBORS entry {value!r} is invalid; write it as \"127.0.0.2 64512\"."
            )
        neighbors.append((parts[0], int(parts[1])))
    return neighbors


def bird_config(roas=None, *, parking_asn=None, router_id=None, neighbors=None, generated_at=None):
    """Return a complete BIRD 2 configuration that announces the parked prefixes.

    The prefixes are static blackhole routes, so the router announces them
    but drops their traffic. Each neighbour gets a BGP session that imports
    nothing and exports only those routes.
    """
    roas = list(parked_roas() if roas is None else roas)
    parking_asn = parking_asn or settings.RPKI_PARKING_ASN
    router_id = router_id or settings.RPKI_BIRD_ROUTER_ID
    neighbors = parse_neighbors(settings.RPKI_BIRD_NEIGHBORS if neighbors is None else neighbors)
    generated_at = generated_at or timezone.now()
    lines = [
        f"# BGP parking configuration, generated {generated_at:%Y-%m-%d %H:%M:%S} UTC.",
        "# Do not edit: the platform rewrites this file after each ROA publication.",
        f"router id {router_id};",
        f"define PARKING_ASN = {parking_asn};",
        "",
        "protocol device {",
        "}",
        "",
        "protocol static parked_prefixes {",
        "  ipv4;",
    ]
    lines += [f"  route {roa.prefix} blackhole;  # {_describe(roa)}" for roa in roas]
    lines += [
        "}",
        "",
        "filter export_parked {",
        '  if proto = "parked_prefixes" then accept;',
        "  reject;",
        "}",
        "",
        "template bgp parking_upstream {",
        "  local as PARKING_ASN;",
        "  ipv4 {",
        "    import none;",
        "    export filter export_parked;",
        "  };",
        "}",
    ]
    for number, (address, asn) in enumerate(neighbors, start=1):
        lines += [
            "",
            f"protocol bgp upstream_{number} from parking_upstream {{",
            f"  neighbor {address} as {asn};",
            "}",
        ]
    return "\n".join(lines) + "\n"


def _describe(roa):
    if roa.lease_id:
        return f"lease {roa.lease_id}"
    return f"unleased, block {roa.block.prefix}" if roa.block else "unleased"


def write_parking_exports():
    roas = list(parked_roas())
    write_atomically(settings.RPKI_BIRD_CONFIG_PATH, bird_config(roas))
    write_atomically(settings.RPKI_PARKED_JSON_PATH, json.dumps(parked_list(roas), indent=2) + "\n")
