"""Pytest fixtures that start DNS servers on loopback; import them into a test module."""

import pytest

from monitoring.dns.resolver import BulkResolver
from tests.conftest import require_binary

from . import servers
from .zones import BLOCKLIST_DATA, BLOCKLIST_ZONE, REVERSE_ZONES


def patient_resolver(server, **options):
    """Return a resolver for lookups the server responds to.

    A busy test machine may delay a response or drop a query from a full
    socket buffer. A resolver that waits two seconds and sends the query
    again absorbs both, so only a wrong response fails a test.
    """
    options.setdefault("timeout", 2.0)
    options.setdefault("retries", 2)
    return BulkResolver(server.address, **options)


@pytest.fixture(scope="module")
def nsd_server(tmp_path_factory):
    binary = require_binary("nsd")
    server = servers.start_nsd(binary, tmp_path_factory.mktemp("nsd"), REVERSE_ZONES)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rbldnsd_server(tmp_path_factory):
    binary = require_binary("rbldnsd")
    server = servers.start_rbldnsd(binary, tmp_path_factory.mktemp("rbldnsd"), BLOCKLIST_ZONE,
                                   BLOCKLIST_DATA)
    yield server
    server.stop()


@pytest.fixture
def programmable_server():
    server = servers.ProgrammableServer()
    yield server
    server.stop()


@pytest.fixture
def make_lease(db, holder, make_listing):
    """Rent `prefix` out of a listed block to `lessee`; returns the active lease."""
    from leases import services
    from leases.choices import Term

    listings = {}

    def make(lessee, prefix, *, block=None):
        import ipaddress

        network = ipaddress.IPv4Network(prefix)
        block = block or prefix
        if block not in listings:
            listings[block] = make_listing(holder, block, max_prefix_length=24)
        listing = listings[block]
        lease = services.rent(listing=listing, lessee=lessee, prefix_length=network.prefixlen,
                              term=Term.MONTHLY)
        assert lease.prefix == network, f"expected {network}, got {lease.prefix}; rent in order"
        return lease

    return make
