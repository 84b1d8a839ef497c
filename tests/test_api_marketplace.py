"""The blocks, listings, organisations and rent endpoints, as their owners use them."""

import pytest
from rest_framework.test import APIClient

from leases import services
from leases.choices import Term
from leases.models import Lease
from marketplace.choices import ListingStatus
from marketplace.models import IPBlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder_api(api_client_for, holder):
    return api_client_for(holder.owner)


@pytest.fixture
def lessee_api(api_client_for, lessee):
    return api_client_for(lessee.owner)


def test_organization_create_makes_user_owner(api_client_for, make_user):
    user = make_user()

    response = api_client_for(user).post("/api/organizations/", {"name": "New Co", "country": "se"})

    assert response.status_code == 201
    assert response.json()["role"] == "owner"
    assert response.json()["country"] == "SE"


def test_organization_duplicate_name_is_named(api_client_for, make_user, holder):
    response = api_client_for(make_user()).post("/api/organizations/", {"name": "holder networks b.v."})

    assert response.status_code == 400
    assert "'holder networks b.v.' already exists" in response.json()["name"][0]


def test_block_create(holder_api, holder):
    response = holder_api.post(
        "/api/blocks/", {"prefix": "203.0.113.0/24", "rir": "ripe", "country": "nl"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["prefix"] == "203.0.113.0/24"
    assert response.json()["holder"] == holder.pk
    assert response.json()["address_count"] == 256


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("203.0.113.7/24", "'203.0.113.7/24' has host bits set"),
        ("203.000.113.0/24", "'203.000.113.0/24' has octets with leading zeros"),
        ("10.0.0.0/8", "10.0.0.0/8 overlaps 10.0.0.0/8, which is private-use space"),
        ("2001:db8::/32", "'2001:db8::/32' is an IPv6 prefix"),
        ("203.0.113.0/25", "203.0.113.0/25 is a /25"),
    ],
)
def test_block_create_rejects_with_message(holder_api, prefix, message):
    response = holder_api.post(
        "/api/blocks/", {"prefix": prefix, "rir": "ripe", "country": "NL"}, format="json"
    )

    assert response.status_code == 400
    assert message in response.json()["prefix"][0]


def test_block_overlap_names_existing_block(holder_api, make_organization, make_listing):
    make_listing(make_organization(), prefix="198.18.0.0/16")

    response = holder_api.post(
        "/api/blocks/", {"prefix": "198.18.128.0/24", "rir": "ripe", "country": "NL"}, format="json"
    )

    assert response.status_code == 400
    assert "overlaps the registered block 198.18.0.0/16" in response.json()["prefix"][0]


def test_block_update_changes_description(holder_api, holder, make_listing):
    block = make_listing(holder).block

    response = holder_api.patch(f"/api/blocks/{block.pk}/", {"description": "Amsterdam"}, format="json")

    block.refresh_from_db()
    assert response.status_code == 200
    assert block.description == "Amsterdam"


def test_block_prefix_cannot_change(holder_api, holder, make_listing):
    block = make_listing(holder).block

    response = holder_api.patch(f"/api/blocks/{block.pk}/", {"prefix": "203.0.113.0/24"}, format="json")

    assert response.status_code == 400
    assert "cannot change to 203.0.113.0/24" in response.json()["prefix"][0]


def test_block_delete_without_listing(holder_api, holder):
    block = IPBlock.objects.create(prefix="203.0.113.0/24", holder=holder, rir="ripe", country="NL")

    response = holder_api.delete(f"/api/blocks/{block.pk}/")

    assert response.status_code == 204
    assert not IPBlock.objects.exists()


