"""The UK sanctions list (FCDO) as CSV: a title line with the report date, the header row, one row per name.

The rows of a designation share its Unique ID and are collected into one
entry, in the same order as the XML reader, so both formats give the same
records. The primary name comes first, the other names become aliases.

NOTE: the column names follow the FCDO's CSV layout as documented when this
was written; they were not checked against a current download. Columns
are found by name, so added or moved columns are no problem. A cell with
several values (two birth dates, say) is read as one value.
"""

from ..choices import EntityKind
from .base import ListFormatError, ParsedEntity, ParsedList, join_names
from .columns import Column, named_entities, table
from .dates import parse_list_date

LABEL = "UK sanctions list (CSV)"
FIX = (
    "Use the CSV file of the UK sanctions list (a title line such as 'Report Date: 01-Dec-2026', then "
    "the header row), or import the XML file of the list instead."
)
# Lines allowed before the header row: the title line and spare blank lines.
MAX_TITLE_LINES = 3
GIVEN_NAME_FIELDS = ("name1", "name2", "name3", "name4", "name5")
IDENTIFIER_FIELDS = ("passport", "national_id", "business_registration", "imo")
COLUMNS = {
    "unique_id": Column(("Unique ID",), "the id of the designation", required=True),
    "name6": Column(("Name 6",), "surname, or the whole name of an entity or ship", required=True),
    **{field: Column((f"Name {field[-1]}",), "given name") for field in GIVEN_NAME_FIELDS},
    "name_type": Column(("Name type",), "Primary Name or Alias"),
    "non_latin_name": Column(("Name non-latin script",), "name in its own script"),
    "kind": Column(("Designation Type", "IndividualEntityShip"), "Individual, Entity or Ship"),
    "regime": Column(("Regime Name", "Regime"), "sanctions regime"),
    "address_country": Column(("Address Country",), "country of an address"),
    "nationality": Column(("Nationality(/ies)", "Nationality", "Nationalities"), "nationality"),
    "birth_date": Column(("D.O.B", "Date of birth"), "birth date"),
    "passport": Column(("Passport number",), "passport number"),
    "national_id": Column(("National Identifier number",), "national identity number"),
    "business_registration": Column(
        ("Business registration number (s)", "Business registration number"), "company number"
    ),
    "imo": Column(("IMO number",), "ship's IMO number"),
}

_KINDS = {"individual": EntityKind.PERSON, "entity": EntityKind.ORGANIZATION, "ship": EntityKind.VESSEL}


def _first(header, rows, field):
    return next((header.value(row, field) for row in rows if header.value(row, field)), "")


def _names(header, rows):
    primary, others = [], []
    for row in rows:
        # Name 6 is the surname or the whole name of an entity; Name 1 to
        # Name 5 are the given names.
        given_names = (header.value(row, field) for field in GIVEN_NAME_FIELDS)
        full = join_names(*given_names, header.value(row, "name6"))
        if not full:
            continue
        if header.value(row, "name_type").lower().startswith("primary"):
            primary.append(full)
        else:
            others.append(full)
    return primary + others


def _entity(source_id, header, rows):
    entity = ParsedEntity(
        source_id=source_id,
        kind=_KINDS.get(_first(header, rows, "kind").lower(), EntityKind.UNKNOWN),
        programs=_first(header, rows, "regime"),
    )
    names = _names(header, rows)
    entity.name = names[0] if names else ""
    for alias in names[1:]:
        entity.add_alias(alias)
    for row in rows:
        entity.add_alias(header.value(row, "non_latin_name"))
    for field in ("address_country", "nationality"):
        for row in rows:
            entity.add_country(header.value(row, field))
    for row in rows:
        entity.add_birth_date(header.value(row, "birth_date"))
    for field in IDENTIFIER_FIELDS:
        for row in rows:
            entity.add_identifier(header.value(row, field))
    return entity


def parse_csv(data):
    title_lines, header, rows = table(data, COLUMNS, label=LABEL, fix=FIX, max_leading_rows=MAX_TITLE_LINES)
    rows_of = {}
    for line, row in rows:
        source_id = header.value(row, "unique_id")
        if not source_id:
            raise ListFormatError(
                f"{LABEL} line {line}: Unique ID is empty; every row must name the designation it belongs to."
            )
        rows_of.setdefault(source_id, []).append(row)
    entities = named_entities(rows_of, lambda source_id, rows: _entity(source_id, header, rows), label=LABEL,
                              unit="designation", name_column="Name 6")
    title = " ".join(cell for line in title_lines for cell in line)
    return ParsedList(entities=entities, published_at=parse_list_date(title))
