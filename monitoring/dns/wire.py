"""DNS wire format: pre-built questions and a minimal reply parser.

The bulk resolver parses every reply here instead of through
`dns.message.from_wire`, which costs about 225 microseconds per reply and
would cap a scan near a few thousand lookups per second. The parser reads
only what a scan needs: id, flags, rcode, the echoed question and the answer
section (A, CNAME, PTR, TXT). Anything it cannot read raises `WireError`, and
the resolver then hands the reply to dnspython.
"""

import ipaddress
import re
import struct

TYPE_A = 1
TYPE_CNAME = 5
TYPE_PTR = 12
TYPE_TXT = 16
CLASS_IN = 1

RCODE_NOERROR = 0
RCODE_FORMERR = 1
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_REFUSED = 5

FLAG_QR = 0x8000
FLAG_TC = 0x0200

# Header after the id: flags RD (recursion desired), one question, no
# answers, no authority records, one additional record (the EDNS OPT record).
_HEADER_TAIL = struct.pack(">HHHHH", 0x0100, 1, 0, 0, 1)
# EDNS0 OPT record: root owner, type 41, UDP payload size 1232 (the size the
# DNS flag day 2020 settled on to avoid fragmentation), no options.
_OPT_RECORD = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)

_HEADER = struct.Struct(">HHHHHH")
_RR_FIXED = struct.Struct(">HHIH")


class WireError(ValueError):
    """A reply the minimal parser cannot read."""


def encode_name(name):
    """Return the wire form of a dotted name (no compression), lowercased."""
    name = name.rstrip(".").lower()
    if not name:
        return b"\x00"
    parts = []
    for label in name.split("."):
        raw = label.encode("ascii")
        if not 0 < len(raw) < 64:
            raise WireError(f"invalid label {label!r} in {name!r}: labels are 1 to 63 octets")
        parts.append(bytes((len(raw),)) + raw)
    parts.append(b"\x00")
    wire = b"".join(parts)
    if len(wire) > 255:
        raise WireError(f"name {name!r} is longer than 255 octets")
    return wire


def encode_question(name, qtype):
    """Return the question section (name, type, class IN) for `name`."""
    return encode_name(name) + struct.pack(">HH", qtype, CLASS_IN)


def build_query(query_id, question):
    """Return a full query message from an id and a pre-built question section."""
    return struct.pack(">H", query_id) + _HEADER_TAIL + question + _OPT_RECORD


def reverse_name(address):
    """Return the in-addr.arpa name of an IPv4 address given as int or text."""
    value = int(ipaddress.IPv4Address(address))
    return (
        f"{value & 255}.{(value >> 8) & 255}.{(value >> 16) & 255}.{value >> 24}.in-addr.arpa"
    )


# Wire-format labels "0" to "255", for building reverse names without encoding.
_OCTET_LABELS = tuple(bytes((len(str(n)),)) + str(n).encode() for n in range(256))
_REVERSE_SUFFIX = b"\x07in-addr\x04arpa\x00"


def reverse_question(value, qtype=TYPE_PTR):
    """Return the question section for the reverse name of an integer IPv4 address.

    This is the hot path of building a scan, so it skips `encode_name`.
    """
    labels = _OCTET_LABELS
    return (labels[value & 255] + labels[(value >> 8) & 255] + labels[(value >> 16) & 255]
            + labels[value >> 24] + _REVERSE_SUFFIX + struct.pack(">HH", qtype, CLASS_IN))


