import ipaddress

import dns.message
import dns.name
import dns.rdatatype
import dns.rrset
import pytest

from monitoring.dns import wire


def _reply(qname, rtype, *records, rcode=0):
    query = dns.message.make_query(qname, rtype)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    for owner, record_type, values in records:
        response.answer.append(dns.rrset.from_text(owner + ".", 300, "IN", record_type, *values))
    return query, response.to_wire()


def test_reverse_question_matches_dnspython():
    ip = int(ipaddress.IPv4Address("192.0.2.10"))
    expected = dns.name.from_text("10.2.0.192.in-addr.arpa").to_wire() + b"\x00\x0c\x00\x01"
    assert wire.reverse_question(ip) == expected


def test_build_query_parses_in_dnspython():
    message = dns.message.from_wire(wire.build_query(4321, wire.encode_question("Example.Test.", wire.TYPE_A)))
    assert message.id == 4321
    assert message.question[0].name == dns.name.from_text("example.test")
    assert message.question[0].rdtype == dns.rdatatype.A
    assert message.edns == 0
    assert message.payload == 1232


def test_reverse_name_of_address():
    assert wire.reverse_name("198.51.100.7") == "7.100.51.198.in-addr.arpa"


def test_encode_name_rejects_long_label():
    with pytest.raises(wire.WireError, match="labels are 1 to 63 octets"):
        wire.encode_name("a" * 64 + ".example.test")


def test_parse_reply_ptr_answer():
    query, data = _reply("10.2.0.192.in-addr.arpa", "PTR",
                         ("10.2.0.192.in-addr.arpa", "PTR", ["mail.example.test."]))
    question = wire.encode_question("10.2.0.192.in-addr.arpa", wire.TYPE_PTR)
    rcode, truncated, answers = wire.parse_reply(data, len(question))
    assert rcode == 0
    assert truncated is False
    assert answers == [(None, wire.TYPE_PTR, "mail.example.test")]


@pytest.mark.parametrize(("published", "read"), [
    ("bad\\000name.example.test.", "bad\\000name.example.test"),
    ("tab\\009and\\127del.example.test.", "tab\\009and\\127del.example.test"),
    ("MiXed.Example.Test.", "mixed.example.test"),
])
def test_parse_reply_escapes_control_octets(published, read):
    _, data = _reply("10.2.0.192.in-addr.arpa", "PTR", ("10.2.0.192.in-addr.arpa", "PTR", [published]))
    question = wire.encode_question("10.2.0.192.in-addr.arpa", wire.TYPE_PTR)
    assert wire.parse_reply(data, len(question))[2] == [(None, wire.TYPE_PTR, read)]


def test_parse_reply_cname_chain_names_owners():
    _, data = _reply(
        "65.2.0.192.in-addr.arpa", "PTR",
        ("65.2.0.192.in-addr.arpa", "CNAME", ["65.64-127.2.0.192.in-addr.arpa."]),
        ("65.64-127.2.0.192.in-addr.arpa", "PTR", ["host.example.test."]),
    )
    question = wire.encode_question("65.2.0.192.in-addr.arpa", wire.TYPE_PTR)
    _, _, answers = wire.parse_reply(data, len(question))
    assert answers == [
        (None, wire.TYPE_CNAME, "65.64-127.2.0.192.in-addr.arpa"),
        ("65.64-127.2.0.192.in-addr.arpa", wire.TYPE_PTR, "host.example.test"),
    ]


def test_parse_reply_txt_strings():
    _, data = _reply("5.2.0.192.bl.example.test", "TXT",
                     ("5.2.0.192.bl.example.test", "TXT", ['"listed" "for spam"']))
    question = wire.encode_question("5.2.0.192.bl.example.test", wire.TYPE_TXT)
    _, _, answers = wire.parse_reply(data, len(question))
    assert answers == [(None, wire.TYPE_TXT, (b"listed", b"for spam"))]


def test_parse_reply_nxdomain_rcode():
    _, data = _reply("10.2.0.192.in-addr.arpa", "PTR", rcode=3)
    question = wire.encode_question("10.2.0.192.in-addr.arpa", wire.TYPE_PTR)
    assert wire.parse_reply(data, len(question)) == (3, False, [])


def test_parse_reply_agrees_with_dnspython_fallback():
    _, data = _reply("host.example.test", "A", ("host.example.test", "A", ["192.0.2.1", "192.0.2.2"]))
    question = wire.encode_question("host.example.test", wire.TYPE_A)
    _, _, fast = wire.parse_reply(data, len(question))
    _, _, slow = wire.parse_with_dnspython(data)
    assert sorted(value for _, _, value in fast) == sorted(value for _, _, value in slow)


def test_parse_reply_rejects_truncated_record():
    _, data = _reply("host.example.test", "A", ("host.example.test", "A", ["192.0.2.1"]))
    question = wire.encode_question("host.example.test", wire.TYPE_A)
    with pytest.raises(wire.WireError, match="past the end"):
        wire.parse_reply(data[:-2], len(question))


def test_read_name_rejects_pointer_loop():
    data = b"\x00" * 12 + b"\xc0\x0c"
    with pytest.raises(wire.WireError, match="loop"):
        wire.read_name(data, 12)
