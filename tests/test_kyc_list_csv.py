"""The EU and UK sanctions lists in their CSV formats, read by content beside the XML formats.

Every name, number and programme in these samples is invented.
"""

import http.server
import threading
from datetime import datetime, timezone
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kyc.choices import EntityKind, ImportStatus
from kyc.models import SanctionedEntity, SanctionsListVersion
from kyc.sanctions import ImportFailed, import_from_path, import_from_url, import_list

EU_XML = """<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-12-02T08:30:00.000+01:00">
  <sanctionEntity designationDate="2026-03-01" logicalId="700001">
    <regulation programme="DEMO" regulationType="regulation"/>
    <subjectType code="person" classificationCode="P"/>
    <nameAlias firstName="Testa" middleName="Fictiva" lastName="ORANGEVALE" wholeName="Testa Fictiva ORANGEVALE" nameLanguage="EN"/>
    <nameAlias wholeName="Теста Фиктива ОРАНЖЕВАЛЕ" nameLanguage="RU"/>
    <citizenship countryIso2Code="LV"/>
    <birthdate birthdate="1971-03-14" year="1971"/>
    <identification number="ZX1234567" identificationTypeCode="passport" countryIso2Code="EE"/>
    <address countryIso2Code="LV" city="Demo City"/>
  </sanctionEntity>
  <sanctionEntity designationDate="2026-03-01" logicalId="700002">
    <regulation programme="DEMO" regulationType="regulation"/>
    <regulation programme="CYB" regulationType="amendment"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Northwind Relay Hosting OU" nameLanguage="EN"/>
    <nameAlias wholeName="Northwind Relay" nameLanguage="EN"/>
    <address countryIso2Code="EE" city="Demo Harbour"/>
    <identification number="EE-10203040" identificationTypeCode="regnumber" countryIso2Code="EE"/>
  </sanctionEntity>
</export>
"""

EU_CSV_HEADER = (
    "fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumber;Entity_SubjectType;"
    "Entity_SubjectType_ClassificationCode;Entity_Regulation_Programme;NameAlias_LastName;"
    "NameAlias_FirstName;NameAlias_MiddleName;NameAlias_WholeName;NameAlias_NameLanguage;Address_City;"
    "Address_CountryIso2Code;BirthDate_BirthDate;BirthDate_Year;Identification_Number;"
    "Identification_TypeCode;Identification_CountryIso2Code;Citizenship_CountryIso2Code\r\n"
)
# One row per name, citizenship, birth date, document and address, as the publisher flattens the XML.
EU_CSV_ROWS = (
    "2026-12-02;700001;EU.9.01;person;P;DEMO;ORANGEVALE;Testa;Fictiva;Testa Fictiva ORANGEVALE;EN;;;;;;;;\r\n"
    "2026-12-02;700001;EU.9.01;person;P;DEMO;;;;Теста Фиктива ОРАНЖЕВАЛЕ;RU;;;;;;;;\r\n"
    "2026-12-02;700001;EU.9.01;person;P;DEMO;;;;;;;;;;;;;LV\r\n"
    "2026-12-02;700001;EU.9.01;person;P;DEMO;;;;;;;;1971-03-14;1971;;;;\r\n"
    "2026-12-02;700001;EU.9.01;person;P;DEMO;;;;;;;;;;ZX1234567;passport;EE;\r\n"
    "2026-12-02;700001;EU.9.01;person;P;DEMO;;;;;;Demo City;LV;;;;;;\r\n"
    "2026-12-02;700002;EU.9.02;enterprise;E;DEMO;;;;Northwind Relay Hosting OU;EN;;;;;;;;\r\n"
    "2026-12-02;700002;EU.9.02;enterprise;E;CYB;;;;Northwind Relay;EN;;;;;;;;\r\n"
    "2026-12-02;700002;EU.9.02;enterprise;E;DEMO;;;;;;Demo Harbour;EE;;;;;;\r\n"
    "2026-12-02;700002;EU.9.02;enterprise;E;DEMO;;;;;;;;;;EE-10203040;regnumber;EE;\r\n"
)
EU_CSV = "\ufeff" + EU_CSV_HEADER + EU_CSV_ROWS

