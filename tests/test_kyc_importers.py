import http.server
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kyc.choices import EntityKind, ImportStatus
from kyc.models import SanctionedEntity, SanctionsListVersion
from kyc.sanctions import ImportFailed, import_from_path, import_from_url, import_list

SDN_CSV = (
    '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    '173,"ANGLO-CARIBBEAN CO., LTD.",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    '2674,"PETROV, Ivan Sergeyevich","individual","RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 04 Mar 1961; nationality Russia; Passport 721234567 (Russia); Gender Male."\r\n'
    '9999,"SEA STAR","vessel","IRAN",-0- ,"9HA1234","Crude Oil Tanker",-0- ,-0- ,"Malta",-0- ,'
    '"Vessel Registration Identification IMO 9187629."\r\n'
    "\x1a\r\n"
)
ALT_CSV = (
    '36,12,"aka","AERO-CARIBBEAN",-0- \r\n'
    '2674,4001,"aka","PETROV, Ivan",-0- \r\n'
    '2674,4002,"aka","Иван Сергеевич Петров",-0- \r\n'
)
ADD_CSV = (
    '36,25,-0- ,"Havana","Cuba",-0- \r\n'
    '173,129,"Ibex House, The Minories","London EC3N 1DY","United Kingdom",-0- \r\n'
)

UN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-12-01T10:00:00.000Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908555</DATAID>
      <FIRST_NAME>ABDUL</FIRST_NAME><SECOND_NAME>RAHMAN</SECOND_NAME><THIRD_NAME>YASIN</THIRD_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDi.042</REFERENCE_NUMBER>
      <NAME_ORIGINAL_SCRIPT>عبد الرحمن ياسين</NAME_ORIGINAL_SCRIPT>
      <NATIONALITY><VALUE>United States of America</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Abdul Rahman S. Taha</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Aboud Yasin</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ADDRESS><COUNTRY>Iraq</COUNTRY></INDIVIDUAL_ADDRESS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1960-04-10</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>27033380</NUMBER></INDIVIDUAL_DOCUMENT>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>110404</DATAID>
      <FIRST_NAME>AL-HARAMAIN FOUNDATION (INDONESIA)</FIRST_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDe.109</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Yayasan Al-Manahil-Indonesia</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ADDRESS><CITY>Jakarta</CITY><COUNTRY>Indonesia</COUNTRY></ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""

EU_XML = """<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-12-02T08:30:00.000+01:00">
  <sanctionEntity designationDate="2022-02-25" logicalId="139010" unitedNationId="">
    <regulation programme="RUS" regulationType="regulation"/>
    <subjectType code="person" classificationCode="P"/>
    <nameAlias firstName="Sergei" lastName="Shoigu" middleName="Kuzhugetovich" wholeName="Sergei Kuzhugetovich SHOIGU" nameLanguage="EN"/>
    <nameAlias wholeName="Сергей Кужугетович ШОЙГУ" nameLanguage="RU"/>
    <citizenship countryIso2Code="RU"/>
    <birthdate birthdate="1955-05-21" year="1955"/>
  </sanctionEntity>
  <sanctionEntity designationDate="2014-07-30" logicalId="13505">
    <regulation programme="UKR" regulationType="amendment"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Almaz-Antey Air and Space Defence Corporation" nameLanguage="EN"/>
    <nameAlias wholeName="Концерн ВКО Алмаз-Антей" nameLanguage="RU"/>
    <address countryIso2Code="RU" city="Moscow"/>
    <identification number="1057746557329" identificationTypeCode="regnumber" countryIso2Code="RU"/>
  </sanctionEntity>
</export>
"""

