"""Parsers for VRP exports (Routinator, rpki-client) and route observations (CSV, `bgpdump -m`).

Each parser returns plain tuples and raises ParseError naming the line and
the value to fix. IPv6 entries are counted as skipped, because the platform
leases IPv4 space only.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from ipaddress import ip_network

from .choices import ImportFormat
from .models import MAX_ASN


class ParseError(ValueError):
    """An uploaded file that cannot be read; the message names the line and the fix."""


@dataclass
class ParsedVrps:
    format: str
    vrps: list = field(default_factory=list)  # (IPv4Network, asn, max_length, trust_anchor, expires_at)
    skipped: int = 0


@dataclass
class ParsedRoutes:
    format: str
    # (IPv4Network, origin ASN or None) -> [first_seen, last_seen]
    routes: dict = field(default_factory=dict)
    skipped: int = 0

    def add(self, prefix, origin, seen_first, seen_last):
        key = (prefix, origin)
        span = self.routes.get(key)
        if span is None:
            self.routes[key] = [seen_first, seen_last]
        else:
            span[0] = min(span[0], seen_first)
            span[1] = max(span[1], seen_last)


def parse_asn(value, where):
    text = str(value).strip()
    if text[:2].upper() == "AS":
        text = text[2:]
    if not text.isdigit() or int(text) > MAX_ASN:
        raise ParseError(f"{where}: ASN {value!r} is invalid; write it as 64496 or AS64496.")
    return int(text)


def parse_prefix(value, where):
    """Return an IPv4Network, or None for an IPv6 prefix."""
    text = str(value).strip()
    try:
        network = ip_network(text, strict=True)
    except ValueError as exc:
        raise ParseError(f"{where}: prefix {value!r} is invalid ({exc}); write it as 192.0.2.0/24.") from None
    if network.version == 6:
        return None
    return network


def parse_max_length(value, prefix, where):
    if value is None or str(value).strip() == "":
        return prefix.prefixlen
    text = str(value).strip()
    if not text.isdigit() or not prefix.prefixlen <= int(text) <= 32:
        raise ParseError(
            f"{where}: maxLength {value!r} is invalid for {prefix}; "
            f"use a number from {prefix.prefixlen} to 32 or leave it empty."
        )
    return int(text)


def parse_time(value, where):
    """Parse epoch seconds or ISO 8601; a time without a zone is taken as UTC."""
    text = str(value).strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), tz=dt_timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ParseError(
            f"{where}: time {value!r} is invalid; use epoch seconds or ISO 8601 such as 2026-01-31T12:00:00Z."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_timezone.utc)
    return moment.astimezone(dt_timezone.utc)


def parse_vrps(text):
    """Parse a Routinator or rpki-client export, JSON or CSV, detected from its content."""
    if text.lstrip().startswith("{"):
        return _parse_vrp_json(text)
    return _parse_vrp_csv(text)


def _parse_vrp_json(text):
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"The VRP file is not valid JSON ({exc}); upload the validator's JSON output.") from None
    entries = document.get("roas") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ParseError('The VRP JSON has no "roas" list; upload Routinator\'s or rpki-client\'s JSON output.')
    has_expiry = any(isinstance(item, dict) and "expires" in item for item in entries)
    parsed = ParsedVrps(ImportFormat.RPKI_CLIENT_JSON if has_expiry else ImportFormat.ROUTINATOR_JSON)
    for number, item in enumerate(entries, start=1):
        where = f"roas entry {number}"
        if not isinstance(item, dict) or "prefix" not in item or "asn" not in item:
            raise ParseError(f'{where}: needs "asn" and "prefix"; got {item!r}.')
        prefix = parse_prefix(item["prefix"], where)
        if prefix is None:
            parsed.skipped += 1
            continue
        expires = item.get("expires")
        parsed.vrps.append((
            prefix,
            parse_asn(item["asn"], where),
            parse_max_length(item.get("maxLength"), prefix, where),
            str(item.get("ta", ""))[:40],
            parse_time(expires, where) if expires not in (None, "") else None,
        ))
    return parsed


VRP_COLUMNS = {"asn": "asn", "ip prefix": "prefix", "max length": "max_length",
               "trust anchor": "ta", "expires": "expires"}


def _parse_vrp_csv(text):
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ParseError("The VRP file is empty; upload the validator's CSV or JSON output.")
    columns = {VRP_COLUMNS.get(name.strip().lower()): index for index, name in enumerate(header)}
    if "asn" not in columns or "prefix" not in columns:
        raise ParseError(
            f"The VRP CSV header {','.join(header)!r} lacks ASN and IP Prefix; "
            "expected ASN,IP Prefix,Max Length,Trust Anchor[,Expires]."
        )
    parsed = ParsedVrps(ImportFormat.RPKI_CLIENT_CSV if "expires" in columns else ImportFormat.ROUTINATOR_CSV)
    for number, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        where = f"line {number}"

        def cell(name):
            index = columns.get(name)
            return row[index] if index is not None and index < len(row) else None

        prefix = parse_prefix(cell("prefix"), where)
        if prefix is None:
            parsed.skipped += 1
            continue
        expires = cell("expires")
        parsed.vrps.append((
            prefix,
            parse_asn(cell("asn"), where),
            parse_max_length(cell("max_length"), prefix, where),
            (cell("ta") or "").strip()[:40],
            parse_time(expires, where) if expires not in (None, "") else None,
        ))
    return parsed


def parse_routes(text):
    """Parse route observations from `bgpdump -m` lines or a CSV with a header row."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.startswith(("TABLE_DUMP", "BGP4MP")):
        return parse_bgpdump(text)
    return _parse_route_csv(text)


