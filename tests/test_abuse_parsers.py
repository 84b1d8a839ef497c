import io
import ipaddress
import json
import zipfile
from pathlib import Path

import pytest

from abuse.choices import Category, Confidence
from abuse.parsing import ParseError, parse
from abuse.parsing.times import parse_time
from tests.abuse_helpers import utc

SAMPLES = Path(__file__).parent / "abuse_samples"


def sample(name):
    return (SAMPLES / name).read_bytes()


def only_event(result):
    assert len(result.events) == 1
    return result.events[0]


def test_arf_with_source_ip():
    result = parse(sample("arf_with_source_ip.eml"), "message/rfc822")
    event = only_event(result)
    assert result.parser == "arf"
    assert event.ip == ipaddress.IPv4Address("198.51.100.23")
    assert event.occurred_at == utc(2026, 3, 1, 11, 10)
    assert event.zone_assumed is False
    assert event.category == Category.SPAM
    assert event.type == "arf-abuse"
    assert event.reporter == "feedback@mailbox.example"
    assert event.evidence["Incidents"] == "3"


def test_arf_without_source_ip_uses_first_external_hop():
    result = parse(sample("arf_without_source_ip.eml"), "message/rfc822")
    event = only_event(result)
    assert event.ip == ipaddress.IPv4Address("198.51.100.77")
    assert "first external Received hop" in result.notes[0]


def test_arf_received_date_without_zone_assumed_utc():
    event = only_event(parse(sample("arf_without_source_ip.eml"), "message/rfc822"))
    assert event.occurred_at == utc(2026, 3, 2, 7, 45)
    assert event.zone_assumed is True


def test_arf_without_any_source_fails_loudly():
    raw = sample("arf_without_source_ip.eml").replace(b"[198.51.100.77]", b"[10.9.9.9]")
    with pytest.raises(ParseError, match="no Source-IP and the original message has no Received header"):
        parse(raw, "message/rfc822")


def test_arf_without_feedback_type_fails():
    raw = sample("arf_with_source_ip.eml").replace(b"Feedback-Type: abuse\n", b"")
    with pytest.raises(ParseError, match="no Feedback-Type"):
        parse(raw, "message/rfc822")


def test_xarf02_report():
    result = parse(sample("xarf02.eml"), "message/rfc822")
    event = only_event(result)
    assert result.parser == "x-arf"
    assert event.ip == ipaddress.IPv4Address("198.51.100.44")
    assert event.port == 22
    assert event.occurred_at == utc(2026, 3, 3, 8, 15)
    assert event.category == Category.LOGIN_ATTACK
    assert event.reporter == "reports@ids.example"


def test_xarf02_without_report_part_fails():
    raw = sample("xarf02.eml").replace(b'filename="report.txt"', b'filename="other.txt"').replace(
        b'name="report.txt"', b'name="other.txt"'
    )
    with pytest.raises(ParseError, match="no report.txt part"):
        parse(raw, "message/rfc822")


def test_xarf4_json():
    result = parse(sample("xarf4.json"), "application/json")
    event = only_event(result)
    assert result.parser == "xarf4"
    assert event.ip == ipaddress.IPv4Address("198.51.100.66")
    assert event.port == 44321
    assert event.category == Category.SCANNING
    assert event.reporter == "Example Honeynet"
    assert event.occurred_at == utc(2026, 3, 4, 10)


def test_xarf4_attached_to_mail():
    raw = (
        b"From: bot@honeynet.example\nSubject: XARF report\nDate: Wed, 04 Mar 2026 10:05:00 +0000\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="j"\n\n--j\nContent-Type: text/plain\n\n'
        b"See attachment.\n--j\nContent-Type: application/json\n\n" + sample("xarf4.json") + b"\n--j--\n"
    )
    event = only_event(parse(raw, "message/rfc822"))
    assert event.ip == ipaddress.IPv4Address("198.51.100.66")


def test_xarf4_domain_source_rejected():
    raw = sample("xarf4.json").replace(b'"198.51.100.66"', b'"phish.example"')
    with pytest.raises(ParseError, match="source_identifier 'phish.example' is not an IPv4 address"):
        parse(raw, "application/json")


def test_xarf4_missing_timestamp_rejected():
    raw = sample("xarf4.json").replace(b'"timestamp"', b'"seen"')
    with pytest.raises(ParseError, match="no 'timestamp'"):
        parse(raw, "application/json")


def test_csv_feed_with_renamed_columns():
    result = parse(sample("feed_renamed.csv"), "text/csv")
    assert result.parser == "csv"
    assert [str(event.ip) for event in result.events] == ["198.51.100.10", "198.51.100.11"]
    assert result.events[0].category == Category.BOTNET
    assert result.events[0].type == "mirai"
    assert result.events[0].zone_assumed is True
    assert result.events[1].port == 23
    assert result.notes == ["Row 4 skipped: The address 'not-an-ip' is not an IPv4 address; "
                            "write it as four numbers from 0 to 255, such as 192.0.2.1."]


