"""The EU consolidated financial sanctions list, as XML export (sanctionEntity elements) or CSV.

The content decides the format: a file that starts with "<" is read as
XML, any other as the CSV file (see eu_csv).
"""

from ..choices import EntityKind
from . import eu_csv
from .base import (
    ListFormatError, ParsedEntity, ParsedList, children, descendants, join_names, local_name,
    looks_like_xml, parse_xml,
)
from .dates import parse_timestamp

FILES = ("list",)

_KINDS = {"person": EntityKind.PERSON, "enterprise": EntityKind.ORGANIZATION}


def _entity(element):
    subject_types = children(element, "subjectType")
    code = subject_types[0].get("code", "") if subject_types else ""
    entity = ParsedEntity(source_id=element.get("logicalId", ""), kind=_KINDS.get(code, EntityKind.UNKNOWN))
    for alias in children(element, "nameAlias"):
        name = alias.get("wholeName") or join_names(
            alias.get("firstName"), alias.get("middleName"), alias.get("lastName")
        )
        if not entity.name:
            entity.name = name.strip()
        else:
            entity.add_alias(name)
    for tag in ("citizenship", "address", "identification"):
        for node in children(element, tag):
            entity.add_country(node.get("countryIso2Code", ""))
    for birth in children(element, "birthdate"):
        entity.add_birth_date(birth.get("birthdate") or birth.get("year") or "")
    for identification in children(element, "identification"):
        entity.add_identifier(identification.get("number", ""))
    programmes = [node.get("programme", "") for node in children(element, "regulation")]
    entity.programs = ", ".join(sorted({programme for programme in programmes if programme}))
    return entity


def parse(files):
    data = files["list"]
    if not data.strip():
        raise ListFormatError("EU consolidated list is empty; download it again.")
    if looks_like_xml(data):
        return parse_xml_export(data)
    return eu_csv.parse_csv(data)


def parse_xml_export(data):
    root = parse_xml(data, "EU consolidated list")
    if local_name(root) != "export":
        raise ListFormatError(
            f"EU consolidated list: the root element is {local_name(root)}, not export; "
            "this is not the EU XML format."
        )
    entities = [_entity(element) for element in descendants(root, "sanctionEntity")]
    for entity in entities:
        if not entity.source_id or not entity.name:
            raise ListFormatError(
                f"EU consolidated list: a sanctionEntity has no logicalId or no nameAlias ({entity.source_id!r})."
            )
    if not entities:
        raise ListFormatError("EU consolidated list contains no sanctionEntity elements.")
    return ParsedList(entities=entities, published_at=parse_timestamp(root.get("generationDate")))
