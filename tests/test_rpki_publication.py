import csv
import io
import json
from datetime import timedelta

import pytest

from leases import services as lease_services
from leases.choices import Term
from rpki.backends import KrillBackend, SlurmBackend
from rpki.choices import ChangeAction, ChangeStatus, RoaPurpose
from rpki.krill import KrillClient, KrillUnavailable
from rpki.models import PublishedRoa, RoaChange
from rpki.reconcile import reconcile
from rpki.selectors import prefix_under_rpki_control, suspension_publication_delay
from rpki.slurm import CSV_HEADER
from rpki.testing import KrillStub
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)

PARKING = 64511


@pytest.fixture(autouse=True)
def rpki_settings(settings, tmp_path):
    settings.RPKI_PARKING_ASN = PARKING
    settings.RPKI_PARK_WITH_AS0 = False
    settings.RPKI_SLURM_JSON_PATH = tmp_path / "slurm.json"
    settings.RPKI_SLURM_CSV_PATH = tmp_path / "roas.csv"
    settings.RPKI_BIRD_CONFIG_PATH = tmp_path / "bird.conf"
    settings.RPKI_PARKED_JSON_PATH = tmp_path / "parked.json"


@pytest.fixture
def krill():
    with KrillStub(token="secret") as stub:
        yield stub


def krill_backend(url):
    return KrillBackend(KrillClient(base_url=url, ca="platform", token="secret", timeout=2))


@pytest.fixture
def leased(holder, lessee, make_listing):
    listing = make_listing(holder, "198.18.0.0/23")
    return lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                               origin_asn=64500)


def live_keys():
    return {(str(roa.prefix), roa.asn, roa.max_length) for roa in PublishedRoa.objects.filter(removed_at=None)}


def test_reconcile_publishes_to_krill(leased, krill):
    result = reconcile(reason="test", backend=krill_backend(krill.url))
    assert (result.added, result.removed) == (2, 0)
    assert krill.routes() == [(64500, "198.18.0.0/24", 24), (PARKING, "198.18.1.0/24", 24)]
    assert live_keys() == {("198.18.0.0/24", 64500, 24), ("198.18.1.0/24", PARKING, 24)}


def test_reconcile_dry_runs_before_delta(leased, krill):
    reconcile(reason="test", backend=krill_backend(krill.url))
    paths = [path for method, path, body in krill.requests]
    assert paths == ["/api/v1/cas/platform/routes/analysis/dryrun", "/api/v1/cas/platform/routes"]


def test_reconcile_twice_changes_nothing(leased, krill):
    backend = krill_backend(krill.url)
    reconcile(reason="first", backend=backend)
    second = reconcile(reason="second", backend=backend)
    assert second.changed is False
    assert RoaChange.objects.count() == 2


def test_change_records_request_and_publication(leased, krill):
    reconcile(reason="activated", backend=krill_backend(krill.url))
    change = RoaChange.objects.get(action=ChangeAction.ADD, asn=64500)
    assert change.status == ChangeStatus.PUBLISHED
    assert change.reason == "activated"
    assert change.backend == "krill"
    assert change.lease_id == leased.pk
    assert change.requested_at <= change.published_at
    assert change.attempts == 1


def test_suspension_moves_roa_in_krill(leased, krill):
    backend = krill_backend(krill.url)
    reconcile(reason="activated", backend=backend)
    lease_services.suspend(leased, reason="spam")
    result = reconcile(reason="suspended", backend=backend)
    assert (result.added, result.removed) == (1, 1)
    assert krill.routes() == [(PARKING, "198.18.0.0/24", 24), (PARKING, "198.18.1.0/24", 24)]


def test_failure_recorded_then_retried(leased, krill):
    down = KrillStub().start()
    down_url = down.url
    down.stop()
    with pytest.raises(KrillUnavailable):
        reconcile(reason="activated", backend=krill_backend(down_url))
    failed = RoaChange.objects.get(asn=64500)
    assert failed.status == ChangeStatus.FAILED
    assert failed.attempts == 1
    assert "unreachable" in failed.last_error

    reconcile(reason="retry", backend=krill_backend(krill.url))
    failed.refresh_from_db()
    assert failed.status == ChangeStatus.PUBLISHED
    assert failed.attempts == 2
    assert failed.reason == "activated"
    assert RoaChange.objects.count() == 2


def test_hand_edited_krill_resynchronised(leased, krill):
    KrillClient(base_url=krill.url, ca="platform", token="secret").update_routes(
        added=[{"asn": 64500, "prefix": "198.18.0.0/24", "max_length": 24}], removed=[],
    )
    reconcile(reason="test", backend=krill_backend(krill.url))
    assert krill.routes() == [(64500, "198.18.0.0/24", 24), (PARKING, "198.18.1.0/24", 24)]
    assert live_keys() == {("198.18.0.0/24", 64500, 24), ("198.18.1.0/24", PARKING, 24)}


