"""Shared fixtures: organisations, blocks and listings, API clients, a real Celery worker."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, Role
from marketplace.choices import RIR, ListingStatus, Terms, VerificationStatus
from marketplace.models import IPBlock, Listing

ROOT = Path(__file__).resolve().parent.parent


def require_binary(name):
    """Return the path of an OS binary the test needs, or skip the test.

    CI sets REQUIRE_SYSTEM_TOOLS=1 after installing the packages, which turns
    the skip into a failure so that a missing package cannot pass unnoticed.
    """
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = f"{name} is not installed; install the OS package that provides it (see .ci/run)"
    if os.environ.get("REQUIRE_SYSTEM_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(username=None, **fields):
        username = username or f"user{next(counter)}-{uuid.uuid4().hex[:6]}"
        return get_user_model().objects.create_user(
            username=username, email=f"{username}@example.net", password="correct horse battery", **fields
        )

    return make


@pytest.fixture
def make_organization(db, make_user):
    """Create an organisation with an owner; returns the organisation (owner in `.owner`)."""

    def make(name=None, role=Role.OWNER, kyc_approved=True, **fields):
        name = name or f"Org {uuid.uuid4().hex[:8]}"
        organization = Organization.objects.create(name=name, country=fields.pop("country", "NL"), **fields)
        owner = make_user()
        Membership.objects.create(user=owner, organization=organization, role=role)
        organization.owner = owner
        if kyc_approved:
            from kyc.testing import record_approval

            record_approval(organization)
        return organization

    return make


@pytest.fixture
def holder(make_organization):
    return make_organization("Holder Networks B.V.")


@pytest.fixture
def lessee(make_organization):
    return make_organization("Lessee Hosting Ltd")


@pytest.fixture
def make_listing(db):
    def make(holder, prefix="198.51.100.0/24", *, price="0.45", terms=Terms.BOTH,
             status=ListingStatus.PUBLISHED, max_prefix_length=24, allow_split=True, **fields):
        # Only a verified block's listing can be published.
        block = IPBlock.objects.create(
            prefix=prefix, holder=holder, rir=RIR.RIPE, country="NL",
            verification_status=VerificationStatus.VERIFIED,
        )
        return Listing.objects.create(
            block=block,
            price_per_ip_month=Decimal(price),
            terms=terms,
            status=status,
            max_prefix_length=max_prefix_length,
            allow_split=allow_split,
            **fields,
        )

    return make


@pytest.fixture
def api_client_for():
    """Return an API client authenticated by token as `user`."""
    from rest_framework.authtoken.models import Token

    def make(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


# Every task a test queues goes to this queue, private to the test run. No
# worker consumes it except during a test that requests `celery_worker`, so a
# task queued by one test (for example a ROA reconciliation queued when a
# lease is activated) can never run against another test's database state.
TEST_QUEUE = f"test-{uuid.uuid4().hex[:10]}"


def pytest_configure(config):
    from config.celery import app

    app.conf.task_default_queue = TEST_QUEUE


@pytest.fixture
def celery_worker(transactional_db):
    """Start a real Celery worker on the test database for one test.

    The rows the test writes are committed (`transactional_db`), so the
    worker can read them. Tasks left in the queue by earlier tests are purged
    first, and the worker stops before the database is flushed.
    """
    from django.conf import settings

    from config.celery import app

    app.control.purge()
    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE,
        "DATABASE_CONN_MAX_AGE": "0",
    }
    hostname = f"{TEST_QUEUE}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    log_path = ROOT / "var" / f"celery-{TEST_QUEUE}.log"
    log_path.parent.mkdir(exist_ok=True)
    log_file = open(log_path, "a")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
         "--concurrency", "2", "--queues", TEST_QUEUE, "--loglevel", "INFO", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "--hostname", hostname],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0, destination=[hostname]):
            if process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early; see {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not answer a ping within 60 s; see {log_path}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()
        app.control.purge()


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Serve static files from their source folders, so tests need no collectstatic run first."""
    # WhiteNoise warns at startup when STATIC_ROOT does not exist.
    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