UK_XML = """<?xml version="1.0" encoding="utf-8"?>
<Designations>
  <Designation>
    <UniqueID>DEM0042</UniqueID>
    <RegimeName>The Demo (Sanctions) Regulations 2026</RegimeName>
    <IndividualEntityShip>Entity</IndividualEntityShip>
    <Names>
      <Name><Name6>BRIGHTWATER PACKET EXCHANGE LLP</Name6><NameType>Primary Name</NameType></Name>
      <Name><Name6>BRIGHTWATER PX</Name6><NameType>Alias</NameType></Name>
    </Names>
    <NonLatinNames><NonLatinName><NameNonLatinScript>БРАЙТВОТЕР</NameNonLatinScript></NonLatinName></NonLatinNames>
    <Addresses><Address><AddressLine1>1 Demo Quay</AddressLine1><AddressCountry>Estonia</AddressCountry></Address></Addresses>
    <EntityDetails><BusinessRegistrationNumbers><BusinessRegistrationNumber>DEMO-55501</BusinessRegistrationNumber></BusinessRegistrationNumbers></EntityDetails>
  </Designation>
  <Designation>
    <UniqueID>DEM0043</UniqueID>
    <RegimeName>The Demo (Sanctions) Regulations 2026</RegimeName>
    <IndividualEntityShip>Individual</IndividualEntityShip>
    <Names>
      <Name><Name1>Perla</Name1><Name2>Maris</Name2><Name6>QUENTARO</Name6><NameType>Primary Name</NameType></Name>
      <Name><Name1>Perla</Name1><Name6>QUENTARRO</Name6><NameType>Alias</NameType></Name>
    </Names>
    <IndividualDetails><Individual>
      <DOBs><DOB>14/03/1971</DOB></DOBs>
      <Nationalities><Nationality>Latvia</Nationality></Nationalities>
      <PassportDetails><Passport><PassportNumber>LV7654321</PassportNumber></Passport></PassportDetails>
    </Individual></IndividualDetails>
  </Designation>
</Designations>
"""

UK_CSV_TITLE = "Report Date: 01-Dec-2026\r\n"
UK_CSV_HEADER = (
    "Last Updated,Unique ID,OFSI Group ID,UN Reference Number,Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,"
    "Name type,Alias strength,Title,Name non-latin script,Non-latin script type,Non-latin script language,"
    "Regime Name,Designation Type,Designation source,Address Line 1,Address Country,D.O.B,"
    "Nationality(/ies),National Identifier number,Passport number,Business registration number (s),"
    "IMO number\r\n"
)
# One row per name; the other details repeat on each row of the designation.
UK_CSV_ROWS = (
    '01/12/2026,DEM0042,90042,,BRIGHTWATER PACKET EXCHANGE LLP,,,,,,Primary Name,,,БРАЙТВОТЕР,Cyrillic,Russian,'
    'The Demo (Sanctions) Regulations 2026,Entity,UK,1 Demo Quay,Estonia,,,,,DEMO-55501,\r\n'
    '01/12/2026,DEM0042,90042,,BRIGHTWATER PX,,,,,,Alias,Good,,,,,'
    'The Demo (Sanctions) Regulations 2026,Entity,UK,1 Demo Quay,Estonia,,,,,DEMO-55501,\r\n'
    '01/12/2026,DEM0043,90043,,QUENTARO,Perla,Maris,,,,Primary Name,,Ms,,,,'
    'The Demo (Sanctions) Regulations 2026,Individual,UK,,,14/03/1971,Latvia,,LV7654321,,\r\n'
    '01/12/2026,DEM0043,90043,,QUENTARRO,Perla,,,,,Alias,Weak,Ms,,,,'
    'The Demo (Sanctions) Regulations 2026,Individual,UK,,,14/03/1971,Latvia,,LV7654321,,\r\n'
)
UK_CSV = UK_CSV_TITLE + UK_CSV_HEADER + UK_CSV_ROWS


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def entities_of(version):
    return {entity.source_id: entity for entity in SanctionedEntity.objects.filter(version=version)}


