"""Benchmark of the abuse intake: 10,000 mixed reports against 16,000 leases with history.

Run from the repository root with the usual environment (DATABASE_URL names
the server; the benchmark recreates its own database, default
ipl_abuse_bench):

    python bench/abuse/run.py [--reports 10000] [--batch-size 500] [--database ipl_abuse_bench]

It measures, in one process (one worker) and one run:
  1. parsing only, with the standard library (email, json, csv), as the peer;
  2. the abuse parsers alone (abuse.parsing.parse), without the database;
  3. the full intake in batches (abuse.intake.receive_many: store, parse,
     attribute, deduplicate, group, timeline, queued notifications), one
     batch after another, with the CPU time of this process and of the
     database's server process beside the wall time;
  3b. the same reports again, on emptied abuse tables, through the pipeline
     (abuse.pipeline.file_stream) as the mail command files a backlog, with
     the same measures. The run stops if it stores other counts than 3.
     Steps 1, 2 and 3b run in turn --repeat times (default 3), and the
     medians are reported with each repetition's ratios;
  4. the intake one report at a time (abuse.intake.receive, as the API and
     the web form call it) on a smaller, separate set of reports;
  5. attribution lookups on their own, one by one (attribute) and in bulk
     (attribute_many).
"""

import argparse
import csv
import email
import email.policy
import gc
import io
import ipaddress
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import messages as samples  # noqa: E402

LEASED_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
LEASE_LENGTH = 24
PREFIXES = 8000  # each /24 has an ended and a running lease: 16,000 leases
HOLDERS = 40
LESSEES = 1000
SWITCH = samples.epoch(2025, 9, 1)


def prepare_database(name):
    import psycopg

    url = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    admin_url = urlunparse(url._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(url._replace(path=f"/{name}"))


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["LAB_RANGES_ALLOWED"] = "true"
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    warm_up_broker()


def warm_up_broker():
    """Open the broker connection that queued mail is announced on, as a running worker has it open.

    Without this, the first batch would pay for connecting to Redis and
    setting up Celery's producer pool, once per process.
    """
    from config.celery import app

    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=1)


