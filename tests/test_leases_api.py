"""The leases endpoint: reading, the origin ASN, activation and cancellation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leases import services
from leases.choices import LeaseState, Term
from leases.models import Lease

pytestmark = pytest.mark.django_db


@pytest.fixture
def lessee_api(api_client_for, lessee):
    return api_client_for(lessee.owner)


@pytest.fixture
def reservation(holder, lessee, make_listing):
    return services.reserve(listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY)


def test_lease_list_shows_own_leases(lessee_api, reservation):
    response = lessee_api.get("/api/leases/")

    assert response.status_code == 200
    assert [row["prefix"] for row in response.json()["results"]] == ["198.51.100.0/24"]


def test_lease_list_filters_by_address(lessee_api, reservation):
    inside = lessee_api.get("/api/leases/?prefix=198.51.100.7")
    outside = lessee_api.get("/api/leases/?prefix=203.0.113.7")

    assert inside.json()["count"] == 1
    assert outside.json()["count"] == 0


def test_lease_detail_has_history(lessee_api, reservation):
    response = lessee_api.get(f"/api/leases/{reservation.pk}/")

    assert response.status_code == 200
    assert [event["kind"] for event in response.json()["events"]] == ["reserved"]


def test_activate_starts_lease(lessee_api, reservation):
    response = lessee_api.post(f"/api/leases/{reservation.pk}/activate/")

    assert response.status_code == 200
    assert response.json()["state"] == "active"


def test_activate_twice_is_409(lessee_api, reservation):
    lessee_api.post(f"/api/leases/{reservation.pk}/activate/")

    response = lessee_api.post(f"/api/leases/{reservation.pk}/activate/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"


def test_activate_lapsed_is_409(lessee_api, reservation):
    Lease.objects.filter(pk=reservation.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))

    response = lessee_api.post(f"/api/leases/{reservation.pk}/activate/")

    reservation.refresh_from_db()
    assert response.status_code == 409
    assert response.json()["code"] == "lapsed"
    assert reservation.state == LeaseState.CANCELLED


def test_cancel_frees_reservation(lessee_api, reservation):
    response = lessee_api.post(f"/api/leases/{reservation.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"


def test_patch_sets_origin_asn(lessee_api, reservation):
    response = lessee_api.patch(f"/api/leases/{reservation.pk}/", {"origin_asn": 4200000000}, format="json")

    reservation.refresh_from_db()
    assert response.status_code == 200
    assert reservation.origin_asn == 4200000000


def test_patch_rejects_out_of_range_asn(lessee_api, reservation):
    response = lessee_api.patch(f"/api/leases/{reservation.pk}/", {"origin_asn": 4294967296}, format="json")

    assert response.status_code == 400
    assert "origin_asn" in response.json()


def test_patch_ended_lease_is_409(lessee_api, reservation):
    services.activate(reservation)
    services.terminate(reservation, reason="test")

    response = lessee_api.patch(f"/api/leases/{reservation.pk}/", {"origin_asn": 64500}, format="json")

    assert response.status_code == 409
    assert "can no longer change" in response.json()["detail"]


def test_put_is_not_allowed(lessee_api, reservation):
    response = lessee_api.put(f"/api/leases/{reservation.pk}/", {"origin_asn": 64500}, format="json")

    assert response.status_code == 405


def test_lease_list_invalid_prefix_filter_is_400(lessee, api_client_for):
    response = api_client_for(lessee.owner).get("/api/leases/", {"prefix": "bogus"})
    assert response.status_code == 400
    assert response.json() == {
        "prefix": "'bogus' is not an IPv4 address or prefix; write 198.51.100.7 or 198.51.100.0/24."
    }