UK_XML = """<?xml version="1.0" encoding="utf-8"?>
<Designations>
  <Designation>
    <LastUpdated>01/12/2026</LastUpdated>
    <UniqueID>RUS0253</UniqueID>
    <RegimeName>The Russia (Sanctions) (EU Exit) Regulations 2019</RegimeName>
    <IndividualEntityShip>Entity</IndividualEntityShip>
    <Names>
      <Name><Name6>JSC KALASHNIKOV CONCERN</Name6><NameType>Primary Name</NameType></Name>
      <Name><Name6>KALASHNIKOV GROUP</Name6><NameType>Alias</NameType></Name>
    </Names>
    <NonLatinNames><NonLatinName><NameNonLatinScript>АО Концерн Калашников</NameNonLatinScript></NonLatinName></NonLatinNames>
    <Addresses><Address><AddressLine1>3B Deryabinskaya Street</AddressLine1><AddressCountry>Russia</AddressCountry></Address></Addresses>
  </Designation>
  <Designation>
    <UniqueID>CYB0011</UniqueID>
    <RegimeName>The Cyber (Sanctions) (EU Exit) Regulations 2020</RegimeName>
    <IndividualEntityShip>Individual</IndividualEntityShip>
    <Names>
      <Name><Name1>Aleksei</Name1><Name2>Valerievich</Name2><Name6>MININ</Name6><NameType>Primary Name</NameType></Name>
    </Names>
    <IndividualDetails><Individual><DOBs><DOB>27/05/1972</DOB></DOBs><Nationalities><Nationality>Russia</Nationality></Nationalities></Individual></IndividualDetails>
  </Designation>
</Designations>
"""

OPENSANCTIONS_HEADER = (
    "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
    "dataset,first_seen,last_seen,last_change\r\n"
)
OPENSANCTIONS_CSV = OPENSANCTIONS_HEADER + (
    'NK-a1,Person,Vladimir Petrovich Ivanov,"Владимир Петрович Иванов;V. P. Ivanov",1970-01-02,ru,,'
    '770100123456,EU sanctions,,,eu_fsf,2022-03-01,2026-12-01,2026-11-30\r\n'
    'NK-b2,Company,Volga Hosting LLC,ООО Волга Хостинг,,ru,"Moscow, Russia",1027700132195,OFAC SDN,,,us_ofac_sdn,'
    '2023-01-01,2026-12-01,2026-11-30\r\n'
)


def ofac_files():
    return {"sdn": SDN_CSV.encode("cp1252", errors="replace"), "alt": ALT_CSV.encode(), "add": ADD_CSV.encode()}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def entities_of(version):
    return {entity.source_id: entity for entity in SanctionedEntity.objects.filter(version=version)}


def test_ofac_import_reads_all_three_files(db):
    files = {"sdn": SDN_CSV.encode(), "alt": ALT_CSV.encode(), "add": ADD_CSV.encode()}
    version = import_list("ofac", files, origin="test")
    entities = entities_of(version)
    assert version.status == ImportStatus.CURRENT
    assert version.entity_count == 4
    assert version.name_count == 7
    assert entities["36"].aliases == ["AERO-CARIBBEAN"]
    assert entities["36"].countries == ["CU"]
    assert entities["173"].countries == ["GB"]
    petrov = entities["2674"]
    assert petrov.kind == EntityKind.PERSON
    assert petrov.aliases == ["PETROV, Ivan", "Иван Сергеевич Петров"]
    assert petrov.birth_dates == ["1961-03-04"]
    assert petrov.countries == ["RU"]
    assert petrov.identifiers == ["721234567"]
    assert petrov.programs == "RUSSIA-EO14024"
    assert entities["9999"].kind == EntityKind.VESSEL


def test_ofac_import_from_directory(db, tmp_path):
    directory = tmp_path / "ofac"
    directory.mkdir()
    (directory / "sdn.csv").write_text(SDN_CSV)
    (directory / "alt.csv").write_text(ALT_CSV)
    (directory / "add.csv").write_text(ADD_CSV)
    version = import_from_path("ofac", directory)
    assert version.entity_count == 4
    assert version.origin == str(directory)


def test_raw_files_kept_before_parsing(db, media_root):
    with pytest.raises(ImportFailed):
        import_list("opensanctions", {"csv": OPENSANCTIONS_CSV.encode()[:150]}, origin="test")
    failed = SanctionsListVersion.objects.get(status=ImportStatus.FAILED)
    assert (Path(media_root) / failed.raw_files[0]).read_bytes() == OPENSANCTIONS_CSV.encode()[:150]


def test_un_import(db):
    version = import_list("un", {"xml": UN_XML.encode()}, origin="test")
    entities = entities_of(version)
    assert version.entity_count == 2
    assert version.published_at == datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    person = entities["6908555"]
    assert person.name == "ABDUL RAHMAN YASIN"
    assert person.aliases == ["Abdul Rahman S. Taha", "Aboud Yasin", "عبد الرحمن ياسين"]
    assert person.countries == ["IQ", "US"]
    assert person.birth_dates == ["1960-04-10"]
    assert person.identifiers == ["27033380"]
    organisation = entities["110404"]
    assert organisation.kind == EntityKind.ORGANIZATION
    assert organisation.countries == ["ID"]


