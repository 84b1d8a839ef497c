"""Migration 0003, which gives each pending ROA proof its own proof ASN."""

import importlib
from datetime import datetime, timezone as dt_timezone

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("marketplace", "0002_block_roa_proof")]
AFTER = [("marketplace", "0003_block_proof_asn")]
REQUESTED_AT = datetime(2026, 11, 1, 8, 0, tzinfo=dt_timezone.utc)

pytestmark = pytest.mark.django_db(transaction=True)


class FixedRandom:
    """Stand-in for the `secrets` module in the migration: every draw returns `offset`."""

    def __init__(self, offset):
        self.offset = offset

    def randbelow(self, bound):
        return self.offset


@pytest.fixture
def migrate():
    """Return a function that migrates to the given targets and returns the historical apps.

    Afterwards the database is migrated forward again, for the tests that follow.
    """

    def run(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return MigrationExecutor(connection).loader.project_state(targets).apps

    yield run
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def old_blocks(migrate, holder):
    """Save a pending and a verified ROA proof before migration 0003 and return their ids."""
    apps = migrate(BEFORE)
    IPBlock = apps.get_model("marketplace", "IPBlock")
    pending = IPBlock.objects.create(
        prefix="198.51.100.0/24", holder_id=holder.pk, rir="ripe", country="NL",
        verification_status="pending", verification_method="roa", verification_requested_at=REQUESTED_AT,
    )
    verified = IPBlock.objects.create(
        prefix="203.0.113.0/24", holder_id=holder.pk, rir="ripe", country="NL",
        verification_status="verified", verification_method="roa", verification_requested_at=REQUESTED_AT,
        verification_note="Verified by the VRP 203.0.113.0/24-24 AS64510.",
    )
    return pending.pk, verified.pk


@pytest.fixture
def migrated(old_blocks, migrate, monkeypatch):
    """Run migration 0003 with every draw at offset 7 and return both blocks and the start time."""
    migration = importlib.import_module("marketplace.migrations.0003_block_proof_asn")
    monkeypatch.setattr(migration, "secrets", FixedRandom(7))
    started = timezone.now()
    IPBlock = migrate(AFTER).get_model("marketplace", "IPBlock")
    pending_pk, verified_pk = old_blocks
    return IPBlock.objects.get(pk=pending_pk), IPBlock.objects.get(pk=verified_pk), started


def test_pending_proof_gets_proof_asn(migrated):
    pending, _, _ = migrated
    assert pending.proof_asn == 4_200_000_007


def test_pending_proof_restarts_deadline(migrated):
    pending, _, started = migrated
    assert pending.verification_requested_at >= started


def test_pending_proof_note_names_new_asn(migrated):
    pending, _, _ = migrated
    assert pending.verification_note == (
        "The ROA proof now needs a ROA with origin AS4200000007, a private ASN drawn for this "
        "request only. A ROA with the platform's former shared proof ASN no longer counts."
    )


def test_verified_block_unchanged(migrated):
    _, verified, _ = migrated
    assert (verified.proof_asn, verified.verification_requested_at, verified.verification_note) == (
        None, REQUESTED_AT, "Verified by the VRP 203.0.113.0/24-24 AS64510."
    )
