"""OFAC SDN legacy CSV files: sdn.csv, alt.csv (aliases) and add.csv (addresses), without headers."""

import re

from ..choices import EntityKind
from .base import ListFormatError, ParsedEntity, ParsedList, csv_rows

FILES = ("sdn", "alt", "add")
EMPTY = "-0-"
SDN_COLUMNS = 12
ALT_COLUMNS = 5
ADD_COLUMNS = 6

_KINDS = {"individual": EntityKind.PERSON, "vessel": EntityKind.VESSEL, "aircraft": EntityKind.VESSEL}
_BIRTH = re.compile(r"\bDOB ([^;]+)")
_NATIONALITY = re.compile(r"\b(?:nationality|citizen) ([A-Za-z ,()]+?)(?:;|\.|$)")
_IDENTIFIER = re.compile(
    r"\b(?:Passport|National ID No\.|Cedula No\.|Tax ID No\.|Registration ID|Registration Number|"
    r"Company Number|Business Registration Number|SWIFT/BIC|Identification Number|"
    r"Business Number|RUC #|NIT #|C\.U\.R\.P\.|Unified Social Credit Code \(USCC\))\s+([A-Za-z0-9][A-Za-z0-9\-/.]*)"
)


def _value(cell):
    cell = (cell or "").strip()
    return "" if cell == EMPTY else cell


def _rows(data, label, columns):
    for line, row in csv_rows(data, label):
        # The legacy files end with an ASCII SUB (0x1A) line.
        if not row or (len(row) == 1 and row[0].strip() in ("", "\x1a")):
            continue
        if len(row) != columns:
            raise ListFormatError(
                f"{label} line {line}: expected {columns} columns, found {len(row)}; "
                "the file looks truncated or is not the legacy OFAC format."
            )
        if not row[0].strip().isdigit():
            raise ListFormatError(
                f"{label} line {line}: entry number {row[0]!r} is not a number; "
                "a header row or another format is not expected here."
            )
        yield line, row


def _read_remarks(entity, remarks):
    for match in _BIRTH.finditer(remarks):
        for part in match.group(1).split(" to "):
            entity.add_birth_date(part)
    for match in _NATIONALITY.finditer(remarks):
        entity.add_country(match.group(1))
    for match in _IDENTIFIER.finditer(remarks):
        entity.add_identifier(match.group(1).rstrip("."))


def parse(files):
    entities = {}
    for _line, row in _rows(files["sdn"], "sdn.csv", SDN_COLUMNS):
        ent_num, name, sdn_type, program = (_value(cell) for cell in row[:4])
        if not name:
            raise ListFormatError(f"sdn.csv entry {ent_num} has no name.")
        entity = ParsedEntity(
            source_id=ent_num, name=name, kind=_KINDS.get(sdn_type.lower(), EntityKind.ORGANIZATION),
            programs=program,
        )
        _read_remarks(entity, _value(row[11]))
        entities[ent_num] = entity
    if not entities:
        raise ListFormatError("sdn.csv contains no entries.")

    for line, row in _rows(files["alt"], "alt.csv", ALT_COLUMNS):
        entity = entities.get(row[0].strip())
        if entity is None:
            raise ListFormatError(
                f"alt.csv line {line}: alias of entry {row[0].strip()}, which is not in sdn.csv; "
                "the files are from different days or sdn.csv is truncated."
            )
        entity.add_alias(_value(row[3]))

    for line, row in _rows(files["add"], "add.csv", ADD_COLUMNS):
        entity = entities.get(row[0].strip())
        if entity is None:
            raise ListFormatError(
                f"add.csv line {line}: address of entry {row[0].strip()}, which is not in sdn.csv; "
                "the files are from different days or sdn.csv is truncated."
            )
        entity.add_country(_value(row[4]))
    return ParsedList(entities=list(entities.values()))
