"""Shadowserver-style CSV feeds, plain or zipped, read by header name.

Columns are found by any of several names, so a feed that renames, adds or
drops columns still parses as long as an address column remains. Rows that
cannot be read are skipped and listed in the result's notes.
"""

import csv
import io
import lzma
import zipfile
import zlib

from django.conf import settings

from ..choices import ParserName
from .base import ParsedEvent, ParseError, ParseResult, guess_category, parse_ipv4, parse_port
from .times import parse_time

# Header names seen for each field, compared lower-cased with spaces and
# dashes as underscores. The first name present in a header wins.
COLUMN_NAMES = {
    "ip": ("ip", "src_ip", "source_ip", "ip_address", "ipaddress", "src", "source", "address", "host_ip"),
    "time": ("timestamp", "time", "datetime", "date_time", "event_time", "first_seen", "date", "seen"),
    "port": ("port", "src_port", "source_port", "sport"),
    "type": ("type", "infection", "tag", "category", "report_type", "threat", "classification"),
}
# Keep the evidence of a row small: a feed can carry dozens of columns.
EVIDENCE_COLUMNS = 20
MAX_NOTES = 50


def _normalise(name):
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def find_columns(header):
    normalised = [_normalise(name) for name in header]
    columns = {}
    for field, names in COLUMN_NAMES.items():
        for name in names:
            if name in normalised:
                columns[field] = normalised.index(name)
                break
    if "ip" not in columns:
        expected = ", ".join(COLUMN_NAMES["ip"])
        raise ParseError(
            f"The CSV header {', '.join(header)!s} has no address column; expected one of {expected}."
        )
    return columns


def parse_feed(raw, *, feed_name="", fallback_time=None):
    """Parse a CSV feed, or a zip archive of CSV files."""
    if raw[:4] == b"PK\x03\x04":
        return _parse_zip(raw, feed_name=feed_name, fallback_time=fallback_time)
    return parse_csv_text(_decode(raw), feed_name=feed_name, fallback_time=fallback_time)


def _decode(raw):
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _parse_zip(raw, *, feed_name, fallback_time):
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise ParseError(f"The zip archive cannot be read: {exc}.") from None
    members = [name for name in archive.namelist() if name.lower().endswith(".csv")]
    if not members:
        raise ParseError(
            f"The zip archive contains no .csv file (it contains {', '.join(archive.namelist()) or 'nothing'})."
        )
    result = ParseResult(ParserName.CSV, [])
    # The members are read against one budget, so that a small archive that
    # expands to gigabytes (a zip bomb) cannot exhaust the worker's memory.
    budget = settings.ABUSE_MAX_PARSE_BYTES
    for name in members:
        data = _read_member(archive, name, budget)
        budget -= len(data)
        part = parse_csv_text(_decode(data), feed_name=feed_name or name, fallback_time=fallback_time)
        result.events.extend(part.events)
        result.notes.extend(f"{name}: {note}" for note in part.notes)
    return result


def _read_member(archive, name, budget):
    """Return the bytes of one archive member; raise ParseError when it is unreadable or expands past `budget`."""
    try:
        with archive.open(name) as member:
            data = member.read(budget + 1)
    # zipfile lets the errors of each compression method through: zlib's,
    # lzma's and bz2's (OSError), and RuntimeError for encrypted members.
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error,
            lzma.LZMAError) as exc:
        raise ParseError(f"The zip member {name} cannot be read: {exc}.") from None
    if len(data) > budget:
        raise ParseError(
            f"The zip archive expands to more than {settings.ABUSE_MAX_PARSE_BYTES} bytes "
            "(ABUSE_MAX_PARSE_BYTES); it is stored, and staff can raise the limit and parse it again."
        )
    return data


def parse_csv_text(text, *, feed_name="", fallback_time=None):
    # newline="" lets the csv module see a lone carriage return, which it
    # reads as a line end, where StringIO would leave it inside a field.
    rows = _readable_rows(csv.reader(io.StringIO(text, newline="")))
    header = next(rows, None)
    if isinstance(header, csv.Error):
        raise ParseError(f"The CSV header cannot be read: {header}.")
    if not header:
        raise ParseError("The CSV feed is empty; it needs a header row and event rows.")
    columns = find_columns(header)
    if "time" not in columns and fallback_time is None:
        expected = ", ".join(COLUMN_NAMES["time"])
        raise ParseError(f"The CSV header has no time column; expected one of {expected}.")
    result = ParseResult(ParserName.CSV, [])
    for number, row in enumerate(rows, start=2):
        if isinstance(row, csv.Error):
            if len(result.notes) < MAX_NOTES:
                result.notes.append(f"Row {number} skipped: {row}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        try:
            result.events.append(_row_event(header, columns, row, feed_name, fallback_time))
        except (ParseError, IndexError) as exc:
            if len(result.notes) < MAX_NOTES:
                result.notes.append(f"Row {number} skipped: {exc}")
    if not result.events:
        raise ParseError(
            "The CSV feed has no readable row. " + " ".join(result.notes[:3])
        )
    return result


def _readable_rows(reader):
    """Yield the rows of a csv reader, and in place of a row it rejects (a field over the size limit, say) the error."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row = exc
        yield row


def _row_event(header, columns, row, feed_name, fallback_time):
    def cell(field):
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    ip = parse_ipv4(cell("ip"), what="address")
    if "time" in columns:
        occurred_at, zone_assumed = parse_time(cell("time"))
    else:
        occurred_at, zone_assumed = fallback_time
    feed_type = cell("type")
    evidence = {header[index]: value for index, value in enumerate(row[:EVIDENCE_COLUMNS]) if index < len(header)}
    return ParsedEvent(
        ip=ip,
        occurred_at=occurred_at,
        zone_assumed=zone_assumed,
        category=guess_category(feed_type, feed_name),
        type=(feed_type or feed_name or "feed")[:64],
        port=parse_port(cell("port")),
        reporter=feed_name[:200],
        evidence=evidence,
    )