def seed_leases():
    from decimal import Decimal

    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    from accounts.models import Organization
    from leases.choices import LeaseState, Term
    from leases.models import Lease
    from marketplace.models import IPBlock, Listing

    holders = Organization.objects.bulk_create(
        [Organization(name=f"Bench holder {index}", slug=f"bench-holder-{index}") for index in range(HOLDERS)]
    )
    lessees = Organization.objects.bulk_create(
        [Organization(name=f"Bench lessee {index}", slug=f"bench-lessee-{index}",
                      abuse_email=f"abuse@lessee{index}.example") for index in range(LESSEES)]
    )
    blocks = list(LEASED_SPACE.subnets(new_prefix=16))
    block_rows = IPBlock.objects.bulk_create(
        [IPBlock(prefix=block, holder=holders[index % HOLDERS], rir="ripe", country="NL")
         for index, block in enumerate(blocks)]
    )
    listings = Listing.objects.bulk_create(
        [Listing(block=block, price_per_ip_month=Decimal("0.45")) for block in block_rows]
    )
    listing_by_block = {listing.block.prefix: listing for listing in listings}
    rng = random.Random(3)
    leases = []
    prefixes = list(LEASED_SPACE.subnets(new_prefix=LEASE_LENGTH))[:PREFIXES]
    for prefix in prefixes:
        listing = listing_by_block[prefix.supernet(new_prefix=16)]
        common = dict(listing=listing, block=listing.block, prefix=prefix, term=Term.MONTHLY,
                      price_per_ip_month=Decimal("0.45"), currency="USD")
        leases.append(Lease(lessee=rng.choice(lessees), state=LeaseState.ENDED, ended_at=SWITCH,
                            period=DateTimeTZRange(samples.epoch(2025, 1, 1), SWITCH, "[)"), **common))
        leases.append(Lease(lessee=rng.choice(lessees), state=LeaseState.ACTIVE,
                            period=DateTimeTZRange(SWITCH, samples.epoch(2027, 1, 1), "[)"), **common))
    Lease.objects.bulk_create(leases, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return prefixes


def address_picker(prefixes):
    span = (samples.epoch(2026, 3, 1) - samples.epoch(2025, 1, 2)).total_seconds()

    def pick(rng):
        prefix = prefixes[rng.randrange(len(prefixes))]
        address = prefix.network_address + rng.randrange(1, prefix.num_addresses - 1)
        moment = samples.epoch(2025, 1, 2) + timedelta(seconds=int(rng.random() * span))
        return address, moment

    return pick


def parse_with_stdlib(batch):
    """Read each message with the standard library only, as far as its fields (the peer)."""
    fields = 0
    for kind, content_type, raw in batch:
        if content_type == "message/rfc822":
            message = email.message_from_bytes(raw, policy=email.policy.compat32)
            for part in message.walk():
                if part.is_multipart():
                    continue
                payload = part.get_payload(decode=True)
                fields += len(payload or b"") > 0
            fields += len(message.keys())
        elif content_type == "text/csv":
            fields += sum(1 for _ in csv.DictReader(io.StringIO(raw.decode())))
        else:
            fields += len(json.loads(raw))
    return fields


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def collector_paused(function):
    """Return `function` wrapped to run with Python's cyclic garbage collector off, as the intake runs each batch.

    The parse-only steps run this way too, so that all steps are measured
    under the same conditions.
    """
    def run(*args):
        gc.disable()
        try:
            return function(*args)
        finally:
            gc.enable()

    return run


def database_cpu_seconds(using=None):
    """CPU seconds the server process of a connection used so far (PostgreSQL on this machine only).

    `using` is a Django connection object; the default is Django's connection.
    """
    from django.db import connection

    using = using or connection
    using.ensure_connection()
    with using.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_timed(function, *args, also=None):
    """Return (wall seconds, worker CPU seconds, database CPU seconds or None, result).

    The database's CPU is that of Django's connection, plus that of `also`,
    a second connection the function uses.
    """
    connections = [None] if also is None else [None, also]
    database_before = [database_cpu_seconds(using) for using in connections]
    cpu_before = time.process_time()
    wall, result = timed(function, *args)
    cpu = time.process_time() - cpu_before
    database_after = [database_cpu_seconds(using) for using in connections]
    if None in database_before or None in database_after:
        return wall, cpu, None, result
    return wall, cpu, sum(database_after) - sum(database_before), result


def forget_reports():
    """Empty the abuse desk's tables, so that the next step files the same reports anew."""
    from django.db import connection

    from abuse.models import Case, Event, Notification, Report, TimelineEntry

    tables = ", ".join(model._meta.db_table for model in (Event, TimelineEntry, Notification, Case, Report))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")
        cursor.execute("VACUUM ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=5_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--single-reports", type=int, default=1_000,
                        help="Reports filed one at a time after the batches, from a separate sample.")
    parser.add_argument("--database", default="ipl_abuse_bench")
    parser.add_argument("--hot-prefixes", type=int, default=0,
                        help="Aim the batched reports at this many random /24 prefixes only (0: all 8,000), "
                             "so that most events join open cases.")
    parser.add_argument("--repeat", type=int, default=3,
                        help="Run the parse peer, the abuse parsers and the pipeline this many times each "
                             "and report the medians.")
    options = parser.parse_args()

    prepare_database(options.database)
    setup_django()
    from abuse.attribution import attribute, attribute_many
    from abuse.intake import receive, receive_many
    from abuse.models import Case, Event
    from abuse.pipeline import file_stream
    from django.db import DEFAULT_DB_ALIAS
    from django.db import connections as django_connections
    from abuse.parsing import parse

    seed_start = time.perf_counter()
    prefixes = seed_leases()
    seed_seconds = time.perf_counter() - seed_start
    targets = random.Random(4).sample(prefixes, options.hot_prefixes) if options.hot_prefixes else prefixes
    batch = samples.generate(options.reports, address_picker(targets))

    def parse_only():
        return sum(len(parse(raw, kind).events) for _, kind, raw in batch)

    def chunks():
        for start in range(0, len(batch), options.batch_size):
            yield [
                {"channel": "email", "source": "bench", "raw": raw, "content_type": content_type}
                for _, content_type, raw in batch[start:start + options.batch_size]
            ]

    def intake():
        for chunk in chunks():
            receive_many(chunk)

    intake_seconds, intake_cpu, intake_database_cpu, _ = cpu_timed(intake)
    events = Event.objects.count()
    cases = Case.objects.count()

    # The parse peer, the abuse parsers and the pipeline run in turn, once
    # per repetition, so that a busy moment of the machine touches all
    # three. The medians are reported beside each repetition's figures.
    stdlib_runs, parser_runs, pipeline_runs = [], [], []
    for _ in range(options.repeat):
        stdlib_runs.append(timed(collector_paused(parse_with_stdlib), batch)[0])
        parser_seconds, parsed_events = timed(collector_paused(parse_only))
        parser_runs.append(parser_seconds)
        forget_reports()
        store = django_connections.create_connection(DEFAULT_DB_ALIAS)
        wall, cpu, database_cpu, _ = cpu_timed(lambda: file_stream(chunks(), store_using=store), also=store)
        store.close()
        pipeline_runs.append((wall, cpu, database_cpu))
        if (Event.objects.count(), Case.objects.count()) != (events, cases):
            raise SystemExit(f"The pipeline stored {Event.objects.count()} events and {Case.objects.count()} "
                             f"cases, the batched intake {events} and {cases}.")
    stdlib_seconds = statistics.median(stdlib_runs)
    parser_seconds = statistics.median(parser_runs)
    pipeline_seconds = statistics.median(wall for wall, _, _ in pipeline_runs)
    pipeline_cpu = statistics.median(cpu for _, cpu, _ in pipeline_runs)
    database_runs = [database_cpu for _, _, database_cpu in pipeline_runs]
    pipeline_database_cpu = None if None in database_runs else statistics.median(database_runs)
    wall_ratios = [
        round((wall - parsed) / peer, 2) for (wall, _, _), parsed, peer in zip(pipeline_runs, parser_runs, stdlib_runs)
    ]
    cpu_ratios = [
        round((cpu - parsed) / peer, 2) for (_, cpu, _), parsed, peer in zip(pipeline_runs, parser_runs, stdlib_runs)
    ]
    database_ratios = None if pipeline_database_cpu is None else [
        round(database / peer, 2) for database, peer in zip(database_runs, stdlib_runs)
    ]

    single = samples.generate(options.single_reports, address_picker(prefixes), seed=8)
    single_events = sum(len(parse(raw, kind).events) for _, kind, raw in single)

    def intake_one_by_one():
        for _, content_type, raw in single:
            receive(channel="email", source="bench-single", raw=raw, content_type=content_type)

    single_seconds, _ = timed(intake_one_by_one)

    rng = random.Random(11)
    pick = address_picker(prefixes)
    pairs = [pick(rng) for _ in range(options.lookups)]
    lookup_seconds, _ = timed(lambda: [attribute(address, moment) for address, moment in pairs])
    bulk_lookup_seconds, _ = timed(attribute_many, pairs)

    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "leases": len(prefixes) * 2,
        "reports": len(batch),
        "events_parsed": parsed_events,
        "events_stored": events,
        "duplicates": parsed_events - events,
        "cases": cases,
        "batch_size": options.batch_size,
        "hot_prefixes": options.hot_prefixes or len(prefixes),
        "seed_seconds": round(seed_seconds, 1),
        "stdlib_parse_seconds": round(stdlib_seconds, 2),
        "abuse_parse_seconds": round(parser_seconds, 2),
        "intake_seconds": round(intake_seconds, 2),
        "stdlib_reports_per_second": round(len(batch) / stdlib_seconds),
        "abuse_parse_reports_per_second": round(len(batch) / parser_seconds),
        "intake_reports_per_second": round(len(batch) / intake_seconds, 1),
        "intake_events_per_second_per_worker": round(parsed_events / intake_seconds, 1),
        "storage_attribution_dedup_seconds": round(intake_seconds - parser_seconds, 2),
        "cost_ratio_to_stdlib_parse": round((intake_seconds - parser_seconds) / stdlib_seconds, 1),
        "intake_worker_cpu_seconds": round(intake_cpu, 2),
        "worker_cpu_ratio_to_stdlib_parse": round((intake_cpu - parser_seconds) / stdlib_seconds, 1),
        "intake_database_cpu_seconds": None if intake_database_cpu is None else round(intake_database_cpu, 2),
        "pipeline_seconds": round(pipeline_seconds, 2),
        "pipeline_events_per_second_per_worker": round(parsed_events / pipeline_seconds, 1),
        "pipeline_storage_attribution_dedup_seconds": round(pipeline_seconds - parser_seconds, 2),
        "pipeline_cost_ratio_to_stdlib_parse": round((pipeline_seconds - parser_seconds) / stdlib_seconds, 2),
        "pipeline_cost_ratio_per_repetition": wall_ratios,
        "pipeline_worker_cpu_seconds": round(pipeline_cpu, 2),
        "pipeline_worker_cpu_ratio_to_stdlib_parse": round((pipeline_cpu - parser_seconds) / stdlib_seconds, 2),
        "pipeline_worker_cpu_ratio_per_repetition": cpu_ratios,
        "pipeline_database_cpu_seconds": None if pipeline_database_cpu is None else round(pipeline_database_cpu, 2),
        "pipeline_database_cpu_ratio_to_stdlib_parse": (
            None if pipeline_database_cpu is None else round(pipeline_database_cpu / stdlib_seconds, 2)
        ),
        "pipeline_database_cpu_ratio_per_repetition": database_ratios,
        "single_reports": len(single),
        "single_intake_seconds": round(single_seconds, 2),
        "single_intake_events_per_second_per_worker": round(single_events / single_seconds, 1),
        "attribution_lookups_per_second": round(options.lookups / lookup_seconds, 1),
        "bulk_attribution_lookups_per_second": round(options.lookups / bulk_lookup_seconds, 1),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
