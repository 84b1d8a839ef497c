"""Benchmark: RFC 6811 origin validation of 1,000,000 routes against 700,000 VRPs.

Compares the indexed validator the platform uses (rpki.validation.VrpIndex)
with a straightforward one that scans every VRP for each route
(validate_by_scan). The scan runs on a sample of routes because a full
run would take hours. Its time for all routes is extrapolated from the
sample and reported as an estimate. Both run in this one process, on one
core, on the same synthetic data, and the sample's results are checked to
agree.

Run from the repository root:

    /work/venv/bin/python bench/rpki/validate_routes.py [--vrps N] [--routes N] [--sample N]

No database or Django settings are needed.
"""

import argparse
import os
import platform
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rpki.validation import MASKS, VrpIndex, validate_by_scan  # noqa: E402

# Share of VRPs per prefix length, roughly the shape of the IPv4 VRP set
# (mostly /24s and /22s); an assumption, not a measurement.
LENGTH_WEIGHTS = {8: 1, 12: 2, 14: 3, 16: 20, 17: 8, 18: 12, 19: 25, 20: 50, 21: 40, 22: 110, 23: 90, 24: 640}


def make_vrps(count, rng):
    lengths = list(LENGTH_WEIGHTS)
    weights = list(LENGTH_WEIGHTS.values())
    vrps = []
    for length in rng.choices(lengths, weights, k=count):
        network = (rng.getrandbits(32) & MASKS[length])
        asn = rng.randint(1, 400_000)
        max_length = length if rng.random() < 0.8 else rng.randint(length, 24)
        vrps.append((network, length, asn, max_length))
    return vrps


def make_routes(count, vrps, rng):
    """Routes: 50 % a VRP's own prefix (right or wrong ASN), 25 % more specific, 25 % anywhere."""
    routes = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.5:
            network, length, asn, _ = rng.choice(vrps)
            origin = asn if rng.random() < 0.8 else rng.randint(1, 400_000)
            routes.append((network, length, origin))
        elif roll < 0.75:
            network, length, asn, _ = rng.choice(vrps)
            longer = min(24, length + rng.randint(1, 4))
            sub = network | (rng.getrandbits(32) & ~MASKS[length] & MASKS[longer] & 0xFFFFFFFF)
            routes.append((sub, longer, asn))
        else:
            length = rng.choice([16, 20, 22, 23, 24, 24, 24])
            routes.append((rng.getrandbits(32) & MASKS[length], length, rng.randint(1, 400_000)))
    return routes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vrps", type=int, default=700_000, help="number of VRPs")
    parser.add_argument("--routes", type=int, default=1_000_000, help="number of route observations")
    parser.add_argument("--sample", type=int, default=20, help="routes the scanning validator checks")
    parser.add_argument("--seed", type=int, default=6811)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    vrps = make_vrps(args.vrps, rng)
    routes = make_routes(args.routes, vrps, rng)

    started = time.process_time()
    index = VrpIndex(vrps)
    build_seconds = time.process_time() - started

    started = time.process_time()
    results = index.validate_many(routes)
    validate_seconds = time.process_time() - started

    sample = routes[:: max(1, len(routes) // args.sample)][: args.sample]
    started = time.process_time()
    scanned = [validate_by_scan(vrps, *route) for route in sample]
    scan_seconds = time.process_time() - started
    scan_estimate = scan_seconds / len(sample) * len(routes)
    agree = scanned == [index.validate(*route) for route in sample]

    indexed_total = build_seconds + validate_seconds
    states = Counter(state for state, _ in results)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
          f"Python {platform.python_version()}, CPU time of one process (one core)")
    print(f"data: {len(vrps):,} VRPs, {len(routes):,} routes (seed {args.seed}); "
          f"results: {dict(sorted(states.items()))}")
    print(f"indexed: build {build_seconds:.2f} s + validate {validate_seconds:.2f} s = {indexed_total:.2f} s")
    print(f"scan: {scan_seconds:.2f} s for {len(sample)} sampled routes, "
          f"{scan_seconds / len(sample) * 1000:.1f} ms per route; "
          f"estimated {scan_estimate:,.0f} s ({scan_estimate / 3600:.1f} h) for all {len(routes):,}")
    print(f"ratio (estimated scan / indexed): {scan_estimate / indexed_total:,.0f}x; sample results agree: {agree}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
