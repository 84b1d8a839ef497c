"""Who may call which API endpoint.

The anonymous test walks the URL resolver, so endpoints added later are
covered without being listed here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from leases import services
from leases.choices import Term

pytestmark = pytest.mark.django_db

ANY_METHOD = frozenset({"GET", "POST"})

# Endpoints anonymous users may call, by URL name, with the methods that are public.
PUBLIC_ENDPOINTS = {
    "marketplace-api:listing-list": {"GET"},
    "marketplace-api:listing-detail": {"GET"},
    "api-schema": ANY_METHOD,
    "api-docs": ANY_METHOD,
    "api-token": ANY_METHOD,
    "abuse-api:public-report": ANY_METHOD,
}

NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _regex_to_path(regex):
    path = regex.lstrip("^").replace("\\Z", "").rstrip("$")
    path = NAMED_GROUP.sub(lambda match: "json" if match.group(1) == "format" else "1", path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", "1", path)
    return path.replace("\\.", ".").replace("/?", "/")


def api_endpoints():
    """Yield (path, full URL name) for every URL pattern under /api/."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            piece = _regex_to_path(str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                child_namespace = namespace
                if pattern.namespace:
                    child_namespace = f"{namespace}{pattern.namespace}:"
                yield from walk(pattern.url_patterns, prefix + piece, child_namespace)
            elif isinstance(pattern, URLPattern):
                yield "/" + prefix + piece, f"{namespace}{pattern.name}"

    for path, name in walk(get_resolver().url_patterns, "", ""):
        if path.startswith("/api/"):
            yield path, name


ENDPOINTS = sorted(set(api_endpoints()))


def test_walk_finds_core_endpoints():
    names = {name for _, name in ENDPOINTS}

    assert "marketplace-api:listing-rent" in names
    assert "leases-api:lease-activate" in names
    assert "accounts-api:organization-list" in names


PRIVATE_CALLS = [
    (method, path, name)
    for path, name in ENDPOINTS
    for method in ("GET", "POST")
    if method not in PUBLIC_ENDPOINTS.get(name, ())
]


@pytest.mark.parametrize(
    ("method", "path", "name"), PRIVATE_CALLS, ids=[f"{m} {p}" for m, p, _ in PRIVATE_CALLS]
)
def test_anonymous_is_rejected(method, path, name):
    response = APIClient().generic(method, path, data="{}", content_type="application/json")

    assert response.status_code in (401, 403), f"{method} {path} ({name}) returned {response.status_code}"


def test_anonymous_sees_published_listings(holder, make_listing):
    make_listing(holder, prefix="198.51.100.0/24")
    make_listing(holder, prefix="203.0.113.0/24", status="draft")

    response = APIClient().get("/api/listings/")

    assert response.status_code == 200
    assert [row["prefix"] for row in response.json()["results"]] == ["198.51.100.0/24"]


def test_anonymous_cannot_rent(holder, make_listing):
    listing = make_listing(holder)

    response = APIClient().post(
        f"/api/listings/{listing.pk}/rent/", {"prefix_length": 24, "term": "monthly"}, format="json"
    )

    assert response.status_code == 401


def test_schema_is_public():
    response = APIClient().get(reverse("api-schema"))

    assert response.status_code == 200
    assert b"/api/listings/{id}/rent/" in response.content


def test_docs_use_local_swagger_ui():
    response = APIClient().get(reverse("api-docs"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in content
    assert "cdn" not in content.lower()


# --- other organisations ----------------------------------------------------


@pytest.fixture
def stranger_api(api_client_for, make_organization):
    return api_client_for(make_organization("Stranger Networks").owner)


@pytest.fixture
def rented(holder, lessee, make_listing):
    listing = make_listing(holder, prefix="198.18.0.0/23")
    lease = services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    return listing, lease


def test_stranger_organization_list_is_own_only(stranger_api, holder):
    response = stranger_api.get("/api/organizations/")

    assert [row["name"] for row in response.json()["results"]] == ["Stranger Networks"]


def test_stranger_organization_detail_is_404(stranger_api, holder):
    assert stranger_api.get(f"/api/organizations/{holder.pk}/").status_code == 404
    assert stranger_api.patch(f"/api/organizations/{holder.pk}/", {"country": "DE"}).status_code == 404


def test_stranger_block_list_is_empty(stranger_api, rented):
    response = stranger_api.get("/api/blocks/")

    assert response.json()["results"] == []


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_stranger_block_detail_is_404(stranger_api, rented, method):
    listing, _ = rented

    response = getattr(stranger_api, method)(f"/api/blocks/{listing.block_id}/", {"country": "DE"})

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("patch", ""), ("put", ""), ("delete", ""), ("post", "publish/"), ("post", "pause/"),
     ("post", "withdraw/")],
)
def test_stranger_cannot_change_listing(stranger_api, rented, method, suffix):
    listing, _ = rented

    response = getattr(stranger_api, method)(
        f"/api/listings/{listing.pk}/{suffix}", {"price_per_ip_month": "0.01"}, format="json"
    )

    listing.refresh_from_db()
    assert response.status_code == 404
    assert str(listing.price_per_ip_month) == "0.4500"


def test_stranger_cannot_list_on_foreign_block(stranger_api, holder):
    from marketplace.models import IPBlock

    block = IPBlock.objects.create(prefix="203.0.113.0/24", holder=holder, rir="ripe", country="NL")

    response = stranger_api.post(
        "/api/listings/", {"block": block.pk, "price_per_ip_month": "0.30"}, format="json"
    )

    assert response.status_code == 400
    assert "block" in response.json()


def test_stranger_cannot_rent_for_foreign_lessee(stranger_api, rented, lessee):
    listing, _ = rented

    response = stranger_api.post(
        f"/api/listings/{listing.pk}/rent/",
        {"prefix_length": 24, "term": "monthly", "lessee": lessee.pk},
        format="json",
    )

    assert response.status_code == 400
    assert f"Organisation {lessee.pk} is not one you manage" in response.json()["lessee"][0]


def test_stranger_lease_list_is_empty(stranger_api, rented):
    assert stranger_api.get("/api/leases/").json()["results"] == []


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("patch", ""), ("post", "activate/"), ("post", "cancel/")]
)
def test_stranger_lease_detail_is_404(stranger_api, rented, method, suffix):
    _, lease = rented

    response = getattr(stranger_api, method)(
        f"/api/leases/{lease.pk}/{suffix}", {"origin_asn": 64500}, format="json"
    )

    assert response.status_code == 404


def test_holder_reads_lease_in_own_block(api_client_for, holder, rented):
    _, lease = rented

    response = api_client_for(holder.owner).get(f"/api/leases/{lease.pk}/")

    assert response.status_code == 200
    assert response.json()["lessee_name"] == "Lessee Hosting Ltd"


def test_holder_cannot_change_lessee_origin(api_client_for, holder, rented):
    _, lease = rented

    response = api_client_for(holder.owner).patch(
        f"/api/leases/{lease.pk}/", {"origin_asn": 64500}, format="json"
    )

    assert response.status_code == 404
