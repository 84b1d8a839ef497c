import pytest

from rpki.krill import KrillClient, KrillDeltaRejected, KrillRequestRejected, KrillUnavailable
from rpki.testing import KrillStub

ENTRY = {"asn": 64500, "prefix": "198.51.100.0/24", "max_length": 24}


@pytest.fixture
def krill():
    with KrillStub(token="secret") as stub:
        yield stub


def client_for(stub, token="secret"):
    return KrillClient(base_url=stub.url, ca="platform", token=token, timeout=5)


def test_update_routes_adds_entry(krill):
    client_for(krill).update_routes(added=[ENTRY], removed=[])
    assert krill.routes() == [(64500, "198.51.100.0/24", 24)]


def test_update_routes_sends_bearer_token(krill):
    client_for(krill).routes()
    assert krill.requests == [("GET", "/api/v1/cas/platform/routes", None)]


def test_routes_lists_current_entries(krill):
    client = client_for(krill)
    client.update_routes(added=[{**ENTRY, "comment": "lease 7"}], removed=[])
    assert client.routes() == [{**ENTRY, "comment": "lease 7"}]


def test_remove_and_add_in_one_delta(krill):
    client = client_for(krill)
    client.update_routes(added=[ENTRY], removed=[])
    parked = {"asn": 64511, "prefix": "198.51.100.0/24", "max_length": 24}
    client.update_routes(added=[parked], removed=[ENTRY])
    assert krill.routes() == [(64511, "198.51.100.0/24", 24)]


def test_dry_run_changes_nothing(krill):
    analysis = client_for(krill).dry_run(added=[ENTRY], removed=[])
    assert analysis["entries"] == [{"entry": ENTRY, "state": "roa_unseen"}]
    assert krill.routes() == []


def test_adding_existing_entry_rejected(krill):
    client = client_for(krill)
    client.update_routes(added=[ENTRY], removed=[])
    with pytest.raises(KrillDeltaRejected) as caught:
        client.update_routes(added=[ENTRY], removed=[])
    assert caught.value.duplicates == [ENTRY]
    assert caught.value.unknowns == []
    assert caught.value.status == 400


def test_removing_unknown_entry_rejected(krill):
    client = client_for(krill)
    with pytest.raises(KrillDeltaRejected) as caught:
        client.update_routes(added=[], removed=[ENTRY])
    assert caught.value.unknowns == [ENTRY]


def test_rejected_delta_applies_nothing(krill):
    client = client_for(krill)
    other = {"asn": 64501, "prefix": "198.51.100.0/25", "max_length": 25}
    with pytest.raises(KrillDeltaRejected):
        client.update_routes(added=[other], removed=[ENTRY])
    assert krill.routes() == []


def test_server_down_is_unavailable():
    stub = KrillStub().start()
    url = stub.url
    stub.stop()
    client = KrillClient(base_url=url, ca="platform", token="secret", timeout=2)
    with pytest.raises(KrillUnavailable, match=f"Krill at {url} is unreachable"):
        client.update_routes(added=[ENTRY], removed=[])


def test_wrong_token_rejected(krill):
    with pytest.raises(KrillRequestRejected, match="set RPKI_KRILL_TOKEN") as caught:
        client_for(krill, token="wrong").routes()
    assert caught.value.status == 401


def test_unknown_ca_rejected(krill):
    client = KrillClient(base_url=krill.url, ca="nobody", token="secret", timeout=5)
    with pytest.raises(KrillRequestRejected, match="HTTP 404: Unknown CA 'nobody'"):
        client.routes()
