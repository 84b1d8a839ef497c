"""Spamhaus DROP import, the listing guard and overlap flags."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from monitoring.models import DropEntry, DropImport, DropOverlap, OperationalAlert
from monitoring.prefixlists import ensure_not_on_drop, import_drop, parse_drop

net = ipaddress.IPv4Network

LEGACY = """\
; Spamhaus DROP List 2026/12/01 - (c) 2026 The Spamhaus Project
; Last-Modified: Tue, 01 Dec 2026 10:00:00 GMT
198.18.0.0/16 ; SBL100001
203.0.113.128/25 ; SBL100002
"""

JSON_LINES = """\
{"cidr":"198.18.0.0/16","sblid":"SBL100001","rir":"arin"}
{"cidr":"203.0.113.128/25","sblid":"SBL100002","rir":"apnic"}
{"type":"metadata","timestamp":1764583200,"size":2,"records":2,"copyright":"(c) 2026 The Spamhaus Project"}
"""


def test_parse_legacy_text():
    file_format, entries = parse_drop(LEGACY)
    assert file_format == DropImport.Format.TEXT
    assert entries == [(net("198.18.0.0/16"), "SBL100001", ""), (net("203.0.113.128/25"), "SBL100002", "")]


def test_parse_json_lines_skips_metadata():
    file_format, entries = parse_drop(JSON_LINES)
    assert file_format == DropImport.Format.JSON
    assert entries == [(net("198.18.0.0/16"), "SBL100001", "arin"),
                       (net("203.0.113.128/25"), "SBL100002", "apnic")]


def test_parse_rejects_bad_prefix_with_line_number():
    with pytest.raises(ValidationError, match=r"Line 2: '203\.0\.113\.1/25' is not an IPv4 prefix"):
        parse_drop("198.18.0.0/16 ; SBL1\n203.0.113.1/25 ; SBL2\n")


def test_parse_rejects_json_line_without_cidr():
    with pytest.raises(ValidationError, match=r'Line 1 has no "cidr" field'):
        parse_drop('{"sblid":"SBL1"}\n')


def test_parse_rejects_empty_file():
    with pytest.raises(ValidationError, match="The DROP file is empty"):
        parse_drop("\n\n")


def test_import_replaces_previous_entries(db):
    import_drop(filename="drop.txt", raw=LEGACY)
    import_drop(filename="drop_v4.json", raw='{"cidr":"192.0.2.0/24","sblid":"SBL3"}\n')
    assert list(DropEntry.objects.values_list("sbl_id", flat=True)) == ["SBL3"]


def test_failed_import_keeps_raw_file_and_old_entries(db):
    import_drop(filename="drop.txt", raw=LEGACY)
    with pytest.raises(ValidationError):
        import_drop(filename="broken.txt", raw="not-a-prefix ; SBL9\n")
    broken = DropImport.objects.get(filename="broken.txt")
    assert broken.raw == "not-a-prefix ; SBL9\n"
    assert broken.error.startswith("Line 1: 'not-a-prefix' is not an IPv4 prefix")
    assert DropEntry.objects.count() == 2


def test_prefix_on_drop_rejected(db):
    import_drop(filename="drop.txt", raw=LEGACY)
    with pytest.raises(ValidationError) as info:
        ensure_not_on_drop("203.0.113.0/24")
    assert info.value.messages == [
        "203.0.113.0/24 overlaps 203.0.113.128/25 (SBL100002) on the Spamhaus DROP list; "
        "space on DROP cannot be listed. Have it removed from DROP first."
    ]


def test_prefix_outside_drop_accepted(db):
    import_drop(filename="drop.txt", raw=LEGACY)
    assert ensure_not_on_drop("192.0.2.0/24") is None


def test_import_flags_existing_overlapping_block(holder, make_listing):
    listing = make_listing(holder, "198.18.4.0/22")
    import_drop(filename="drop.txt", raw=LEGACY)
    flag = DropOverlap.objects.get()
    assert flag.block_id == listing.block_id
    assert (str(flag.cidr), flag.sbl_id) == ("198.18.0.0/16", "SBL100001")
    assert "Block 198.18.4.0/22" in OperationalAlert.objects.get().message


def test_reimport_does_not_flag_twice(holder, make_listing):
    make_listing(holder, "198.18.4.0/22")
    import_drop(filename="drop.txt", raw=LEGACY)
    import_drop(filename="drop.txt", raw=LEGACY)
    assert DropOverlap.objects.count() == 1


def test_import_command_reads_file(db, tmp_path):
    path = tmp_path / "drop_v4.json"
    path.write_text(JSON_LINES)
    call_command("import_drop", str(path))
    assert DropEntry.objects.count() == 2


def test_demo_seed_is_idempotent(db):
    import io

    from monitoring import demo
    from monitoring.models import DnsblZone

    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    zone = DnsblZone.objects.get()
    assert zone.is_enabled is False
    assert zone.return_codes.count() == 13


def test_admin_upload_imports_file(client, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = make_user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    upload = SimpleUploadedFile("drop.txt", LEGACY.encode(), content_type="text/plain")
    response = client.post("/admin/monitoring/dropimport/upload/", {"file": upload})
    assert response.status_code == 302
    assert DropEntry.objects.count() == 2


def test_admin_upload_refused_to_non_staff(client, make_user):
    client.force_login(make_user())
    response = client.get("/admin/monitoring/dropimport/upload/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