def test_superseded_change_not_published(leased, krill):
    down = KrillStub().start()
    down_url = down.url
    down.stop()
    with pytest.raises(KrillUnavailable):
        reconcile(reason="activated", backend=krill_backend(down_url))
    lease_services.suspend(leased, reason="spam")
    reconcile(reason="suspended", backend=krill_backend(krill.url))
    stale = RoaChange.objects.get(asn=64500)
    assert stale.status == ChangeStatus.SUPERSEDED
    assert krill.routes() == [(PARKING, "198.18.0.0/24", 24), (PARKING, "198.18.1.0/24", 24)]


def test_slurm_json_field_names(leased):
    reconcile(reason="test", backend=SlurmBackend())
    from django.conf import settings

    document = json.loads(settings.RPKI_SLURM_JSON_PATH.read_text())
    assert set(document) == {"slurmVersion", "validationOutputFilters", "locallyAddedAssertions"}
    assert document["slurmVersion"] == 1
    assert document["validationOutputFilters"] == {
        "prefixFilters": [{"prefix": "198.18.0.0/23", "comment": "Platform-controlled block"}],
        "bgpsecFilters": [],
    }
    assert document["locallyAddedAssertions"] == {
        "prefixAssertions": [
            {"asn": 64500, "prefix": "198.18.0.0/24", "maxPrefixLength": 24, "comment": f"lease {leased.pk}"},
            {"asn": PARKING, "prefix": "198.18.1.0/24", "maxPrefixLength": 24, "comment": "parking"},
        ],
        "bgpsecAssertions": [],
    }


def test_slurm_csv_columns(leased):
    reconcile(reason="test", backend=SlurmBackend())
    from django.conf import settings

    rows = list(csv.reader(io.StringIO(settings.RPKI_SLURM_CSV_PATH.read_text())))
    assert rows[0] == CSV_HEADER == ["ASN", "IP Prefix", "Max Length", "Trust Anchor"]
    assert rows[1:] == [["AS64500", "198.18.0.0/24", "24", "platform"], [f"AS{PARKING}", "198.18.1.0/24", "24", "platform"]]


def test_slurm_removes_suspended_lease(leased):
    reconcile(reason="test", backend=SlurmBackend())
    lease_services.suspend(leased, reason="spam")
    reconcile(reason="suspended", backend=SlurmBackend())
    from django.conf import settings

    assertions = json.loads(settings.RPKI_SLURM_JSON_PATH.read_text())["locallyAddedAssertions"]["prefixAssertions"]
    assert [item["asn"] for item in assertions] == [PARKING, PARKING]


def test_suspension_delay_measured(leased, krill):
    backend = krill_backend(krill.url)
    reconcile(reason="activated", backend=backend)
    lease_services.suspend(leased, reason="spam")
    assert suspension_publication_delay(leased) is None
    reconcile(reason="suspended", backend=backend)
    event = leased.events.get(kind="suspended")
    removal = RoaChange.objects.get(action=ChangeAction.REMOVE, purpose=RoaPurpose.LEASE)
    delay = suspension_publication_delay(leased)
    assert delay == removal.published_at - event.created_at
    assert timedelta(0) <= delay < timedelta(minutes=1)


def test_delay_none_without_suspension(leased, krill):
    reconcile(reason="activated", backend=krill_backend(krill.url))
    assert suspension_publication_delay(leased) is None


def test_prefix_under_control_after_publication(leased, krill):
    assert prefix_under_rpki_control("198.18.0.0/25") is False
    reconcile(reason="activated", backend=krill_backend(krill.url))
    assert prefix_under_rpki_control("198.18.0.0/25") is True
    assert prefix_under_rpki_control("198.18.1.7") is True
    assert prefix_under_rpki_control("203.0.113.0/24") is False


def test_prefix_control_in_the_past(leased, krill):
    reconcile(reason="activated", backend=krill_backend(krill.url))
    published_at = PublishedRoa.objects.get(asn=64500).published_at
    assert prefix_under_rpki_control("198.18.0.0/24", when=published_at - timedelta(seconds=1)) is False
    assert prefix_under_rpki_control("198.18.0.0/24", when=published_at) is True


def test_parking_exports_written(leased, krill):
    reconcile(reason="activated", backend=krill_backend(krill.url))
    from django.conf import settings

    parked = json.loads(settings.RPKI_PARKED_JSON_PATH.read_text())
    assert [(item["prefix"], item["origin_asn"], item["block"]) for item in parked] == [
        ("198.18.1.0/24", PARKING, "198.18.0.0/23"),
    ]
    assert "route 198.18.1.0/24 blackhole;" in settings.RPKI_BIRD_CONFIG_PATH.read_text()


def test_entry_removed_by_hand_resynchronised(leased, krill):
    backend = krill_backend(krill.url)
    reconcile(reason="activated", backend=backend)
    KrillClient(base_url=krill.url, ca="platform", token="secret").update_routes(
        added=[], removed=[{"asn": 64500, "prefix": "198.18.0.0/24", "max_length": 24}],
    )
    lease_services.suspend(leased, reason="spam")
    reconcile(reason="suspended", backend=backend)
    assert krill.routes() == [(PARKING, "198.18.0.0/24", 24), (PARKING, "198.18.1.0/24", 24)]
    assert live_keys() == {("198.18.0.0/24", PARKING, 24), ("198.18.1.0/24", PARKING, 24)}
