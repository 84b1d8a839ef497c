"""The EU consolidated financial sanctions list as CSV: ';'-separated, one row per name, address and so on.

Each row belongs to the entity in its Entity_LogicalId column and fills one
part of it: a name or alias, an address, a birth date, an identity document
or a citizenship. The rows of an entity are collected into one entry, in
the same order as the XML reader, so both formats give the same records.

NOTE: the column names follow the publisher's CSV layout version 1.1 as
documented by the EU; they were not checked against a current download.
Columns are found by name, so added or moved columns are no problem.
"""

from ..choices import EntityKind
from .base import ListFormatError, ParsedEntity, ParsedList, join_names
from .columns import Column, named_entities, table
from .dates import parse_list_date

LABEL = "EU consolidated list (CSV)"
FIX = (
    "Use the CSV file of the EU Financial Sanctions Files with its header row and ';' between columns, "
    "or import the XML file of the list instead."
)
COLUMNS = {
    "entity_id": Column(("Entity_LogicalId",), "the id of the listed entity", required=True),
    "whole_name": Column(("NameAlias_WholeName",), "the name or alias", required=True),
    "first_name": Column(("NameAlias_FirstName",), "given name"),
    "middle_name": Column(("NameAlias_MiddleName",), "middle name"),
    "last_name": Column(("NameAlias_LastName",), "surname"),
    "subject_type": Column(("Entity_SubjectType",), "person or enterprise"),
    "subject_code": Column(("Entity_SubjectType_ClassificationCode",), "P or E"),
    "programme": Column(("Entity_Regulation_Programme",), "sanctions programme"),
    "citizenship_country": Column(("Citizenship_CountryIso2Code",), "citizenship"),
    "address_country": Column(("Address_CountryIso2Code",), "country of an address"),
    "identification_country": Column(("Identification_CountryIso2Code",), "issuing country"),
    "identification_number": Column(("Identification_Number",), "document number"),
    "birth_date": Column(("BirthDate_BirthDate",), "birth date"),
    "birth_year": Column(("BirthDate_Year",), "birth year"),
    "generation_date": Column(("fileGenerationDate",), "date of the file"),
}

_KINDS = {
    "person": EntityKind.PERSON, "p": EntityKind.PERSON,
    "enterprise": EntityKind.ORGANIZATION, "e": EntityKind.ORGANIZATION,
}


def _kind(header, rows):
    for row in rows:
        for field in ("subject_type", "subject_code"):
            kind = _KINDS.get(header.value(row, field).lower())
            if kind:
                return kind
    return EntityKind.UNKNOWN


def _entity(source_id, header, rows):
    entity = ParsedEntity(source_id=source_id, kind=_kind(header, rows))
    for row in rows:
        name = header.value(row, "whole_name") or join_names(
            header.value(row, "first_name"), header.value(row, "middle_name"), header.value(row, "last_name")
        )
        if not entity.name:
            entity.name = name
        else:
            entity.add_alias(name)
    for field in ("citizenship_country", "address_country", "identification_country"):
        for row in rows:
            entity.add_country(header.value(row, field))
    for row in rows:
        entity.add_birth_date(header.value(row, "birth_date") or header.value(row, "birth_year"))
    for row in rows:
        entity.add_identifier(header.value(row, "identification_number"))
    programmes = {header.value(row, "programme") for row in rows}
    entity.programs = ", ".join(sorted(programme for programme in programmes if programme))
    return entity


def parse_csv(data):
    _leading, header, rows = table(data, COLUMNS, label=LABEL, fix=FIX, delimiter=";")
    rows_of = {}
    generation_date = ""
    for line, row in rows:
        source_id = header.value(row, "entity_id")
        if not source_id:
            raise ListFormatError(
                f"{LABEL} line {line}: Entity_LogicalId is empty; every row must name the entity "
                "it belongs to."
            )
        rows_of.setdefault(source_id, []).append(row)
        generation_date = generation_date or header.value(row, "generation_date")
    entities = named_entities(rows_of, lambda source_id, rows: _entity(source_id, header, rows), label=LABEL,
                              unit="entity", name_column="NameAlias_WholeName")
    return ParsedList(entities=entities, published_at=parse_list_date(generation_date))