def test_eu_import(db):
    version = import_list("eu", {"list": EU_XML.encode()}, origin="test")
    entities = entities_of(version)
    assert version.published_at == datetime(2026, 12, 2, 7, 30, tzinfo=timezone.utc)
    shoigu = entities["139010"]
    assert shoigu.kind == EntityKind.PERSON
    assert shoigu.name == "Sergei Kuzhugetovich SHOIGU"
    assert shoigu.aliases == ["Сергей Кужугетович ШОЙГУ"]
    assert shoigu.birth_dates == ["1955-05-21"]
    assert shoigu.programs == "RUS"
    almaz = entities["13505"]
    assert almaz.kind == EntityKind.ORGANIZATION
    assert almaz.identifiers == ["1057746557329"]
    assert almaz.countries == ["RU"]


def test_uk_import(db):
    version = import_list("uk", {"list": UK_XML.encode()}, origin="test")
    entities = entities_of(version)
    kalashnikov = entities["RUS0253"]
    assert kalashnikov.name == "JSC KALASHNIKOV CONCERN"
    assert kalashnikov.aliases == ["KALASHNIKOV GROUP", "АО Концерн Калашников"]
    assert kalashnikov.countries == ["RU"]
    minin = entities["CYB0011"]
    assert minin.kind == EntityKind.PERSON
    assert minin.name == "Aleksei Valerievich MININ"
    assert minin.birth_dates == ["1972-05-27"]


def test_opensanctions_import(db):
    version = import_list("opensanctions", {"csv": OPENSANCTIONS_CSV.encode()}, origin="test")
    entities = entities_of(version)
    assert version.entity_count == 2
    ivanov = entities["NK-a1"]
    assert ivanov.aliases == ["Владимир Петрович Иванов", "V. P. Ivanov"]
    assert ivanov.birth_dates == ["1970-01-02"]
    assert ivanov.countries == ["RU"]
    assert entities["NK-b2"].kind == EntityKind.ORGANIZATION
    assert entities["NK-b2"].identifiers == ["1027700132195"]


def test_truncated_csv_keeps_last_good_version(db):
    good = import_list("opensanctions", {"csv": OPENSANCTIONS_CSV.encode()}, origin="test")
    truncated = OPENSANCTIONS_CSV.encode()[: len(OPENSANCTIONS_CSV.encode()) - 60]
    with pytest.raises(ImportFailed, match=r"targets.simple.csv line 3: expected 15 columns, found \d+"):
        import_list("opensanctions", {"csv": truncated}, origin="test")
    good.refresh_from_db()
    assert good.status == ImportStatus.CURRENT
    failed = SanctionsListVersion.objects.get(status=ImportStatus.FAILED)
    assert "The last good version stays current." in failed.error
    assert failed.entities.count() == 0


def test_truncated_xml_fails_clearly(db):
    with pytest.raises(ImportFailed, match="UN consolidated list is not well-formed XML .* looks truncated"):
        import_list("un", {"xml": UN_XML.encode()[:900]}, origin="test")


def test_truncated_ofac_quote_fails(db):
    files = ofac_files()
    files["sdn"] = SDN_CSV.encode()[:120]
    with pytest.raises(ImportFailed, match="sdn.csv line 2"):
        import_list("ofac", files, origin="test")


def test_alias_of_missing_entry_fails(db):
    files = ofac_files()
    files["sdn"] = SDN_CSV.split("\r\n", 1)[0].encode() + b"\r\n"
    with pytest.raises(ImportFailed, match="alt.csv line 2: alias of entry 2674, which is not in sdn.csv"):
        import_list("ofac", files, origin="test")


@pytest.mark.parametrize("source, files, message", [
    ("opensanctions", {"csv": b""}, "targets.simple.csv is empty"),
    ("opensanctions", {"csv": OPENSANCTIONS_HEADER.encode()}, "contains a header but no entries"),
    ("opensanctions", {"csv": b"name,country\r\nAcme,NL\r\n"}, "the header lacks id, schema, aliases"),
    ("un", {"xml": b"<root><x/></root>"}, "the root element is root, not CONSOLIDATED_LIST"),
    ("eu", {"list": b"   \n"}, "EU consolidated list is empty"),
    ("uk", {"list": b"<Designations></Designations>"}, "contains no Designation elements"),
    ("ofac", {"sdn": b'"ent_num","SDN_Name"\r\n', "alt": b"", "add": b""}, "expected 12 columns, found 2"),
])
def test_malformed_files_fail_with_message(db, source, files, message):
    with pytest.raises(ImportFailed, match=message):
        import_list(source, files, origin="test")
    assert not SanctionsListVersion.objects.filter(status=ImportStatus.CURRENT).exists()


