"""Zone data the test servers serve.

192.0.2.0/24 (reverse zone 2.0.192.in-addr.arpa):
- .1 to .9 have PTRs host-N.example.test; .10 has none (NXDOMAIN, a gap);
  .11 has only a TXT record (NODATA for PTR);
- .64 to .127 are delegated RFC 2317 style to 64-127.2.0.192.in-addr.arpa
  with a CNAME per address; the child zone has PTRs for .65 to .70 and none
  for .71, whose CNAME therefore ends in NXDOMAIN.
example.test has A records for the host-N names: host-1 to host-8 point
back to their address, host-9 points elsewhere (FCrDNS fails).
"""

SOA = "@ 3600 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 900 604800 300\n@ 3600 IN NS ns1.example.test.\n"


def _parent():
    lines = ["$ORIGIN 2.0.192.in-addr.arpa.", "$TTL 3600", SOA]
    lines += [f"{n} IN PTR host-{n}.example.test." for n in range(1, 10)]
    lines.append('11 IN TXT "no ptr here"')
    lines.append("64-127 IN NS ns1.example.test.")
    lines += [f"{n} IN CNAME {n}.64-127.2.0.192.in-addr.arpa." for n in range(64, 128)]
    return "\n".join(lines) + "\n"


def _child():
    lines = ["$ORIGIN 64-127.2.0.192.in-addr.arpa.", "$TTL 3600", SOA]
    lines += [f"{n} IN PTR classless-{n}.example.test." for n in range(65, 71)]
    return "\n".join(lines) + "\n"


def _forward():
    lines = ["$ORIGIN example.test.", "$TTL 3600", SOA, "ns1 IN A 127.0.0.1"]
    lines += [f"host-{n} IN A 192.0.2.{n}" for n in range(1, 9)]
    lines.append("host-9 IN A 198.51.100.9")
    return "\n".join(lines) + "\n"


REVERSE_ZONES = {
    "2.0.192.in-addr.arpa": _parent(),
    "64-127.2.0.192.in-addr.arpa": _child(),
    "example.test": _forward(),
}

BLOCKLIST_ZONE = "bl.example.test"
# rbldnsd ip4set: a ":A:TXT" line sets the default answer for the lines after it.
BLOCKLIST_DATA = """\
:127.0.0.2:Listed for spam, see https://bl.example.test/lookup?ip=$
192.0.2.5
192.0.2.6
192.0.2.7 :127.0.0.10:Dynamic or end-user space (policy)
"""
