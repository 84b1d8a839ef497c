import ipaddress
from datetime import datetime, timezone as dt_timezone

import pytest

from rpki.choices import ImportFormat, ImportStatus
from rpki.imports import import_routes, import_vrps
from rpki.models import DataImport, RouteObservation, Vrp
from rpki.parsers import ParseError, parse_bgpdump, parse_vrps
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)

net = ipaddress.IPv4Network
UTC = dt_timezone.utc

ROUTINATOR_JSON = """{"roas": [
  {"asn": "AS64496", "prefix": "192.0.2.0/24", "maxLength": 24, "ta": "ripe"},
  {"asn": "AS64497", "prefix": "2001:db8::/32", "maxLength": 48, "ta": "ripe"}
]}"""

RPKI_CLIENT_JSON = """{"metadata": {"buildtime": "2026-12-01T00:00:00Z"}, "roas": [
  {"asn": 64496, "prefix": "198.51.100.0/22", "maxLength": 24, "ta": "arin", "expires": 1798761600}
]}"""

ROUTINATOR_CSV = """ASN,IP Prefix,Max Length,Trust Anchor
AS64496,192.0.2.0/24,24,ripe
64497,198.51.100.0/24,,apnic
"""

RPKI_CLIENT_CSV = """ASN,IP Prefix,Max Length,Trust Anchor,Expires
AS64496,192.0.2.0/24,25,ripe,1798761600
"""


def vrp_rows(parsed):
    return [(str(prefix), asn, max_length, ta) for prefix, asn, max_length, ta, _ in parsed.vrps]


def test_routinator_json_parsed():
    parsed = parse_vrps(ROUTINATOR_JSON)
    assert parsed.format == ImportFormat.ROUTINATOR_JSON
    assert vrp_rows(parsed) == [("192.0.2.0/24", 64496, 24, "ripe")]
    assert parsed.skipped == 1


def test_rpki_client_json_parsed():
    parsed = parse_vrps(RPKI_CLIENT_JSON)
    assert parsed.format == ImportFormat.RPKI_CLIENT_JSON
    assert vrp_rows(parsed) == [("198.51.100.0/22", 64496, 24, "arin")]
    assert parsed.vrps[0][4] == datetime(2027, 1, 1, tzinfo=UTC)


def test_routinator_csv_asn_forms_and_missing_max_length():
    parsed = parse_vrps(ROUTINATOR_CSV)
    assert parsed.format == ImportFormat.ROUTINATOR_CSV
    assert vrp_rows(parsed) == [("192.0.2.0/24", 64496, 24, "ripe"), ("198.51.100.0/24", 64497, 24, "apnic")]


def test_rpki_client_csv_parsed():
    parsed = parse_vrps(RPKI_CLIENT_CSV)
    assert parsed.format == ImportFormat.RPKI_CLIENT_CSV
    assert vrp_rows(parsed) == [("192.0.2.0/24", 64496, 25, "ripe")]


def test_bad_asn_names_line_and_value():
    with pytest.raises(ParseError, match=r"line 2: ASN 'ASX1' is invalid; write it as 64496 or AS64496"):
        parse_vrps("ASN,IP Prefix,Max Length,Trust Anchor\nASX1,192.0.2.0/24,24,ripe\n")


def test_max_length_shorter_than_prefix_rejected():
    with pytest.raises(ParseError, match=r"maxLength '23' is invalid for 192.0.2.0/24; use a number from 24 to 32"):
        parse_vrps("ASN,IP Prefix,Max Length,Trust Anchor\n64496,192.0.2.0/24,23,ripe\n")


def test_json_without_roas_rejected():
    with pytest.raises(ParseError, match='The VRP JSON has no "roas" list'):
        parse_vrps('{"vrps": []}')