def test_csv_feed_zipped():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("2026-03-05-botnet_drone.csv", sample("feed_renamed.csv"))
    result = parse(buffer.getvalue(), "application/zip")
    assert len(result.events) == 2
    assert result.events[0].category == Category.BOTNET


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_csv_zip_expanding_past_parse_limit_fails(settings):
    settings.ABUSE_MAX_PARSE_BYTES = 1_000_000
    feed = sample("feed_renamed.csv")
    raw = zipped({"a.csv": feed, "b.csv": feed + b"\n" * 1_000_000})
    assert len(raw) < 10_000
    with pytest.raises(ParseError) as error:
        parse(raw, "application/zip")
    assert str(error.value) == ("The zip archive expands to more than 1000000 bytes (ABUSE_MAX_PARSE_BYTES); it is "
                                "stored, and staff can raise the limit and parse it again.")


def test_csv_zip_with_corrupt_member_fails():
    raw = bytearray(zipped({"feed.csv": sample("feed_renamed.csv") * 20}))
    raw[60] ^= 0xFF  # inside the compressed data of the only member
    with pytest.raises(ParseError) as error:
        parse(bytes(raw), "application/zip")
    assert str(error.value).startswith("The zip member feed.csv cannot be read: ")


def test_csv_feed_without_address_column_fails():
    with pytest.raises(ParseError, match="has no address column"):
        parse(b"timestamp,asn\n2026-03-05 01:00:00,64500\n", "text/csv")


def test_csv_feed_with_only_bad_rows_fails():
    with pytest.raises(ParseError, match="no readable row"):
        parse(b"timestamp,ip\nyesterday,198.51.100.1\n", "text/csv")


def test_plain_text_complaint_low_confidence():
    result = parse(sample("complaint.eml"), "message/rfc822")
    event = only_event(result)
    assert result.parser == "text"
    assert event.ip == ipaddress.IPv4Address("198.51.100.99")
    assert event.confidence == Confidence.LOW
    assert event.category == Category.PHISHING


def test_plain_text_time_without_zone_flagged():
    event = only_event(parse(sample("complaint.eml"), "message/rfc822"))
    assert event.occurred_at == utc(2026, 3, 6, 13, 30)
    assert event.zone_assumed is True


def test_plain_text_without_address_fails():
    raw = b"From: a@b.example\nSubject: spam\nDate: Fri, 06 Mar 2026 14:00:00 +0100\n\nYou send spam.\n"
    with pytest.raises(ParseError, match="names no public IPv4 address"):
        parse(raw, "message/rfc822")


def test_malformed_mime_still_read_with_defect_noted():
    result = parse(sample("malformed.eml"), "message/rfc822")
    event = only_event(result)
    assert event.ip == ipaddress.IPv4Address("198.51.100.12")
    assert result.notes == [
        "MIME defects: MultipartInvariantViolationDefect, StartBoundaryNotFoundDefect"
    ]


def test_not_mail_fails():
    with pytest.raises(ParseError, match="has no header"):
        parse(b"\x00\x01\x02 binary junk", "message/rfc822")


def test_unknown_content_type_fails():
    with pytest.raises(ParseError, match="Content type 'image/png' has no parser"):
        parse(b"x", "image/png")


def test_simple_json_unknown_category_lists_choices():
    with pytest.raises(ParseError, match="Category 'spamming' is unknown; use one of spam, phishing"):
        parse(b'{"ip": "198.51.100.1", "time": "2026-03-01T00:00:00Z", "category": "spamming"}', "application/json")


@pytest.mark.parametrize(
    "text, expected, assumed",
    [
        ("2026-03-01T12:00:00Z", utc(2026, 3, 1, 12), False),
        ("2026-03-01T12:00:00+0100", utc(2026, 3, 1, 11), False),
        ("2026-03-01 12:00:00 +01:00", utc(2026, 3, 1, 11), False),
        ("2026-03-01 12:00:00", utc(2026, 3, 1, 12), True),
        ("2026-03-01 12:00:00 UTC", utc(2026, 3, 1, 12), False),
        ("Sun, 01 Mar 2026 12:00:00 +0100", utc(2026, 3, 1, 11), False),
        ("Sun, 01 Mar 2026 12:00:00", utc(2026, 3, 1, 12), True),
        ("Sun, 01 Mar 2026 12:00:00 -0000", utc(2026, 3, 1, 12), True),
        ("1772366400", utc(2026, 3, 1, 12), False),
    ],
)
def test_time_notations(text, expected, assumed):
    assert parse_time(text) == (expected, assumed)


