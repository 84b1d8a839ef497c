import subprocess
from datetime import datetime, timezone as dt_timezone

import pytest

from rpki.choices import RoaPurpose
from rpki.models import PublishedRoa
from rpki.parking import bird_config, parked_list, parse_neighbors
from tests.conftest import require_binary
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)

NOW = datetime(2026, 12, 1, tzinfo=dt_timezone.utc)


@pytest.fixture
def parked(holder, make_listing):
    listing = make_listing(holder, "198.18.0.0/23")
    PublishedRoa.objects.create(prefix="198.18.1.0/24", asn=64511, max_length=24, purpose=RoaPurpose.PARKING,
                                block=listing.block, published_at=NOW)
    PublishedRoa.objects.create(prefix="198.18.0.0/24", asn=64500, max_length=24, purpose=RoaPurpose.LEASE,
                                block=listing.block, published_at=NOW)
    PublishedRoa.objects.create(prefix="203.0.113.0/24", asn=0, max_length=24, purpose=RoaPurpose.AS0,
                                published_at=NOW)
    return listing


def run_bird_parse(path):
    bird = require_binary("bird")
    return subprocess.run([bird, "-p", "-c", str(path)], capture_output=True, text=True, timeout=30)


def test_bird_config_parses(parked, tmp_path):
    path = tmp_path / "bird.conf"
    path.write_text(bird_config(parking_asn=64511, router_id="127.0.0.1", neighbors=["127.0.0.2 64512"],
                                generated_at=NOW))
    result = run_bird_parse(path)
    assert result.returncode == 0, result.stderr


def test_bird_config_without_neighbors_parses(parked, tmp_path):
    path = tmp_path / "bird.conf"
    path.write_text(bird_config(neighbors=[], generated_at=NOW))
    result = run_bird_parse(path)
    assert result.returncode == 0, result.stderr


def test_bird_config_announces_only_parking(parked):
    config = bird_config(parking_asn=64511, router_id="127.0.0.1", neighbors=["127.0.0.2 64512"], generated_at=NOW)
    routes = [line.strip() for line in config.splitlines() if line.strip().startswith("route ")]
    assert routes == ["route 198.18.1.0/24 blackhole;  # unleased, block 198.18.0.0/23"]
    assert "define PARKING_ASN = 64511;" in config
    assert "neighbor 127.0.0.2 as 64512;" in config


def test_broken_config_fails_bird_parse(tmp_path):
    path = tmp_path / "bird.conf"
    path.write_text("protocol static {\n  route 198.18.1.0/24 nowhere;\n}\n")
    assert run_bird_parse(path).returncode != 0


def test_parked_list_json(parked):
    assert parked_list() == [{
        "prefix": "198.18.1.0/24",
        "origin_asn": 64511,
        "max_length": 24,
        "block": "198.18.0.0/23",
        "lease_id": None,
        "parked_since": "2026-12-01T00:00:00+00:00",
    }]


def test_bad_neighbor_rejected():
    with pytest.raises(ValueError, match="RPKI_BIRD_NEIGHBORS entry '127.0.0.2' is invalid"):
        parse_neighbors(["127.0.0.2"])