def read_name(data, offset):
    """Read a possibly compressed name at `offset`; return (dotted lowercase name, next offset)."""
    labels = []
    end = None
    jumps = 0
    length_total = 0
    size = len(data)
    while True:
        if offset >= size:
            raise WireError("name runs past the end of the message")
        length = data[offset]
        if length == 0:
            offset += 1
            break
        if length >= 0xC0:
            if offset + 1 >= size:
                raise WireError("truncated compression pointer")
            if end is None:
                end = offset + 2
            jumps += 1
            if jumps > 64:
                raise WireError("compression pointer loop")
            offset = ((length & 0x3F) << 8) | data[offset + 1]
            continue
        if length & 0xC0:
            raise WireError(f"unsupported label type 0x{length:02x}")
        offset += 1
        if offset + length > size:
            raise WireError("label runs past the end of the message")
        length_total += length + 1
        if length_total > 255:
            raise WireError("name longer than 255 octets")
        labels.append(data[offset:offset + length])
        offset += length
    # Join the raw labels and decode once: cheaper than decoding each label.
    name = b".".join(labels).decode("ascii", "backslashreplace")
    if not name.isprintable():
        # A label may hold any octet. Control characters are written as
        # \DDD, as in zone files, since PostgreSQL stores no NUL in text
        # and a hostname with one would fail the scan's write.
        name = _CONTROL.sub(_decimal_escape, name)
    return name.lower(), (end if end is not None else offset)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _decimal_escape(match):
    return f"\\{ord(match.group()):03d}"


def parse_reply(data, question_length):
    """Parse a reply whose question the caller has already matched.

    Returns (rcode, truncated, answers) where answers is a list of
    (owner, rtype, value): value is a name for CNAME and PTR, dotted text for
    A, a tuple of byte strings for TXT and None for other types.
    """
    if len(data) < 12:
        raise WireError("reply shorter than a DNS header")
    _, flags, qdcount, ancount, _, _ = _HEADER.unpack_from(data, 0)
    if not flags & FLAG_QR:
        raise WireError("message is a query, not a reply")
    rcode = flags & 0x000F
    truncated = bool(flags & FLAG_TC)
    if qdcount != 1:
        raise WireError(f"reply has {qdcount} questions, expected 1")
    offset = 12 + question_length
    answers = []
    for _ in range(ancount):
        if data[offset] == 0xC0 and data[offset + 1] == 12:
            # The common case: the owner is a pointer to the question name.
            owner = None
            offset += 2
        else:
            owner, offset = read_name(data, offset)
        if offset + 10 > len(data):
            raise WireError("resource record runs past the end of the message")
        rtype, _, _, rdlength = _RR_FIXED.unpack_from(data, offset)
        offset += 10
        end = offset + rdlength
        if end > len(data):
            raise WireError("record data runs past the end of the message")
        if rtype == TYPE_PTR or rtype == TYPE_CNAME:
            value = read_name(data, offset)[0]
        elif rtype == TYPE_A:
            if rdlength != 4:
                raise WireError("A record data is not 4 octets")
            value = "%d.%d.%d.%d" % (data[offset], data[offset + 1], data[offset + 2], data[offset + 3])
        elif rtype == TYPE_TXT:
            strings = []
            position = offset
            while position < end:
                size = data[position]
                strings.append(bytes(data[position + 1:position + 1 + size]))
                position += 1 + size
            value = tuple(strings)
        else:
            value = None
        answers.append((owner, rtype, value))
        offset = end
    return rcode, truncated, answers


def parse_with_dnspython(data):
    """Parse a reply through dnspython; the fallback for replies `parse_reply` rejects."""
    import dns.message
    import dns.rdatatype

    message = dns.message.from_wire(data, ignore_trailing=True)
    answers = []
    for rrset in message.answer:
        owner = rrset.name.to_text(omit_final_dot=True).lower()
        for rdata in rrset:
            if rrset.rdtype in (dns.rdatatype.PTR, dns.rdatatype.CNAME):
                value = rdata.target.to_text(omit_final_dot=True).lower()
            elif rrset.rdtype == dns.rdatatype.A:
                value = rdata.address
            elif rrset.rdtype == dns.rdatatype.TXT:
                value = tuple(rdata.strings)
            else:
                value = None
            answers.append((owner, int(rrset.rdtype), value))
    return message.rcode(), bool(message.flags & FLAG_TC), answers
