"""Shared parts of the sanctions list parsers: the parsed entry, errors, countries and dates."""

import csv
import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import pycountry
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from ..choices import EntityKind


class ListFormatError(Exception):
    """A list file that cannot be read completely; the message names the file and the problem."""


@dataclass
class ParsedEntity:
    source_id: str
    kind: str = EntityKind.UNKNOWN
    name: str = ""
    aliases: list = field(default_factory=list)
    countries: list = field(default_factory=list)
    birth_dates: list = field(default_factory=list)
    identifiers: list = field(default_factory=list)
    programs: str = ""

    def add_alias(self, alias):
        alias = (alias or "").strip()
        if alias and alias != self.name and alias not in self.aliases:
            self.aliases.append(alias)

    def add_country(self, value):
        code = country_code(value)
        if code and code not in self.countries:
            self.countries.append(code)

    def add_birth_date(self, value):
        parsed = partial_date(value)
        if parsed and parsed not in self.birth_dates:
            self.birth_dates.append(parsed)

    def add_identifier(self, value):
        value = (value or "").strip()
        if value and value not in self.identifiers:
            self.identifiers.append(value)

    def content_hash(self):
        payload = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class ParsedList:
    entities: list
    published_at: object = None

    @property
    def name_count(self):
        return sum(1 + len(entity.aliases) for entity in self.entities)


_PARENTHESES = re.compile(r"\s*\([^)]*\)")


@lru_cache(maxsize=4096)
def country_code(value):
    """Return the ISO 3166-1 alpha-2 code for a code or an English country name, or ''."""
    value = (value or "").strip()
    if not value or value == "-0-":
        return ""
    for candidate in (value, _PARENTHESES.sub("", value).strip(), value.split(",")[0].strip()):
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            continue
    try:
        return pycountry.countries.search_fuzzy(value)[0].alpha_2
    except LookupError:
        return ""


_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})[ ./-]([A-Za-z]{3,9}|\d{1,2})[ ./-](\d{4})\b")
_MONTH_YEAR = re.compile(r"\b([A-Za-z]{3,9}) (\d{4})\b")
_YEAR = re.compile(r"\b(1[89]\d{2}|20\d{2})\b")


def partial_date(value):
    """Return a date as ISO text, possibly only year or year-month, or '' when none is found.

    Reads 1970-05-01, 01 May 1970, 01/05/1970 (day first), May 1970 and 1970.
    """
    value = (value or "").strip()
    if not value:
        return ""
    if match := _ISO_DATE.search(value):
        year, month, day = match.groups()
        return f"{year}-{month}-{day}" if day else f"{year}-{month}"
    if match := _DAY_MONTH_YEAR.search(value):
        day, month, year = match.groups()
        month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower())
        if month_number and 1 <= month_number <= 12:
            return f"{year}-{month_number:02d}-{int(day):02d}"
    if match := _MONTH_YEAR.search(value):
        month_number = _MONTHS.get(match.group(1).lower())
        if month_number:
            return f"{match.group(2)}-{month_number:02d}"
    if match := _YEAR.search(value):
        return match.group(1)
    return ""


def decode(data, file_label):
    if not data or not data.strip():
        raise ListFormatError(f"{file_label} is empty; download it again.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ListFormatError(f"{file_label} is neither UTF-8 nor Windows-1252 text.")


def csv_rows(data, file_label, *, delimiter=","):
    """Yield (line number, row) of a CSV file, raising ListFormatError on broken quoting."""
    text = decode(data, file_label)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise ListFormatError(
            f"{file_label} line {reader.line_num}: {exc}; the file looks truncated or damaged."
        ) from None


def looks_like_xml(data):
    """Return True when `data` starts like an XML document, after a UTF-8 byte order mark and blanks.

    The EU and UK lists come as XML or CSV, and the content decides which
    parser reads them, whatever the file is called.
    """
    return (data or b"").removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def parse_xml(data, file_label):
    """Return the root element, refusing entity expansion and reporting truncation."""
    if not data or not data.strip():
        raise ListFormatError(f"{file_label} is empty; download it again.")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ListFormatError(
            f"{file_label} is not well-formed XML ({exc}); the file looks truncated or damaged."
        ) from None
    except DefusedXmlException as exc:
        raise ListFormatError(f"{file_label} uses forbidden XML constructs ({exc}).") from None


def local_name(element):
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element, name):
    return [child for child in element if local_name(child) == name]


def descendants(element, name):
    return [node for node in element.iter() if local_name(node) == name]


def text_of(element, name):
    for child in element:
        if local_name(child) == name and child.text and child.text.strip():
            return child.text.strip()
    return ""


def join_names(*parts):
    return " ".join(part.strip() for part in parts if part and part.strip())
