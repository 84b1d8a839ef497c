"""The UN Security Council consolidated list (XML)."""

from ..choices import EntityKind
from .base import (
    ListFormatError, ParsedEntity, ParsedList, children, descendants, join_names, local_name,
    parse_xml, text_of,
)
from .dates import parse_timestamp

FILES = ("xml",)


def _common(entity, element, alias_tag, address_tag):
    for alias in children(element, alias_tag):
        entity.add_alias(text_of(alias, "ALIAS_NAME"))
    for address in children(element, address_tag):
        entity.add_country(text_of(address, "COUNTRY"))
    original = text_of(element, "NAME_ORIGINAL_SCRIPT")
    entity.add_alias(original)
    entity.programs = text_of(element, "UN_LIST_TYPE")


def _individual(element):
    entity = ParsedEntity(
        source_id=text_of(element, "DATAID") or text_of(element, "REFERENCE_NUMBER"),
        kind=EntityKind.PERSON,
        name=join_names(*(text_of(element, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"))),
    )
    _common(entity, element, "INDIVIDUAL_ALIAS", "INDIVIDUAL_ADDRESS")
    for nationality in children(element, "NATIONALITY"):
        for value in children(nationality, "VALUE"):
            entity.add_country(value.text)
    for birth in children(element, "INDIVIDUAL_DATE_OF_BIRTH"):
        entity.add_birth_date(text_of(birth, "DATE") or text_of(birth, "YEAR") or text_of(birth, "FROM_YEAR"))
    for document in children(element, "INDIVIDUAL_DOCUMENT"):
        entity.add_identifier(text_of(document, "NUMBER"))
    return entity


def _entity(element):
    entity = ParsedEntity(
        source_id=text_of(element, "DATAID") or text_of(element, "REFERENCE_NUMBER"),
        kind=EntityKind.ORGANIZATION,
        name=text_of(element, "FIRST_NAME"),
    )
    _common(entity, element, "ENTITY_ALIAS", "ENTITY_ADDRESS")
    return entity


def parse(files):
    root = parse_xml(files["xml"], "UN consolidated list")
    if local_name(root) != "CONSOLIDATED_LIST":
        raise ListFormatError(
            f"UN consolidated list: the root element is {local_name(root)}, not CONSOLIDATED_LIST; "
            "this is not the UN XML format."
        )
    entities = [_individual(element) for element in descendants(root, "INDIVIDUAL")]
    entities += [_entity(element) for element in descendants(root, "ENTITY")]
    for entity in entities:
        if not entity.source_id or not entity.name:
            raise ListFormatError(f"UN consolidated list: an entry has no DATAID or no name ({entity.source_id!r}).")
    if not entities:
        raise ListFormatError("UN consolidated list contains no INDIVIDUAL or ENTITY entries.")
    return ParsedList(entities=entities, published_at=parse_timestamp(root.get("dateGenerated")))
