"""Small sanctions lists for the demo, one per required source, in each list's real file format.

Every entry is invented, so that the demo can screen and approve clients
without downloading the real lists. Production imports the published files
(see import_sanctions_list); these are never loaded outside `seed_demo`.
"""

OFAC_SDN = (
    '900001,"NIGHTSHADE BULLETPROOF HOSTING LTD",-0- ,"CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"Website nightshade-hosting.invalid."\r\n'
    '900002,"SPAMOVICH, Ivan Demovich","individual","CYBER2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 01 Jan 1980; nationality Demoland."\r\n'
    "\x1a\r\n"
)
OFAC_ALT = '900001,90001,"aka","NIGHTSHADE HOSTING",-0- \r\n'
OFAC_ADD = '900001,90002,-0- ,"Port Demo","Demoland",-0- \r\n'

UN = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-12-01T00:00:00.000Z">
  <INDIVIDUALS/>
  <ENTITIES>
    <ENTITY>
      <DATAID>990001</DATAID>
      <FIRST_NAME>DARKRELAY NETWORK SERVICES</FIRST_NAME>
      <UN_LIST_TYPE>Demo</UN_LIST_TYPE>
      <REFERENCE_NUMBER>DEMO.001</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Darkrelay Networks</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""

EU = """<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-12-01T00:00:00.000+01:00">
  <sanctionEntity designationDate="2026-01-01" logicalId="990002">
    <regulation programme="DEMO" regulationType="regulation"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Snowshoe Mailing Solutions SRL" nameLanguage="EN"/>
  </sanctionEntity>
</export>
"""

UK = """<?xml version="1.0" encoding="utf-8"?>
<Designations>
  <Designation>
    <UniqueID>DEMO0001</UniqueID>
    <RegimeName>Demo regime</RegimeName>
    <IndividualEntityShip>Entity</IndividualEntityShip>
    <Names>
      <Name><Name6>HIJACKED PREFIX TRADING LIMITED</Name6><NameType>Primary Name</NameType></Name>
    </Names>
  </Designation>
</Designations>
"""

FILES = {
    "ofac": {"sdn": OFAC_SDN.encode("cp1252"), "alt": OFAC_ALT.encode(), "add": OFAC_ADD.encode()},
    "un": {"xml": UN.encode()},
    "eu": {"list": EU.encode()},
    "uk": {"list": UK.encode()},
}
