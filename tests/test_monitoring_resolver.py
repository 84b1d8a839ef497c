"""The bulk resolver against NSD and the programmable server on loopback."""

import pytest

from monitoring.dns import wire
from monitoring.dns.resolver import Outcome, parse_server
from tests.dns.fixtures import nsd_server, programmable_server  # noqa: F401
from tests.dns.fixtures import patient_resolver

PTR = wire.TYPE_PTR
A = wire.TYPE_A


def _resolve(server, names, qtype=PTR, **options):
    resolver = patient_resolver(server, **options)
    return {result.key: result for result in resolver.resolve((name, name, qtype) for name in names)}


def test_ptr_answer_from_nsd(nsd_server):
    result = _resolve(nsd_server, ["1.2.0.192.in-addr.arpa"])["1.2.0.192.in-addr.arpa"]
    assert result.outcome == Outcome.ANSWER
    assert result.values == ("host-1.example.test",)
    assert result.cnames == ()


def test_gap_is_nxdomain(nsd_server):
    result = _resolve(nsd_server, ["10.2.0.192.in-addr.arpa"])["10.2.0.192.in-addr.arpa"]
    assert result.outcome == Outcome.NXDOMAIN
    assert result.values == ()


def test_name_without_ptr_is_nodata(nsd_server):
    result = _resolve(nsd_server, ["11.2.0.192.in-addr.arpa"])["11.2.0.192.in-addr.arpa"]
    assert result.outcome == Outcome.NODATA


def test_rfc2317_cname_is_followed(nsd_server):
    result = _resolve(nsd_server, ["65.2.0.192.in-addr.arpa"])["65.2.0.192.in-addr.arpa"]
    assert result.outcome == Outcome.ANSWER
    assert result.values == ("classless-65.example.test",)
    assert result.cnames == ("65.64-127.2.0.192.in-addr.arpa",)


def test_rfc2317_cname_to_missing_name_is_nxdomain(nsd_server):
    result = _resolve(nsd_server, ["71.2.0.192.in-addr.arpa"])["71.2.0.192.in-addr.arpa"]
    assert result.outcome == Outcome.NXDOMAIN


def test_whole_reverse_zone_keeps_outcomes_apart(nsd_server):
    names = [f"{n}.2.0.192.in-addr.arpa" for n in range(256)]
    results = _resolve(nsd_server, names, max_in_flight=16)
    outcomes = {}
    for result in results.values():
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    assert len(results) == 256
    # .1-.9 and .65-.70 answer, .11 is NODATA, everything else NXDOMAIN.
    assert outcomes == {Outcome.ANSWER: 15, Outcome.NODATA: 1, Outcome.NXDOMAIN: 240}


def test_single_query_in_flight_still_resolves_all(nsd_server):
    names = [f"{n}.2.0.192.in-addr.arpa" for n in range(1, 10)]
    results = _resolve(nsd_server, names, max_in_flight=1, sockets=1)
    assert [results[name].values for name in names] == [(f"host-{n}.example.test",) for n in range(1, 10)]


def test_paced_resolver_answers_everything(nsd_server):
    names = [f"{n}.2.0.192.in-addr.arpa" for n in range(1, 10)]
    results = _resolve(nsd_server, names, rate=200)
    assert {results[name].outcome for name in names} == {Outcome.ANSWER}


def test_forward_a_lookup(nsd_server):
    result = _resolve(nsd_server, ["host-9.example.test"], A)["host-9.example.test"]
    assert result.values == ("198.51.100.9",)


def test_servfail_kept_apart(programmable_server):
    programmable_server.behaviours["a.test"] = ("servfail",)
    assert _resolve(programmable_server, ["a.test"], A)["a.test"].outcome == Outcome.SERVFAIL


def test_refused_kept_apart(programmable_server):
    programmable_server.behaviours["a.test"] = ("refused",)
    assert _resolve(programmable_server, ["a.test"], A)["a.test"].outcome == Outcome.REFUSED


def test_dropped_query_times_out_after_retries(programmable_server):
    programmable_server.behaviours["a.test"] = ("drop",)
    result = _resolve(programmable_server, ["a.test"], A, timeout=0.2, retries=2)["a.test"]
    assert result.outcome == Outcome.TIMEOUT
    assert programmable_server.seen[("a.test", "udp")] == 3


def test_reply_with_other_question_is_ignored(programmable_server):
    programmable_server.behaviours["a.test"] = ("mismatch",)
    result = _resolve(programmable_server, ["a.test"], A, timeout=0.2, retries=0)["a.test"]
    assert result.outcome == Outcome.TIMEOUT


def test_truncated_reply_retried_over_tcp(programmable_server):
    programmable_server.behaviours["a.test"] = ("truncate", "A", ["192.0.2.1"])
    result = _resolve(programmable_server, ["a.test"], A)["a.test"]
    assert result.outcome == Outcome.ANSWER
    assert result.values == ("192.0.2.1",)
    assert programmable_server.seen[("a.test", "tcp")] == 1


def test_error_code_answer_is_plain_answer(programmable_server):
    programmable_server.behaviours["a.test"] = ("answer", "A", ["127.255.255.254"])
    result = _resolve(programmable_server, ["a.test"], A)["a.test"]
    assert result.outcome == Outcome.ANSWER
    assert result.values == ("127.255.255.254",)


def test_nodata_from_programmable_server(programmable_server):
    programmable_server.behaviours["a.test"] = ("nodata",)
    assert _resolve(programmable_server, ["a.test"], A)["a.test"].outcome == Outcome.NODATA


def test_invalid_name_is_error_without_query(programmable_server):
    name = "x" * 70 + ".test"
    result = _resolve(programmable_server, [name], A)[name]
    assert result.outcome == Outcome.ERROR
    assert "1 to 63 octets" in result.detail


def test_parse_server_host_and_port():
    assert parse_server("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_server("127.0.0.1") == ("127.0.0.1", 53)


def test_parse_server_rejects_bad_port():
    with pytest.raises(ValueError, match="expected host:port"):
        parse_server("127.0.0.1:dns")