def records_of(version):
    """Return every stored field of each entity that the list content decides."""
    return {
        entity.source_id: (
            entity.kind, entity.name, entity.aliases, entity.countries, entity.birth_dates,
            entity.identifiers, entity.programs, entity.content_hash,
        )
        for entity in SanctionedEntity.objects.filter(version=version)
    }


def test_eu_csv_import_reads_entities(db):
    version = import_list("eu", {"list": EU_CSV.encode()}, origin="test")
    entities = entities_of(version)
    assert version.status == ImportStatus.CURRENT
    assert version.entity_count == 2
    assert version.name_count == 4
    person = entities["700001"]
    assert person.kind == EntityKind.PERSON
    assert person.name == "Testa Fictiva ORANGEVALE"
    assert person.aliases == ["Теста Фиктива ОРАНЖЕВАЛЕ"]
    assert person.countries == ["LV", "EE"]
    assert person.birth_dates == ["1971-03-14"]
    assert person.identifiers == ["ZX1234567"]
    assert person.programs == "DEMO"
    company = entities["700002"]
    assert company.kind == EntityKind.ORGANIZATION
    assert company.name == "Northwind Relay Hosting OU"
    assert company.aliases == ["Northwind Relay"]
    assert company.countries == ["EE"]
    assert company.birth_dates == []
    assert company.identifiers == ["EE-10203040"]
    assert company.programs == "CYB, DEMO"


def test_eu_csv_generation_date_is_published_at(db):
    version = import_list("eu", {"list": EU_CSV.encode()}, origin="test")
    assert version.published_at == datetime(2026, 12, 2, tzinfo=timezone.utc)


def test_eu_csv_and_xml_give_same_records(db):
    from_xml = import_list("eu", {"list": EU_XML.encode()}, origin="xml")
    from_csv = import_list("eu", {"list": EU_CSV.encode()}, origin="csv")
    assert records_of(from_csv) == records_of(from_xml)
    assert len(records_of(from_csv)) == 2


def test_eu_csv_columns_found_by_name(db):
    # Columns moved, an unknown column added and the names written in another case.
    header = "entity_logicalid;Remark Added Later;nameAlias_wholeName;Entity_SubjectType;Citizenship_CountryIso2Code\r\n"
    rows = "700003;anything;Amberline Transit OU;enterprise;\r\n700003;;;enterprise;EE\r\n"
    version = import_list("eu", {"list": (header + rows).encode()}, origin="test")
    company = entities_of(version)["700003"]
    assert company.name == "Amberline Transit OU"
    assert company.kind == EntityKind.ORGANIZATION
    assert company.countries == ["EE"]


def test_eu_csv_trailing_separator_accepted(db):
    rows = "".join(row.replace("\r\n", ";\r\n") for row in EU_CSV_ROWS.splitlines(keepends=True))
    version = import_list("eu", {"list": (EU_CSV_HEADER + rows).encode()}, origin="test")
    assert version.entity_count == 2


def test_eu_csv_without_entity_id_column_names_it(db):
    header = EU_CSV_HEADER.replace("Entity_LogicalId", "Entity_Id")
    with pytest.raises(ImportFailed) as failure:
        import_list("eu", {"list": (header + EU_CSV_ROWS).encode()}, origin="test")
    assert str(failure.value) == (
        "EU consolidated list (CSV): the header row is missing the column Entity_LogicalId (the id of the "
        "listed entity). Use the CSV file of the EU Financial Sanctions Files with its header "
        "row and ';' between columns, or import the XML file of the list instead. "
        "The last good version stays current."
    )