def test_listing_delete_with_leases_is_409(holder_api, holder, lessee, make_listing):
    listing = make_listing(holder)
    services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)

    response = holder_api.delete(f"/api/listings/{listing.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == "protected"


def test_listing_create_and_publish(holder_api, holder):
    block = IPBlock.objects.create(
        prefix="198.18.0.0/22", holder=holder, rir="ripe", country="NL", verification_status="verified"
    )

    created = holder_api.post(
        "/api/listings/",
        {"block": block.pk, "price_per_ip_month": "0.35", "terms": "yearly", "max_prefix_length": 24},
        format="json",
    )
    published = holder_api.post(f"/api/listings/{created.json()['id']}/publish/")

    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    assert created.json()["rentable_prefix_lengths"] == [22, 23, 24]
    assert published.status_code == 200
    assert published.json()["status"] == "published"


def test_listing_second_for_block_is_rejected(holder_api, holder, make_listing):
    listing = make_listing(holder)

    response = holder_api.post(
        "/api/listings/", {"block": listing.block_id, "price_per_ip_month": "0.30"}, format="json"
    )

    assert response.status_code == 400
    assert "198.51.100.0/24 already has a listing" in response.json()["block"][0]


def test_listing_pause_twice_is_409(holder_api, holder, make_listing):
    listing = make_listing(holder, status=ListingStatus.PAUSED)

    response = holder_api.post(f"/api/listings/{listing.pk}/pause/")

    assert response.status_code == 409
    assert "is paused" in response.json()["detail"]


def test_owner_sees_own_draft_listing(holder_api, holder, make_listing):
    listing = make_listing(holder, status=ListingStatus.DRAFT)

    response = holder_api.get(f"/api/listings/{listing.pk}/")

    assert response.status_code == 200


def test_others_do_not_see_draft_listing(lessee_api, holder, make_listing):
    listing = make_listing(holder, status=ListingStatus.DRAFT)

    response = lessee_api.get(f"/api/listings/{listing.pk}/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("prefix_size=24", ["198.18.8.0/22"]),
        ("prefix_size=22", ["198.18.0.0/22", "198.18.8.0/22"]),
        ("rir=arin", ["198.18.0.0/22"]),
        ("country=us", ["198.18.0.0/22"]),
        ("max_price=0.40", ["198.18.8.0/22"]),
        ("min_price=0.40", ["198.18.0.0/22"]),
        ("term=yearly", ["198.18.8.0/22"]),
    ],
)
def test_listing_filters(holder, make_listing, query, expected):
    first = make_listing(holder, prefix="198.18.0.0/22", price="0.50", max_prefix_length=22, terms="monthly")
    make_listing(holder, prefix="198.18.8.0/22", price="0.30")
    IPBlock.objects.filter(pk=first.block_id).update(rir="arin", country="US")

    response = APIClient().get(f"/api/listings/?{query}&ordering=block__prefix")

    assert [row["prefix"] for row in response.json()["results"]] == expected


def test_listing_filter_rejects_bad_term(holder, make_listing):
    response = APIClient().get("/api/listings/?term=weekly")

    assert response.status_code == 400
    assert "weekly" in response.json()["term"][0]


def test_rent_activates_by_default(lessee_api, lessee, holder, make_listing):
    listing = make_listing(holder, prefix="198.18.0.0/23")

    response = lessee_api.post(
        f"/api/listings/{listing.pk}/rent/",
        {"prefix_length": 24, "term": "yearly", "origin_asn": 64500},
        format="json",
    )

    body = response.json()
    assert response.status_code == 201
    assert body["prefix"] == "198.18.0.0/24"
    assert body["state"] == "active"
    assert body["origin_asn"] == 64500
    assert body["lessee"] == lessee.pk