def test_time_unreadable_names_value():
    with pytest.raises(ParseError, match="The time 'yesterday' is not in a known format"):
        parse_time("yesterday")


JSON_BODY_ERRORS = [
    (b"", "The body is empty; send a JSON object with ip, time and category"),
    (b"  \n", "The body is empty; send a JSON object with ip, time and category"),
    (b"[]", "The list is empty; send at least one object with ip, time and category."),
    (b'"hello"', "A report must be a JSON object with ip, time and category."),
    (b'{"ip": "192.0.2.1", "time": "2026-03-01T12:00:00Z"}', "The category is missing; use one of spam, phishing"),
    (b'{"ip": "192.0.2.1", "time": "2026-03-01T12:00:00Z", "category": ""}', "The category is missing"),
    (b'{"ip": "192.0.2.1", "category": "spam"}',
     "The time is missing; give it in ISO 8601, for example 2026-03-01T12:00:00Z (UTC is assumed without a zone)."),
    (b'[{"ip": "192.0.2.1", "time": "2026-03-01T12:00:00Z", "category": "spam"}, {"ip": "::1"}]',
     "Item 2: The ip '::1' is an IPv6 address; the platform leases IPv4 space only."),
    (b'[{"ip": "192.0.2.1", "time": "2026-03-01T12:00:00Z", "category": "spam"}, 7]',
     "Item 2: A report must be a JSON object"),
]


@pytest.mark.parametrize(("body", "message"), JSON_BODY_ERRORS)
def test_simple_json_error_names_problem(body, message):
    with pytest.raises(ParseError) as raised:
        parse(body, "application/json")
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(("ip", "message"), [
    ("::1", "The ip '::1' is an IPv6 address; the platform leases IPv4 space only."),
    ("2001:db8::7", "The ip '2001:db8::7' is an IPv6 address; the platform leases IPv4 space only."),
    ("198.51.100.0/24", "The ip '198.51.100.0/24' is a prefix; give the one address the abuse came from."),
    ("198.51.100.300", "The ip '198.51.100.300' is not an IPv4 address; write it as four numbers from 0 to 255, "
                       "such as 192.0.2.1."),
    ("cheap-watches.example", "The ip 'cheap-watches.example' is not an IPv4 address; write it as four numbers "
                              "from 0 to 255, such as 192.0.2.1."),
    ("10.1.2.3", "The ip '10.1.2.3' is in 10.0.0.0/8, private space that no abuse on the Internet comes from; "
                 "give the public address the abuse came from."),
    ("192.168.4.5", "The ip '192.168.4.5' is in 192.168.0.0/16, private space that no abuse on the Internet "
                    "comes from; give the public address the abuse came from."),
    ("127.0.0.1", "The ip '127.0.0.1' is in 127.0.0.0/8, loopback space that no abuse on the Internet comes "
                  "from; give the public address the abuse came from."),
    ("169.254.1.1", "The ip '169.254.1.1' is in 169.254.0.0/16, link-local space that no abuse on the Internet "
                    "comes from; give the public address the abuse came from."),
])
def test_simple_json_address_error_names_value_and_fix(ip, message):
    body = json.dumps({"ip": ip, "time": "2026-03-01T12:00:00Z", "category": "spam"}).encode()
    with pytest.raises(ParseError) as raised:
        parse(body, "application/json")
    assert str(raised.value) == message


def test_simple_json_notes_unknown_fields():
    body = json.dumps({"ip": "198.51.100.7", "time": "2026-03-01T12:00:00Z", "category": "spam",
                       "reporter_email": "soc@example.net", "severity": "high"}).encode()
    result = parse(body, "application/json")
    assert result.notes == [
        "Field(s) 'reporter_email', 'severity' are not part of the form and were not read; the form takes ip, "
        "time, category, description, evidence, port, type, reporter. They stay in the stored report."]


def test_simple_json_list_notes_unknown_fields_by_item():
    body = json.dumps([{"ip": "198.51.100.7", "time": "2026-03-01T12:00:00Z", "category": "spam"},
                       {"ip": "198.51.100.8", "time": "2026-03-01T12:00:00Z", "category": "spam", "when": "x"}]).encode()
    result = parse(body, "application/json")
    assert result.notes == [
        "Item 2: Field(s) 'when' are not part of the form and were not read; the form takes ip, time, category, "
        "description, evidence, port, type, reporter. They stay in the stored report."]


@pytest.mark.parametrize("infection, category", [
    ("mirai", Category.BOTNET), ("gafgyt", Category.BOTNET), ("bashlite", Category.BOTNET),
    ("mozi", Category.BOTNET), ("necurs", Category.BOTNET), ("unknown-thing", Category.OTHER),
])
def test_csv_feed_infection_family_category(infection, category):
    raw = f'"time","src_ip","infection"\n"2026-03-05 01:02:03","198.51.100.10","{infection}"\n'.encode()
    assert parse(raw, "text/csv").events[0].category == category


