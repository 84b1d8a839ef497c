"""The UK sanctions list (FCDO), as XML (Designation elements) or CSV.

The content decides the format: a file that starts with "<" is read as
XML, any other as the CSV file (see uk_csv).
"""

from ..choices import EntityKind
from . import uk_csv
from .base import (
    ListFormatError, ParsedEntity, ParsedList, descendants, join_names, looks_like_xml, parse_xml, text_of,
)

FILES = ("list",)

_KINDS = {"individual": EntityKind.PERSON, "entity": EntityKind.ORGANIZATION, "ship": EntityKind.VESSEL}


def _name(element):
    # Name6 is the surname or the whole name of an entity; Name1 to Name5
    # are the given names.
    return join_names(*(text_of(element, f"Name{number}") for number in (1, 2, 3, 4, 5, 6)))


def _designation(element):
    entity = ParsedEntity(
        source_id=text_of(element, "UniqueID"),
        kind=_KINDS.get(text_of(element, "IndividualEntityShip").lower(), EntityKind.UNKNOWN),
        programs=text_of(element, "RegimeName"),
    )
    primary, others = [], []
    for name in descendants(element, "Name"):
        if not len(name):
            continue
        full = _name(name)
        if text_of(name, "NameType").lower().startswith("primary"):
            primary.append(full)
        else:
            others.append(full)
    names = primary + others
    entity.name = names[0] if names else ""
    for alias in names[1:]:
        entity.add_alias(alias)
    for node in descendants(element, "NameNonLatinScript"):
        entity.add_alias(node.text)
    for node in descendants(element, "AddressCountry") + descendants(element, "Nationality"):
        entity.add_country(node.text)
    for node in descendants(element, "DOB"):
        entity.add_birth_date(node.text)
    for tag in ("PassportNumber", "NationalIdentifierNumber", "BusinessRegistrationNumber", "IMONumber"):
        for node in descendants(element, tag):
            entity.add_identifier(node.text)
    return entity


def parse(files):
    data = files["list"]
    if not data.strip():
        raise ListFormatError("UK sanctions list is empty; download it again.")
    if looks_like_xml(data):
        return parse_xml_designations(data)
    return uk_csv.parse_csv(data)


def parse_xml_designations(data):
    root = parse_xml(data, "UK sanctions list")
    designations = descendants(root, "Designation")
    if not designations:
        raise ListFormatError("UK sanctions list contains no Designation elements; this is not the UK XML format.")
    entities = [_designation(element) for element in designations]
    for entity in entities:
        if not entity.source_id or not entity.name:
            raise ListFormatError(f"UK sanctions list: a Designation has no UniqueID or no name ({entity.source_id!r}).")
    return ParsedList(entities=entities, published_at=None)