def _parse_route_csv(text):
    reader = csv.DictReader(io.StringIO(text))
    fields = {name.strip().lower() for name in reader.fieldnames or []}
    required = {"prefix", "origin_asn", "first_seen", "last_seen"}
    if not required <= fields:
        raise ParseError(
            f"The route CSV header lacks {', '.join(sorted(required - fields))}; "
            "expected prefix,origin_asn,first_seen,last_seen."
        )
    parsed = ParsedRoutes(ImportFormat.ROUTES_CSV)
    for number, raw_row in enumerate(reader, start=2):
        row = {key.strip().lower(): (value or "").strip() for key, value in raw_row.items() if key}
        where = f"line {number}"
        prefix = parse_prefix(row["prefix"], where)
        if prefix is None:
            parsed.skipped += 1
            continue
        origin = None if row["origin_asn"] == "" else parse_asn(row["origin_asn"], where)
        first_seen = parse_time(row["first_seen"], where)
        last_seen = parse_time(row["last_seen"], where)
        if last_seen < first_seen:
            raise ParseError(f"{where}: last_seen {row['last_seen']} is before first_seen {row['first_seen']}.")
        parsed.add(prefix, origin, first_seen, last_seen)
    return parsed


def parse_bgpdump(text):
    """Parse `bgpdump -m` output: TABLE_DUMP(2) RIB entries and BGP4MP announcements.

    Fields are `type|time|B or A or W|peer address|peer ASN|prefix|AS path|...`.
    Withdrawals carry no path and are skipped. The origin is the last AS of
    the path. A path ending in an AS_SET (`{64500,64501}`) has no single
    origin, so it is stored with origin None.
    """
    parsed = ParsedRoutes(ImportFormat.BGPDUMP)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("|")
        where = f"line {number}"
        if len(fields) < 6 or not fields[0].startswith(("TABLE_DUMP", "BGP4MP")):
            raise ParseError(f"{where}: {line[:80]!r} is not a `bgpdump -m` line.")
        if fields[2] == "W":
            parsed.skipped += 1
            continue
        if len(fields) < 7:
            raise ParseError(f"{where}: announcement without an AS path: {line[:80]!r}.")
        prefix = parse_prefix(fields[5], where)
        if prefix is None:
            parsed.skipped += 1
            continue
        seen = parse_time(fields[1], where)
        parsed.add(prefix, _origin_of(fields[6], where), seen, seen)
    return parsed


def _origin_of(path, where):
    hops = path.split()
    if not hops:
        raise ParseError(f"{where}: the AS path is empty.")
    last = hops[-1]
    if last.startswith(("{", "[")) or last.endswith(("}", "]")):
        return None
    return parse_asn(last, where)