def complaint(headers=b"", content_type=b"text/plain", body=b"Spam from 198.51.100.9 at 2026-03-01 10:00 UTC.\r\n"):
    """Return a plain mail complaint with extra `headers` (bytes, each ending in CRLF)."""
    return (b"From: reporter@example.net\r\nDate: Sun, 01 Mar 2026 12:30:00 +0000\r\n" + headers
            + b"Content-Type: " + content_type + b"\r\n\r\n" + body)


def test_unknown_charset_text_read_as_utf8_with_note():
    result = parse(complaint(content_type=b"text/plain; charset=x-unknown-cs"), "message/rfc822")
    assert str(only_event(result).ip) == "198.51.100.9"
    assert result.notes == ["Unknown charset 'x-unknown-cs'; the text was read as UTF-8."]


@pytest.mark.parametrize(("subject", "description"), [
    (b"Spam from caf\xc3\xa9 relay", "Spam from caf\u00e9 relay"),
    (b"Spam \xff\xfe relay", "Spam \ufffd\ufffd relay"),
])
def test_eight_bit_subject_read_as_text(subject, description):
    result = parse(complaint(b"Subject: " + subject + b"\r\n"), "message/rfc822")
    assert only_event(result).description == description


def test_eight_bit_arf_fields_read_as_text():
    raw = sample("arf_with_source_ip.eml").replace(b"User-Agent: ExampleFBL/1.0", b"User-Agent: Exampl\xe9FBL")
    event = only_event(parse(raw, "message/rfc822"))
    assert event.evidence["User-Agent"] == "Exampl\ufffdFBL"


def test_sender_with_unknown_encoded_word_kept_as_written():
    raw = complaint().replace(b"From: reporter@example.net", b"From: =?x-b\xc3\xa4d?Q?Bob?= <bob@example.net>")
    assert only_event(parse(raw, "message/rfc822")).reporter.endswith("<bob@example.net>")


@pytest.mark.parametrize("text", ["Mon, 2 Mar 2877025 10:00:00 +0000", "2 Mar 99999999999 10:00 +0000"])
def test_time_out_of_range_names_value(text):
    with pytest.raises(ParseError) as error:
        parse_time(text)
    assert str(error.value) == (f"The time {text!r} is out of range; give the time the abuse was seen, "
                                "for example 2026-03-01T12:00:00Z.")


def test_csv_lone_carriage_return_ends_row():
    body = b"ip,timestamp\r198.51.100.5,2026-03-01T00:00:00Z\r198.51.100.6,2026-03-01T00:00:00Z\r"
    result = parse(body, "text/csv")
    assert [str(event.ip) for event in result.events] == ["198.51.100.5", "198.51.100.6"]


def test_csv_row_over_field_limit_skipped_with_note():
    body = ("ip,timestamp,note\n198.51.100.5,2026-03-01T00:00:00Z,short\n"
            f"198.51.100.6,2026-03-01T00:00:00Z,\"{'x' * 140_000}\"\n"
            "198.51.100.7,2026-03-01T00:00:00Z,short\n").encode()
    result = parse(body, "text/csv")
    assert [str(event.ip) for event in result.events] == ["198.51.100.5", "198.51.100.7"]
    assert result.notes == ["Row 3 skipped: field larger than field limit (131072)"]


def test_simple_json_lone_surrogates_made_storable():
    body = (b'{"ip": "198.51.100.7", "time": "2026-03-01T12:00:00Z", "category": "spam", '
            b'"description": "bad \\ud800 text", "evidence": {"line": "x\\udcff"}}')
    event = only_event(parse(body, "application/json"))
    assert event.description == "bad \ufffd text"
    assert event.evidence == {"line": "x\ufffd"}


def test_empty_mail_named_empty():
    with pytest.raises(ParseError) as error:
        parse(b"  \r\n", "message/rfc822")
    assert str(error.value) == "The message is empty."


def test_arf_without_boundary_named():
    raw = sample("arf_with_source_ip.eml").replace(b'    boundary="part_boundary_1"', b"    charset=us-ascii")
    with pytest.raises(ParseError) as error:
        parse(raw, "message/rfc822")
    assert str(error.value) == ("The ARF report's Content-Type has no boundary parameter, so its parts cannot be "
                                "found; the sender must name the boundary (RFC 2046).")


def test_xarf4_unknown_type_and_category_noted():
    document = json.loads(sample("xarf4.json"))
    document.update(category="weird", type="zzz")
    result = parse(json.dumps(document).encode(), "application/json")
    assert only_event(result).category == Category.OTHER
    assert result.notes == ["XARF type 'zzz' and category 'weird' name no category of this platform, so the "
                            "report is filed as other."]
