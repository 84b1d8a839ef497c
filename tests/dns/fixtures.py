"""Pytest fixtures that start DNS servers on loopback; import them into a test module."""

import pytest

from tests.conftest import require_binary

from . import servers
from .zones import BLOCKLIST_DATA, BLOCKLIST_ZONE, REVERSE_ZONES


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