def test_rent_without_activate_reserves(lessee_api, holder, make_listing):
    listing = make_listing(holder)

    response = lessee_api.post(
        f"/api/listings/{listing.pk}/rent/",
        {"prefix_length": 24, "term": "monthly", "activate": False},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["state"] == "reserved"
    assert response.json()["reserved_until"] is not None


def test_rent_conflict_is_409(lessee_api, holder, make_organization, make_listing):
    listing = make_listing(holder)
    services.rent(listing=listing, lessee=make_organization(), prefix_length=24, term=Term.MONTHLY)

    response = lessee_api.post(
        f"/api/listings/{listing.pk}/rent/", {"prefix_length": 24, "term": "monthly"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "No /24 is free in 198.51.100.0/24 right now; choose a smaller prefix or another listing.",
        "code": "conflict",
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"prefix_length": 24}, "term"),
        ({"prefix_length": "abc", "term": "monthly"}, "prefix_length"),
        ({"prefix_length": 24, "term": "weekly"}, "term"),
        ({"prefix_length": 24, "term": "monthly", "origin_asn": 0}, "origin_asn"),
    ],
)
def test_rent_bad_request_is_400(lessee_api, holder, make_listing, payload, field):
    listing = make_listing(holder)

    response = lessee_api.post(f"/api/listings/{listing.pk}/rent/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_rent_unoffered_length_is_400(lessee_api, holder, make_listing):
    listing = make_listing(holder)

    response = lessee_api.post(
        f"/api/listings/{listing.pk}/rent/", {"prefix_length": 25, "term": "monthly"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "prefix_length"


def test_rent_paused_listing_is_404(lessee_api, holder, make_listing):
    listing = make_listing(holder, status=ListingStatus.PAUSED)

    response = lessee_api.post(
        f"/api/listings/{listing.pk}/rent/", {"prefix_length": 24, "term": "monthly"}, format="json"
    )

    assert response.status_code == 404
    assert not Lease.objects.exists()


def test_rent_needs_lessee_when_several_managed(api_client_for, lessee, holder, make_listing):
    from accounts.services import create_organization

    create_organization(user=lessee.owner, name="Second Lessee")
    listing = make_listing(holder)

    response = api_client_for(lessee.owner).post(
        f"/api/listings/{listing.pk}/rent/", {"prefix_length": 24, "term": "monthly"}, format="json"
    )

    assert response.status_code == 400
    assert "several organisations" in response.json()["lessee"][0]




def test_block_same_prefix_names_existing_block(holder_api, make_organization, make_listing):
    make_listing(make_organization(), prefix="198.18.0.0/24")

    response = holder_api.post(
        "/api/blocks/", {"prefix": "198.18.0.0/24", "rir": "ripe", "country": "NL"}, format="json"
    )

    assert response.status_code == 400
    assert "198.18.0.0/24 overlaps the registered block 198.18.0.0/24" in response.json()["prefix"][0]


def test_listing_filter_available(holder, lessee, make_listing):
    leased_listing = make_listing(holder, prefix="198.51.100.0/24")
    make_listing(holder, prefix="203.0.113.0/24")
    services.rent(listing=leased_listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)

    available = APIClient().get("/api/listings/?available=true")
    leased = APIClient().get("/api/listings/?available=false")

    assert [row["prefix"] for row in available.json()["results"]] == ["203.0.113.0/24"]
    assert [row["prefix"] for row in leased.json()["results"]] == ["198.51.100.0/24"]


def test_organization_list_shows_role(api_client_for, holder):
    response = api_client_for(holder.owner).get("/api/organizations/")

    assert response.json()["results"][0]["role"] == "owner"


def test_organization_patch_by_owner(api_client_for, holder):
    response = api_client_for(holder.owner).patch(f"/api/organizations/{holder.pk}/", {"country": "de"})

    holder.refresh_from_db()
    assert response.status_code == 200
    assert holder.country == "DE"
    assert response.json()["role"] == "owner"


def test_block_create_rejects_unknown_country(holder, api_client_for):
    body = {"prefix": "198.18.40.0/24", "rir": "ripe", "country": "ZZ"}
    response = api_client_for(holder.owner).post("/api/blocks/", body, format="json")
    assert response.status_code == 400
    assert "'ZZ' is not an ISO 3166-1 alpha-2 country code" in str(response.json()["country"])


def test_listing_rejects_unknown_currency(holder, api_client_for):
    from marketplace.models import IPBlock

    block = IPBlock.objects.create(prefix="198.18.41.0/24", holder=holder, rir="ripe", country="NL")
    response = api_client_for(holder.owner).post(
        "/api/listings/", {"block": block.pk, "price_per_ip_month": "0.40", "currency": "XYZ"}, format="json"
    )
    assert response.status_code == 400
    assert "'XYZ' is not an ISO 4217 currency code" in str(response.json()["currency"])


def test_organization_rejects_unknown_country(holder, api_client_for):
    response = api_client_for(holder.owner).post(
        "/api/organizations/", {"name": "Nowhere Ltd", "country": "ZZ"}, format="json"
    )
    assert response.status_code == 400
    assert "'ZZ' is not an ISO 3166-1 alpha-2 country code" in str(response.json()["country"])
