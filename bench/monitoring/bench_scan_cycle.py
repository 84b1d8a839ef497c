"""Benchmark: a full PTR scan cycle, persistence included, over leased lab space.

Run from the repository root (PostgreSQL and Redis must be up):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipl_monitoring_bench \\
    REDIS_URL=redis://127.0.0.1:6379/3 \\
    /work/venv/bin/python -m bench.monitoring.bench_scan_cycle [--prefix 100.64.0.0/10]

It serves one reverse zone per /16 of the prefix from NSD on loopback, with
rate limiting off. It leases the prefix out as /16 leases in the benchmark
database, after emptying its monitoring tables. A real Celery worker with two
processes runs the scan, and the time is taken from queueing
`start_ptr_scan_task` until the scan run is marked finished. The first cycle writes every PTR (all are new); the
second finds no changes, which is the steady state.
"""

import argparse
import ipaddress
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("LAB_RANGES_ALLOWED", "true")

from tests.dns import servers  # noqa: E402


def write_zones(prefix, directory):
    zones = {}
    for network in prefix.subnets(new_prefix=16):
        first = int(network.network_address)
        origin = f"{(first >> 16) & 255}.{first >> 24}.in-addr.arpa"
        lines = [f"$ORIGIN {origin}.", "$TTL 3600",
                 "@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 900 604800 300",
                 "@ IN NS ns1.example.test."]
        lines += [f"{ip & 255}.{(ip >> 8) & 255} IN PTR h{ip & 255}-{(ip >> 8) & 255}.example.test."
                  for ip in range(first, first + 65536)]
        zones[origin] = "\n".join(lines) + "\n"
    return zones


def ensure_database():
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    with psycopg.connect(host=database["HOST"], port=database["PORT"] or 5432,
                         user=database["USER"], dbname="postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (database["NAME"],)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database["NAME"]}"')


def seed_leases(prefix):
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
    from django.utils import timezone

    from accounts.models import Organization
    from leases.models import Lease
    from marketplace.models import IPBlock, Listing
    from monitoring.models import PtrChange, PtrFlag, PtrRecord, ScanRun

    from abuse.models import Case

    # Churn detection after a first cycle opens cases on the benchmark leases.
    Case.objects.filter(lease__prefix__net_contained_or_equal=prefix).delete()
    PtrRecord.objects.all().delete()
    PtrChange.objects.all().delete()
    PtrFlag.objects.all().delete()
    ScanRun.objects.all().delete()
    Lease.objects.filter(prefix__net_contained_or_equal=prefix).delete()
    Listing.objects.filter(block__prefix__net_overlaps=prefix).delete()
    IPBlock.objects.filter(prefix__net_overlaps=prefix).delete()
    holder, _ = Organization.objects.get_or_create(name="Bench Holder", defaults={"country": "NL"})
    lessee, _ = Organization.objects.get_or_create(name="Bench Lessee", defaults={"country": "NL"})
    block = IPBlock.objects.create(prefix=prefix, holder=holder, rir="ripe", country="NL")
    listing = Listing.objects.create(block=block, price_per_ip_month=Decimal("0.40"))
    now = timezone.now()
    Lease.objects.bulk_create([
        Lease(listing=listing, block=block, lessee=lessee, prefix=network, term="monthly",
              price_per_ip_month=Decimal("0.40"), currency="USD",
              period=DateTimeTZRange(now - timedelta(days=1), now + timedelta(days=30)),
              state="active", activated_at=now)
        for network in prefix.subnets(new_prefix=16)
    ])


def start_worker(server_address, queue, log_path):
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue, "DNS_AUTHORITATIVE": server_address,
           "DNS_RESOLVER": server_address, "MONITORING_PTR_RATE": "0",
           "MONITORING_PATTERNS_AFTER_SCAN": "false"}
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
         "--concurrency", "2", "--queues", queue, "--loglevel", "WARNING", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "--hostname", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    return process, log


def time_cycle(server_address):
    from monitoring.models import ScanRun
    from monitoring.tasks import start_ptr_scan_task

    started = time.perf_counter()
    run_id = start_ptr_scan_task.delay(server=server_address).get(timeout=600)
    run = ScanRun.objects.get(pk=run_id)
    while run.finished_at is None:
        time.sleep(0.5)
        run.refresh_from_db()
    return time.perf_counter() - started, run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prefix", default="100.64.0.0/10")
    parser.add_argument("--cycles", type=int, default=2)
    args = parser.parse_args()
    prefix = ipaddress.IPv4Network(args.prefix)
    if prefix.prefixlen > 16:
        parser.error("--prefix must be a /16 or larger")

    import django

    django.setup()
    from django.core.management import call_command

    from config.celery import app

    ensure_database()
    call_command("migrate", verbosity=0)
    seed_leases(prefix)

    with tempfile.TemporaryDirectory() as directory:
        generated = time.perf_counter()
        zones = write_zones(prefix, directory)
        print(f"generated {len(zones)} zones in {time.perf_counter() - generated:.1f} s")
        loading = time.perf_counter()
        nsd = servers.start_nsd(shutil.which("nsd") or "/usr/sbin/nsd", Path(directory) / "nsd", zones)
        del zones
        print(f"NSD loaded in {time.perf_counter() - loading:.1f} s")
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        app.conf.task_default_queue = queue
        worker, log = start_worker(nsd.address, queue, Path(directory) / "worker.log")
        try:
            time.sleep(5)
            print(f"machine: {platform.machine()}, {os.cpu_count()} cores; prefix {prefix} "
                  f"({prefix.num_addresses:,} addresses, {prefix.num_addresses // 65536} /16 leases); "
                  f"Celery worker with 2 processes; NSD with 1 server process")
            for cycle in range(1, args.cycles + 1):
                elapsed, run = time_cycle(nsd.address)
                print(f"cycle {cycle}: {elapsed:.1f} s, {run.address_count / elapsed:,.0f} addresses/s, "
                      f"{run.chunks_total} chunks, counts {run.counts}, errors {run.errors[:3]}")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
            nsd.stop()


if __name__ == "__main__":
    main()