def test_eu_csv_without_name_column_names_it(db):
    header = EU_CSV_HEADER.replace("NameAlias_WholeName", "NameAlias_FullName")
    with pytest.raises(ImportFailed) as failure:
        import_list("eu", {"list": (header + EU_CSV_ROWS).encode()}, origin="test")
    assert str(failure.value).startswith(
        "EU consolidated list (CSV): the header row is missing the column NameAlias_WholeName (the name or alias). "
        "Use the CSV file of the EU Financial Sanctions Files"
    )


def test_eu_csv_with_commas_shows_first_line(db):
    data = "Entity_LogicalId,NameAlias_WholeName\r\n700004,Amberline Transit OU\r\n"
    with pytest.raises(ImportFailed) as failure:
        import_list("eu", {"list": data.encode()}, origin="test")
    assert "The first line has one column: 'Entity_LogicalId,NameAlias_WholeName'." in str(failure.value)


def test_eu_csv_row_without_entity_id_fails(db):
    rows = EU_CSV_ROWS + "2026-12-02;;EU.9.03;enterprise;E;DEMO;;;;Nameless Row Ltd;EN;;;;;;;;\r\n"
    with pytest.raises(ImportFailed, match=r"^EU consolidated list \(CSV\) line 12: Entity_LogicalId is empty; every row must name"):
        import_list("eu", {"list": (EU_CSV_HEADER + rows).encode()}, origin="test")


def test_eu_csv_entity_without_name_fails(db):
    rows = "2026-12-02;700005;EU.9.05;enterprise;E;DEMO;;;;;;Demo City;LV;;;;;;\r\n"
    with pytest.raises(ImportFailed, match=r"entity 700005 has no name, because NameAlias_WholeName is empty in all its rows\."):
        import_list("eu", {"list": (EU_CSV_HEADER + rows).encode()}, origin="test")


def test_truncated_eu_csv_keeps_last_good_version(db, media_root):
    good = import_list("eu", {"list": EU_XML.encode()}, origin="test")
    truncated = EU_CSV.encode()[:-12]
    with pytest.raises(ImportFailed, match=r"line 11: expected 19 columns, found 17; the file looks truncated"):
        import_list("eu", {"list": truncated}, origin="test")
    good.refresh_from_db()
    assert good.status == ImportStatus.CURRENT
    failed = SanctionsListVersion.objects.get(status=ImportStatus.FAILED)
    assert (Path(media_root) / failed.raw_files[0]).read_bytes() == truncated


def test_uk_csv_import_reads_designations(db):
    version = import_list("uk", {"list": UK_CSV.encode()}, origin="test")
    entities = entities_of(version)
    assert version.entity_count == 2
    assert version.name_count == 5
    company = entities["DEM0042"]
    assert company.kind == EntityKind.ORGANIZATION
    assert company.name == "BRIGHTWATER PACKET EXCHANGE LLP"
    assert company.aliases == ["BRIGHTWATER PX", "БРАЙТВОТЕР"]
    assert company.countries == ["EE"]
    assert company.identifiers == ["DEMO-55501"]
    assert company.programs == "The Demo (Sanctions) Regulations 2026"
    person = entities["DEM0043"]
    assert person.kind == EntityKind.PERSON
    assert person.name == "Perla Maris QUENTARO"
    assert person.aliases == ["Perla QUENTARRO"]
    assert person.countries == ["LV"]
    assert person.birth_dates == ["1971-03-14"]
    assert person.identifiers == ["LV7654321"]


def test_uk_csv_report_date_is_published_at(db):
    version = import_list("uk", {"list": UK_CSV.encode()}, origin="test")
    assert version.published_at == datetime(2026, 12, 1, tzinfo=timezone.utc)


def test_uk_csv_and_xml_give_same_records(db):
    from_xml = import_list("uk", {"list": UK_XML.encode()}, origin="xml")
    from_csv = import_list("uk", {"list": UK_CSV.encode()}, origin="csv")
    assert records_of(from_csv) == records_of(from_xml)
    assert len(records_of(from_csv)) == 2


