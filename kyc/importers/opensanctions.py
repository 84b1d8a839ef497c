"""OpenSanctions targets.simple.csv: one row per entity, multi-valued cells separated by ';'."""

from ..choices import EntityKind
from .base import ListFormatError, ParsedEntity, ParsedList, csv_rows

FILES = ("csv",)
REQUIRED_COLUMNS = ("id", "schema", "name", "aliases", "birth_date", "countries", "identifiers")

_KINDS = {
    "Person": EntityKind.PERSON,
    "Organization": EntityKind.ORGANIZATION,
    "Company": EntityKind.ORGANIZATION,
    "PublicBody": EntityKind.ORGANIZATION,
    "Vessel": EntityKind.VESSEL,
    "Airplane": EntityKind.VESSEL,
}


def _values(cell):
    return [value.strip() for value in (cell or "").split(";") if value.strip()]


def parse(files):
    label = "targets.simple.csv"
    rows = csv_rows(files["csv"], label)
    _line, header = next(rows, (0, []))
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ListFormatError(
            f"{label}: the header lacks {', '.join(missing)}; this is not the targets.simple.csv format."
        )
    position = {column: header.index(column) for column in header}
    entities = []
    for line, row in rows:
        if not row:
            continue
        if len(row) != len(header):
            raise ListFormatError(
                f"{label} line {line}: expected {len(header)} columns, found {len(row)}; "
                "the file looks truncated."
            )
        entity = ParsedEntity(
            source_id=row[position["id"]],
            kind=_KINDS.get(row[position["schema"]], EntityKind.UNKNOWN),
            name=row[position["name"]].strip(),
        )
        if not entity.source_id or not entity.name:
            raise ListFormatError(f"{label} line {line}: the entry has no id or no name.")
        for alias in _values(row[position["aliases"]]):
            entity.add_alias(alias)
        for country in _values(row[position["countries"]]):
            entity.add_country(country)
        for birth_date in _values(row[position["birth_date"]]):
            entity.add_birth_date(birth_date)
        for identifier in _values(row[position["identifiers"]]):
            entity.add_identifier(identifier)
        if "dataset" in position:
            entity.programs = row[position["dataset"]]
        entities.append(entity)
    if not entities:
        raise ListFormatError(f"{label} contains a header but no entries.")
    return ParsedList(entities=entities)
