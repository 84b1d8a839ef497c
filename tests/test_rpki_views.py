import pytest
from django.urls import reverse
from django.utils import timezone

from leases import services as lease_services
from leases.choices import Term
from rpki.choices import ChangeAction, ChangeStatus, RoaPurpose
from rpki.models import PublishedRoa, RoaChange
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)


@pytest.fixture
def space(holder, lessee, make_listing):
    listing = make_listing(holder, "198.18.0.0/23")
    lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY,
                                origin_asn=64500)
    now = timezone.now()
    PublishedRoa.objects.create(prefix="198.18.0.0/24", asn=64500, max_length=24, purpose=RoaPurpose.LEASE,
                                block=listing.block, lease=lease, published_at=now)
    PublishedRoa.objects.create(prefix="198.18.1.0/24", asn=64511, max_length=24, purpose=RoaPurpose.PARKING,
                                block=listing.block, published_at=now)
    RoaChange.objects.create(action=ChangeAction.ADD, prefix="198.18.0.0/24", asn=64500, max_length=24,
                             purpose=RoaPurpose.LEASE, block=listing.block, lease=lease, reason="activated",
                             backend="krill", status=ChangeStatus.PUBLISHED, requested_at=now, published_at=now)
    return listing.block, lease


def page_urls(block, lease):
    return {
        "overview": reverse("rpki:overview"),
        "block": reverse("rpki:block-detail", args=[block.pk]),
        "lease": reverse("rpki:lease-detail", args=[lease.pk]),
    }


def test_holder_sees_block_page(client, space, holder):
    block, lease = space
    client.force_login(holder.owner)
    response = client.get(page_urls(block, lease)["block"])
    assert response.status_code == 200
    assert b"AS64511" in response.content
    assert b"Partly authorised, partly parked" in response.content


def test_lessee_sees_lease_page(client, space, lessee):
    block, lease = space
    client.force_login(lessee.owner)
    response = client.get(page_urls(block, lease)["lease"])
    assert response.status_code == 200
    assert b"Authorised for AS64500" in response.content
    assert b"activated" in response.content


def test_overview_lists_own_space(client, space, holder, lessee):
    block, lease = space
    client.force_login(holder.owner)
    response = client.get(reverse("rpki:overview"))
    assert response.status_code == 200
    assert b"198.18.0.0/23" in response.content
    assert b"Your organisations lease no space." in response.content


def test_lessee_cannot_see_block_page(client, space, lessee):
    block, lease = space
    client.force_login(lessee.owner)
    assert client.get(page_urls(block, lease)["block"]).status_code == 404


def test_holder_cannot_see_lease_page(client, space, holder):
    block, lease = space
    client.force_login(holder.owner)
    assert client.get(page_urls(block, lease)["lease"]).status_code == 404


@pytest.mark.parametrize("page", ["block", "lease"])
def test_other_organisation_gets_404(client, space, make_organization, page):
    block, lease = space
    client.force_login(make_organization().owner)
    assert client.get(page_urls(block, lease)[page]).status_code == 404


def test_other_organisation_overview_empty(client, space, make_organization):
    client.force_login(make_organization().owner)
    response = client.get(reverse("rpki:overview"))
    assert response.status_code == 200
    assert b"198.18.0" not in response.content


@pytest.mark.parametrize("page", ["overview", "block", "lease"])
def test_anonymous_redirected_to_login(client, space, page):
    block, lease = space
    response = client.get(page_urls(block, lease)[page])
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_lessee_sets_max_length(client, space, lessee):
    from rpki.models import LeaseRoaRequest

    block, lease = space
    client.force_login(lessee.owner)
    response = client.post(reverse("rpki:lease-max-length", args=[lease.pk]), {"max_length": "25"})
    assert response.status_code == 302
    assert response["Location"] == reverse("rpki:lease-detail", args=[lease.pk])
    assert LeaseRoaRequest.objects.get(lease=lease).max_length == 25


def test_max_length_form_other_organisation_404(client, space, make_organization):
    block, lease = space
    client.force_login(make_organization().owner)
    response = client.post(reverse("rpki:lease-max-length", args=[lease.pk]), {"max_length": "25"})
    assert response.status_code == 404


def test_max_length_form_holder_404(client, space, holder):
    block, lease = space
    client.force_login(holder.owner)
    response = client.post(reverse("rpki:lease-max-length", args=[lease.pk]), {"max_length": "25"})
    assert response.status_code == 404


def test_max_length_form_anonymous_redirected(client, space):
    block, lease = space
    response = client.post(reverse("rpki:lease-max-length", args=[lease.pk]), {"max_length": "25"})
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_max_length_form_invalid_kept_out(client, space, lessee):
    from rpki.models import LeaseRoaRequest

    block, lease = space
    client.force_login(lessee.owner)
    response = client.post(reverse("rpki:lease-max-length", args=[lease.pk]), {"max_length": "abc"})
    assert response.status_code == 302
    assert not LeaseRoaRequest.objects.filter(lease=lease).exists()