def test_uk_csv_without_title_line_is_read(db):
    version = import_list("uk", {"list": (UK_CSV_HEADER + UK_CSV_ROWS).encode()}, origin="test")
    assert version.entity_count == 2
    assert version.published_at is None


def test_uk_csv_alias_listed_before_primary_name(db):
    rows = UK_CSV_ROWS.splitlines(keepends=True)
    version = import_list("uk", {"list": (UK_CSV_TITLE + UK_CSV_HEADER + rows[1] + rows[0]).encode()}, origin="test")
    company = entities_of(version)["DEM0042"]
    assert company.name == "BRIGHTWATER PACKET EXCHANGE LLP"
    assert company.aliases == ["BRIGHTWATER PX", "БРАЙТВОТЕР"]


def test_uk_csv_without_name6_column_names_it(db):
    header = UK_CSV_HEADER.replace("Name 6,", "Surname,")
    with pytest.raises(ImportFailed) as failure:
        import_list("uk", {"list": (UK_CSV_TITLE + header + UK_CSV_ROWS).encode()}, origin="test")
    assert str(failure.value) == (
        "UK sanctions list (CSV): the header row is missing the column Name 6 (surname, or the whole name of an "
        "entity or ship). Use the CSV file of the UK sanctions list (a title line such as 'Report Date: "
        "01-Dec-2026', then the header row), or import the XML file of the list instead. "
        "The last good version stays current."
    )


def test_uk_csv_without_unique_id_column_names_it(db):
    header = UK_CSV_HEADER.replace("Unique ID,", "Reference,")
    with pytest.raises(ImportFailed, match=r"^UK sanctions list \(CSV\): the header row is missing the column "
                                           r"Unique ID \(the id of the designation\)\."):
        import_list("uk", {"list": (UK_CSV_TITLE + header + UK_CSV_ROWS).encode()}, origin="test")


def test_uk_csv_header_only_fails(db):
    with pytest.raises(ImportFailed, match=r"UK sanctions list \(CSV\) contains a header but no entries\."):
        import_list("uk", {"list": (UK_CSV_TITLE + UK_CSV_HEADER).encode()}, origin="test")


def test_xml_named_csv_read_as_xml(db, tmp_path):
    path = tmp_path / "uk-list.csv"
    path.write_text(UK_XML)
    version = import_from_path("uk", path)
    assert entities_of(version)["DEM0043"].name == "Perla Maris QUENTARO"


def test_import_command_reads_csv_by_content(db, tmp_path):
    path = tmp_path / "eu-list.download"
    path.write_text(EU_CSV)
    output = StringIO()
    call_command("import_sanctions_list", "eu", str(path), stdout=output)
    version = SanctionsListVersion.objects.get(status=ImportStatus.CURRENT)
    assert output.getvalue() == f"Imported eu as version {version.pk}: 2 entries, 4 names.\n"
    assert records_of(version)["700002"][1] == "Northwind Relay Hosting OU"


def test_import_from_directory_finds_list_csv(db, tmp_path):
    (tmp_path / "list.csv").write_text(UK_CSV)
    version = import_from_path("uk", tmp_path)
    assert version.entity_count == 2
    assert version.origin == str(tmp_path)


class ListHandler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def list_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ListHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_csv_download_stored_before_parsing(db, settings, media_root, list_server):
    ListHandler.body = UK_CSV.encode()
    settings.KYC_LIST_URLS = {"uk": f"{list_server}/UK-Sanctions-List.csv"}
    version = import_from_url("uk")
    assert version.entity_count == 2
    assert (Path(media_root) / version.raw_files[0]).read_bytes() == UK_CSV.encode()


def test_csv_without_known_columns_rejected(db):
    with pytest.raises(ImportFailed) as failure:
        import_list("eu", {"list": b"alpha;beta\r\n1;2\r\n"}, origin="test")
    assert str(failure.value).startswith(
        "EU consolidated list (CSV): header row not found, because the first line has no known column name, "
        "such as Entity_LogicalId (the id of the listed entity)."
    )
