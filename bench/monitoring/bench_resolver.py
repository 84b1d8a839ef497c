"""Benchmark: resolve every PTR of a /16 served by NSD on loopback, with our resolver and dnsperf.

Run from the repository root:

    /work/venv/bin/python -m bench.monitoring.bench_resolver [--rounds 3]

NSD serves 64.100.in-addr.arpa (100.64.0.0/16, 65,536 PTRs) with rate
limiting off and one server process. Each round runs dnsperf once through
the 65,536 names, then the project's BulkResolver once, and prints both
rates and their ratio. Needs the nsd and dnsperf OS packages.
"""

import argparse
import os
import ipaddress
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from monitoring.dns import wire  # noqa: E402
from monitoring.dns.resolver import BulkResolver, Outcome  # noqa: E402
from tests.dns import servers  # noqa: E402

NETWORK = ipaddress.IPv4Network("100.64.0.0/16")


def reverse_zone(network):
    first = int(network.network_address)
    origin = f"{(first >> 16) & 255}.{first >> 24}.in-addr.arpa"
    lines = [f"$ORIGIN {origin}.", "$TTL 3600",
             "@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 900 604800 300",
             "@ IN NS ns1.example.test."]
    for ip in range(first, first + network.num_addresses):
        lines.append(f"{ip & 255}.{(ip >> 8) & 255} IN PTR host-{ip & 255}-{(ip >> 8) & 255}.example.test.")
    return origin, "\n".join(lines) + "\n"


def run_dnsperf(binary, port, query_file, threads, clients, outstanding):
    output = subprocess.run(
        [binary, "-s", "127.0.0.1", "-p", str(port), "-d", str(query_file), "-n", "1",
         "-T", str(threads), "-c", str(clients), "-q", str(outstanding), "-t", "5"],
        capture_output=True, text=True, check=True,
    ).stdout
    rate = float(re.search(r"Queries per second:\s+([\d.]+)", output).group(1))
    completed = re.search(r"Queries completed:\s+(\d+)", output).group(1)
    return rate, int(completed)


def run_resolver(port, network, max_in_flight, sockets):
    resolver = BulkResolver(("127.0.0.1", port), max_in_flight=max_in_flight, rate=None,
                            timeout=2.0, retries=2, sockets=sockets)
    first = int(network.network_address)
    questions = [
        (ip, f"{ip & 255}.{(ip >> 8) & 255}.{(ip >> 16) & 255}.{ip >> 24}.in-addr.arpa",
         wire.TYPE_PTR, wire.reverse_question(ip))
        for ip in range(first, first + network.num_addresses)
    ]
    started = time.perf_counter()
    results = resolver.resolve(questions)
    elapsed = time.perf_counter() - started
    answers = sum(result.outcome == Outcome.ANSWER for result in results)
    return len(results) / elapsed, answers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-in-flight", type=int, default=2000)
    parser.add_argument("--sockets", type=int, default=4)
    parser.add_argument("--dnsperf-threads", type=int, default=1)
    parser.add_argument("--dnsperf-clients", type=int, default=4)
    parser.add_argument("--dnsperf-outstanding", type=int, default=2000)
    args = parser.parse_args()
    nsd = shutil.which("nsd") or "/usr/sbin/nsd"
    dnsperf = shutil.which("dnsperf") or "/usr/bin/dnsperf"
    with tempfile.TemporaryDirectory() as directory:
        origin, text = reverse_zone(NETWORK)
        server = servers.start_nsd(nsd, Path(directory) / "nsd", {origin: text})
        try:
            query_file = Path(directory) / "queries.txt"
            first = int(NETWORK.network_address)
            query_file.write_text("".join(
                f"{wire.reverse_name(ip)} PTR\n" for ip in range(first, first + NETWORK.num_addresses)
            ))
            print(f"machine: {platform.processor() or platform.machine()}, "
                  f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, "
                  f"Python {platform.python_version()}")
            print(f"zone: {NETWORK} ({NETWORK.num_addresses} PTRs) on NSD, port {server.port}")
            for round_number in range(1, args.rounds + 1):
                peer_rate, completed = run_dnsperf(dnsperf, server.port, query_file,
                                                   args.dnsperf_threads, args.dnsperf_clients,
                                                   args.dnsperf_outstanding)
                our_rate, answers = run_resolver(server.port, NETWORK, args.max_in_flight, args.sockets)
                load = os.getloadavg()[0]
                print(f"round {round_number} (load average {load:.1f}): dnsperf {peer_rate:,.0f} q/s ({completed} completed), "
                      f"BulkResolver {our_rate:,.0f} q/s ({answers} answers), "
                      f"ratio {our_rate / peer_rate:.2f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