def test_failed_import_keeps_raw_text(db):
    with pytest.raises(ParseError):
        import_vrps("ASN,IP Prefix\nAS1,not-a-prefix\n", filename="broken.csv")
    record = DataImport.objects.get()
    assert record.raw == "ASN,IP Prefix\nAS1,not-a-prefix\n"
    assert record.status == ImportStatus.FAILED
    assert "prefix 'not-a-prefix' is invalid" in record.error


def test_new_vrp_import_replaces_set(db):
    import_vrps(ROUTINATOR_CSV, filename="first.csv")
    second = import_vrps(RPKI_CLIENT_CSV, filename="second.csv")
    assert list(Vrp.objects.values_list("data_import_id", "asn", "max_length")) == [(second.pk, 64496, 25)]
    assert second.row_count == 1


def test_bgpdump_table_dump_and_updates():
    text = "\n".join([
        "TABLE_DUMP2|1798761600|B|192.0.2.1|64510|198.51.100.0/24|64510 64520 64500|IGP|192.0.2.1|0|0||NAG||",
        "BGP4MP|1798765200|A|192.0.2.1|64510|198.51.100.0/24|64510 64500|IGP|192.0.2.1|0|0||NAG||",
        "BGP4MP|1798765300|W|192.0.2.1|64510|198.51.100.0/24",
        "BGP4MP|1798765400|A|192.0.2.1|64510|203.0.113.0/24|64510 {64501,64502}|INCOMPLETE|192.0.2.1|0|0||NAG||",
        "BGP4MP|1798765500|A|2001:db8::1|64510|2001:db8::/32|64510 64500|IGP|2001:db8::1|0|0||NAG||",
    ])
    parsed = parse_bgpdump(text)
    assert parsed.routes == {
        (net("198.51.100.0/24"), 64500): [
            datetime(2027, 1, 1, 0, 0, tzinfo=UTC), datetime(2027, 1, 1, 1, 0, tzinfo=UTC),
        ],
        (net("203.0.113.0/24"), None): [
            datetime(2027, 1, 1, 1, 3, 20, tzinfo=UTC), datetime(2027, 1, 1, 1, 3, 20, tzinfo=UTC),
        ],
    }
    assert parsed.skipped == 2


def test_bgpdump_garbage_line_rejected():
    with pytest.raises(ParseError, match="line 1: 'hello' is not a `bgpdump -m` line"):
        parse_bgpdump("hello")


def test_route_csv_keeps_platform_space(holder, make_listing):
    make_listing(holder, "198.51.100.0/24")
    text = (
        "prefix,origin_asn,first_seen,last_seen\n"
        "198.51.100.0/25,AS64500,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z\n"
        "198.51.96.0/20,64501,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z\n"
        "203.0.113.0/24,64502,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z\n"
    )
    record, observations = import_routes(text, filename="routes.csv")
    assert sorted((str(o.prefix), o.origin_asn) for o in RouteObservation.objects.all()) == [
        ("198.51.100.0/25", 64500), ("198.51.96.0/20", 64501),
    ]
    assert (record.row_count, record.skipped_count) == (2, 1)
    assert record.format == ImportFormat.ROUTES_CSV


def test_route_seen_again_widens_span(holder, make_listing):
    make_listing(holder, "198.51.100.0/24")
    header = "prefix,origin_asn,first_seen,last_seen\n"
    import_routes(header + "198.51.100.0/24,64500,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z\n")
    import_routes(header + "198.51.100.0/24,64500,2026-11-01T00:00:00Z,2026-11-02T12:00:00Z\n")
    observation = RouteObservation.objects.get()
    assert observation.first_seen == datetime(2026, 11, 1, tzinfo=UTC)
    assert observation.last_seen == datetime(2026, 11, 3, tzinfo=UTC)


def test_route_csv_missing_column_rejected(db):
    with pytest.raises(ParseError, match="The route CSV header lacks last_seen"):
        import_routes("prefix,origin_asn,first_seen\n198.51.100.0/24,1,2026-11-01\n")
