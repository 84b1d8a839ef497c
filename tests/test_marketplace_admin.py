"""The admin: every model registered, and search by address or prefix by containment."""

import pytest
from django.apps import apps
from django.contrib import admin

from leases import services
from leases.choices import Term

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("app_label", ["accounts", "marketplace", "leases"])
def test_every_model_registered(app_label):
    unregistered = [
        model.__name__ for model in apps.get_app_config(app_label).get_models()
        if not admin.site.is_registered(model)
    ]

    assert unregistered == []


@pytest.fixture
def blocks(holder, make_listing):
    return [
        make_listing(holder, prefix="198.18.0.0/16").block,
        make_listing(holder, prefix="198.51.100.0/24").block,
        make_listing(holder, prefix="203.0.113.0/24").block,
    ]


def _rows(response):
    return [str(block.prefix) for block in response.context["cl"].result_list]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("198.18.7.9", ["198.18.0.0/16"]),
        ("198.18.7.0/24", ["198.18.0.0/16"]),
        ("198.0.0.0/8", ["198.18.0.0/16", "198.51.100.0/24"]),
        ("203.0.113.0/24", ["203.0.113.0/24"]),
        ("192.0.2.1", []),
    ],
)
def test_block_search_by_containment(staff_client, blocks, term, expected):
    response = staff_client.get("/admin/marketplace/ipblock/", {"q": term})

    assert response.status_code == 200
    assert _rows(response) == expected


def test_block_search_by_holder_name(staff_client, blocks):
    response = staff_client.get("/admin/marketplace/ipblock/", {"q": "Holder Networks"})

    assert len(_rows(response)) == 3


def test_lease_search_by_address(staff_client, holder, lessee, make_listing):
    listing = make_listing(holder, prefix="198.18.0.0/23")
    services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)

    response = staff_client.get("/admin/leases/lease/", {"q": "198.18.1.200"})

    assert [str(lease.prefix) for lease in response.context["cl"].result_list] == ["198.18.1.0/24"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/accounts/organization/", "/admin/accounts/membership/",
        "/admin/marketplace/ipblock/", "/admin/marketplace/listing/",
        "/admin/leases/lease/", "/admin/leases/leaseevent/",
    ],
)
def test_admin_changelists_render(staff_client, holder, lessee, make_listing, path):
    services.rent(listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY)

    response = staff_client.get(path, {"q": "Lessee"})

    assert response.status_code == 200


def test_lease_change_page_renders(staff_client, holder, lessee, make_listing):
    lease = services.rent(listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY)

    response = staff_client.get(f"/admin/leases/lease/{lease.pk}/change/")

    assert response.status_code == 200
    assert "Activated" in response.content.decode()