def test_xml_entity_expansion_rejected(db):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CONSOLIDATED_LIST>&a;</CONSOLIDATED_LIST>'
    with pytest.raises(ImportFailed, match="forbidden XML constructs"):
        import_list("un", {"xml": bomb}, origin="test")


def test_much_smaller_list_rejected_as_truncated(db):
    rows = "".join(
        f'NK-{number},Company,Company {number},,,ru,,,,,,x,2023-01-01,2026-12-01,2026-11-30\r\n'
        for number in range(10)
    )
    import_list("opensanctions", {"csv": (OPENSANCTIONS_HEADER + rows).encode()}, origin="test")
    with pytest.raises(ImportFailed, match="has 2 entries, the current version 10; fewer than 8"):
        import_list("opensanctions", {"csv": OPENSANCTIONS_CSV.encode()}, origin="test")
    shrunk = import_list("opensanctions", {"csv": OPENSANCTIONS_CSV.encode()}, origin="test", allow_shrink=True)
    assert shrunk.status == ImportStatus.CURRENT
    assert SanctionsListVersion.objects.filter(status=ImportStatus.SUPERSEDED).count() == 1


def test_new_version_supersedes_current(db):
    first = import_list("uk", {"list": UK_XML.encode()}, origin="test")
    second = import_list("uk", {"list": UK_XML.encode()}, origin="test")
    first.refresh_from_db()
    assert first.status == ImportStatus.SUPERSEDED
    assert second.status == ImportStatus.CURRENT
    assert SanctionedEntity.objects.filter(version=second).count() == 2


class ListHandler(http.server.BaseHTTPRequestHandler):
    routes = {}

    def do_GET(self):
        body = self.routes.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def list_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ListHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", ListHandler.routes
    server.shutdown()
    server.server_close()
    ListHandler.routes.clear()


def test_import_from_configured_url(db, settings, list_server):
    base, routes = list_server
    routes.update({"/sdn.csv": SDN_CSV.encode(), "/alt.csv": ALT_CSV.encode(), "/add.csv": ADD_CSV.encode()})
    settings.KYC_LIST_URLS = {"ofac_sdn": f"{base}/sdn.csv", "ofac_alt": f"{base}/alt.csv", "ofac_add": f"{base}/add.csv"}
    version = import_from_url("ofac")
    assert version.entity_count == 4
    assert version.origin == f"{base}/sdn.csv, {base}/alt.csv, {base}/add.csv"


def test_url_not_found_fails_clearly(db, settings, list_server):
    base, _routes = list_server
    settings.KYC_LIST_URLS = {"un": f"{base}/missing.xml"}
    with pytest.raises(ImportFailed, match=r"Download of .*/missing.xml failed: HTTP 404"):
        import_from_url("un")


def test_url_without_configuration_fails(db, settings):
    settings.KYC_LIST_URLS = {}
    with pytest.raises(ImportFailed, match="No URL configured for eu; set them in KYC_LIST_URLS"):
        import_from_url("eu")


def test_non_http_url_rejected(db, settings):
    settings.KYC_LIST_URLS = {"uk": "file:///etc/passwd"}
    with pytest.raises(ImportFailed, match="uses file; only http and https are allowed"):
        import_from_url("uk")


def test_import_command_reads_file(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "uk.xml"
    path.write_text(UK_XML)
    output = StringIO()
    call_command("import_sanctions_list", "uk", str(path), stdout=output)
    version = SanctionsListVersion.objects.get(status=ImportStatus.CURRENT)
    assert output.getvalue() == f"Imported uk as version {version.pk}: 2 entries, 4 names.\n"


def test_import_command_reports_failure(db, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "uk.xml"
    path.write_text(UK_XML[:300])
    with pytest.raises(CommandError, match="UK sanctions list is not well-formed XML"):
        call_command("import_sanctions_list", "uk", str(path))
