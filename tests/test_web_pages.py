"""The main web pages: status, key content, and who may see them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leases import services
from leases.choices import LeaseState, Term
from leases.models import Lease
from marketplace.choices import ListingStatus
from marketplace.models import IPBlock, Listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder_client(client, holder):
    client.force_login(holder.owner)
    return client


@pytest.fixture
def lessee_client(client, lessee):
    client.force_login(lessee.owner)
    return client


def test_home_shows_listing_count(client, holder, make_listing):
    make_listing(holder)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "Search 1 listing" in response.content.decode()


def test_login_page_renders(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    ["dashboard", "marketplace:block-list", "marketplace:block-create", "leases:lease-list",
     "marketplace:holder-leases"],
)
def test_private_pages_redirect_anonymous(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_dashboard_shows_revenue(holder_client, holder, lessee, make_listing):
    listing = make_listing(holder, price="0.50")
    services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)

    response = holder_client.get(reverse("dashboard"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<td>128.00</td>" in content  # gross: 256 addresses at 0.50
    assert "<td>12.80</td>" in content  # the 10% platform fee
    assert "<td>115.20</td>" in content  # net


def test_block_create_adds_block(holder_client, holder):
    response = holder_client.post(
        reverse("marketplace:block-create"),
        {"prefix": "203.0.113.0/24", "rir": "ripe", "country": "nl"},
    )

    block = IPBlock.objects.get(prefix="203.0.113.0/24")
    assert response.status_code == 302
    assert block.holder == holder
    assert block.country == "NL"


def test_block_create_shows_host_bits_message(holder_client):
    response = holder_client.post(
        reverse("marketplace:block-create"),
        {"prefix": "203.0.113.7/24", "rir": "ripe", "country": "NL"},
    )

    assert response.status_code == 200
    assert "the network address for /24 is 203.0.113.0/24" in response.content.decode()
    assert not IPBlock.objects.exists()


def test_block_create_names_overlapping_block(holder_client, make_organization, make_listing):
    make_listing(make_organization(), prefix="198.18.0.0/16")

    response = holder_client.post(
        reverse("marketplace:block-create"),
        {"prefix": "198.18.4.0/24", "rir": "ripe", "country": "NL"},
    )

    assert response.status_code == 200
    assert "overlaps the registered block 198.18.0.0/16" in response.content.decode()
    assert IPBlock.objects.count() == 1


def test_block_list_shows_own_blocks_only(holder_client, holder, make_organization, make_listing):
    make_listing(holder, prefix="198.51.100.0/24")
    make_listing(make_organization(), prefix="203.0.113.0/24")

    response = holder_client.get(reverse("marketplace:block-list"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "198.51.100.0/24" in content
    assert "203.0.113.0/24" not in content


def test_block_detail_of_other_organisation_is_404(holder_client, make_organization, make_listing):
    other = make_listing(make_organization(), prefix="203.0.113.0/24")

    response = holder_client.get(reverse("marketplace:block-detail", args=[other.block.pk]))

    assert response.status_code == 404


def test_listing_edit_creates_draft(holder_client, holder):
    block = IPBlock.objects.create(prefix="203.0.113.0/24", holder=holder, rir="ripe", country="NL")

    response = holder_client.post(
        reverse("marketplace:listing-edit", args=[block.pk]),
        {"price_per_ip_month": "0.40", "currency": "eur", "terms": "both",
         "yearly_discount_percent": "10", "allow_split": "", "max_prefix_length": "24"},
    )

    listing = Listing.objects.get(block=block)
    assert response.status_code == 302
    assert listing.status == ListingStatus.DRAFT
    assert listing.currency == "EUR"


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("publish", ListingStatus.DRAFT, ListingStatus.PUBLISHED),
        ("pause", ListingStatus.PUBLISHED, ListingStatus.PAUSED),
        ("publish", ListingStatus.PAUSED, ListingStatus.PUBLISHED),
        ("withdraw", ListingStatus.PUBLISHED, ListingStatus.WITHDRAWN),
        ("publish", ListingStatus.WITHDRAWN, ListingStatus.PUBLISHED),
    ],
)
def test_listing_status_actions(holder_client, holder, make_listing, action, start, end):
    listing = make_listing(holder, status=start)

    response = holder_client.post(reverse("marketplace:listing-status", args=[listing.pk, action]))

    listing.refresh_from_db()
    assert response.status_code == 302
    assert listing.status == end


def test_listing_withdrawn_cannot_pause(holder_client, holder, make_listing):
    listing = make_listing(holder, status=ListingStatus.WITHDRAWN)

    response = holder_client.post(
        reverse("marketplace:listing-status", args=[listing.pk, "pause"]), follow=True
    )

    listing.refresh_from_db()
    assert listing.status == ListingStatus.WITHDRAWN
    assert "it cannot be paused from that status" in response.content.decode()


def test_listing_status_of_other_organisation_is_404(holder_client, make_organization, make_listing):
    listing = make_listing(make_organization(), status=ListingStatus.DRAFT)

    response = holder_client.post(reverse("marketplace:listing-status", args=[listing.pk, "publish"]))

    assert response.status_code == 404


def test_search_filters_by_prefix_size(client, holder, make_listing):
    make_listing(holder, prefix="198.18.0.0/22", max_prefix_length=22)
    make_listing(holder, prefix="198.18.8.0/22", max_prefix_length=24)

    response = client.get(reverse("marketplace:listing-search"), {"prefix_size": "24"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "198.18.8.0/22" in content
    assert "198.18.0.0/22" not in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"rir": "arin"}, "203.0.113.0/24"),
        ({"country": "us"}, "203.0.113.0/24"),
        ({"max_price": "0.50"}, "198.51.100.0/24"),
        ({"min_price": "0.50"}, "203.0.113.0/24"),
        ({"term": "yearly"}, "198.51.100.0/24"),
    ],
)
def test_search_filters(client, holder, make_listing, query, expected):
    make_listing(holder, prefix="198.51.100.0/24", price="0.40")
    other = make_listing(holder, prefix="203.0.113.0/24", price="0.60", terms="monthly")
    IPBlock.objects.filter(pk=other.block.pk).update(rir="arin", country="US")

    response = client.get(reverse("marketplace:listing-search"), query)

    content = response.content.decode()
    assert "1 listing found" in content
    assert expected in content


def test_search_hides_drafts(client, holder, make_listing):
    make_listing(holder, status=ListingStatus.DRAFT)

    response = client.get(reverse("marketplace:listing-search"))

    assert "0 listings found" in response.content.decode()


def test_listing_detail_shows_price_table(client, holder, make_listing):
    listing = make_listing(
        holder, prefix="198.18.0.0/23", price="0.50", yearly_discount_percent="10"
    )

    response = client.get(reverse("marketplace:listing-detail", args=[listing.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<td>/23</td><td>512</td>" in content
    assert "256.00 USD" in content  # /23 monthly: 512 x 0.50
    assert "230.40 USD" in content  # /23 yearly: 512 x 0.45
    assert "115.20 USD" in content  # /24 yearly: 256 x 0.45


def test_listing_detail_of_draft_is_404(client, holder, make_listing):
    listing = make_listing(holder, status=ListingStatus.DRAFT)

    response = client.get(reverse("marketplace:listing-detail", args=[listing.pk]))

    assert response.status_code == 404


def test_rent_reserves_and_shows_hold_end(lessee_client, lessee, holder, make_listing):
    listing = make_listing(holder)

    response = lessee_client.post(
        reverse("marketplace:listing-rent", args=[listing.pk]),
        {"prefix_length": "24", "term": "monthly", "origin_asn": "64500", "auto_renew": "on"},
        follow=True,
    )

    lease = Lease.objects.get(lessee=lessee)
    content = response.content.decode()
    assert lease.state == LeaseState.RESERVED
    assert lease.origin_asn == 64500
    assert "Confirm and activate" in content
    assert f"{lease.reserved_until:%Y-%m-%d %H:%M:%S} UTC" in content


def test_rent_conflict_is_shown_on_form(lessee_client, lessee, holder, make_organization, make_listing):
    listing = make_listing(holder)
    services.rent(listing=listing, lessee=make_organization(), prefix_length=24, term=Term.MONTHLY)

    response = lessee_client.post(
        reverse("marketplace:listing-rent", args=[listing.pk]),
        {"prefix_length": "24", "term": "monthly"},
    )

    assert response.status_code == 400
    assert "No /24 is free in 198.51.100.0/24 right now" in response.content.decode()


def test_rent_own_block_is_refused_with_message(holder_client, holder, make_listing):
    listing = make_listing(holder)

    response = holder_client.post(
        reverse("marketplace:listing-rent", args=[listing.pk]),
        {"prefix_length": "24", "term": "monthly"},
    )

    assert response.status_code == 400
    assert "An organisation cannot lease its own block." in response.content.decode()


def test_confirm_activates_lease(lessee_client, lessee, holder, make_listing):
    lease = services.reserve(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.YEARLY
    )

    response = lessee_client.post(reverse("leases:lease-activate", args=[lease.pk]), follow=True)

    lease.refresh_from_db()
    assert lease.state == LeaseState.ACTIVE
    assert "is active until" in response.content.decode()


def test_confirm_after_lapse_shows_message(lessee_client, lessee, holder, make_listing):
    lease = services.reserve(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )
    Lease.objects.filter(pk=lease.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))

    response = lessee_client.post(reverse("leases:lease-activate", args=[lease.pk]), follow=True)

    lease.refresh_from_db()
    assert response.status_code == 200
    assert lease.state == LeaseState.CANCELLED
    assert "rent the space again" in response.content.decode()


def test_cancel_reservation_frees_prefix(lessee_client, lessee, holder, make_listing):
    lease = services.reserve(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )

    lessee_client.post(reverse("leases:lease-cancel", args=[lease.pk]))

    lease.refresh_from_db()
    assert lease.state == LeaseState.CANCELLED


def test_lease_list_shows_end_date(lessee_client, lessee, holder, make_listing):
    lease = services.rent(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )

    response = lessee_client.get(reverse("leases:lease-list"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "198.51.100.0/24" in content
    assert f"{lease.ends_at:%Y-%m-%d}" in content
    assert "Active" in content


def test_lease_detail_shows_history(lessee_client, lessee, holder, make_listing):
    lease = services.rent(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )

    response = lessee_client.get(reverse("leases:lease-detail", args=[lease.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<td>Reserved</td>" in content
    assert "<td>Activated</td>" in content
    assert "Save origin ASN" in content


def test_lease_detail_visible_to_holder_read_only(holder_client, lessee, holder, make_listing):
    lease = services.rent(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )

    response = holder_client.get(reverse("leases:lease-detail", args=[lease.pk]))

    assert response.status_code == 200
    assert "Save origin ASN" not in response.content.decode()


def test_lease_detail_of_other_organisation_is_404(client, make_organization, lessee, holder, make_listing):
    lease = services.rent(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )
    client.force_login(make_organization().owner)

    response = client.get(reverse("leases:lease-detail", args=[lease.pk]))

    assert response.status_code == 404


def test_origin_form_sets_asn(lessee_client, lessee, holder, make_listing):
    lease = services.rent(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )

    lessee_client.post(reverse("leases:lease-origin", args=[lease.pk]), {"origin_asn": "64501"})

    lease.refresh_from_db()
    assert lease.origin_asn == 64501


def test_origin_form_rejects_bad_asn(lessee_client, lessee, holder, make_listing):
    lease = services.rent(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )

    response = lessee_client.post(
        reverse("leases:lease-origin", args=[lease.pk]), {"origin_asn": "4294967296"}, follow=True
    )

    lease.refresh_from_db()
    assert lease.origin_asn is None
    assert "Origin ASN &#x27;4294967296&#x27;" in response.content.decode()


def test_holder_cannot_change_origin(holder_client, lessee, holder, make_listing):
    lease = services.rent(
        listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY
    )

    response = holder_client.post(reverse("leases:lease-origin", args=[lease.pk]), {"origin_asn": "64501"})

    assert response.status_code == 404


def test_holder_leases_page_lists_lessee(holder_client, lessee, holder, make_listing):
    services.rent(listing=make_listing(holder), lessee=lessee, prefix_length=24, term=Term.MONTHLY)

    response = holder_client.get(reverse("marketplace:holder-leases"))

    assert response.status_code == 200
    assert "Lessee Hosting Ltd" in response.content.decode()


@pytest.fixture
def foreign_objects(make_organization, make_listing):
    """A block, listing and reservation of two organisations the test user does not belong to."""
    owner, renter = make_organization(), make_organization()
    listing = make_listing(owner)
    lease = services.reserve(listing=listing, lessee=renter, prefix_length=24, term=Term.MONTHLY)
    return listing, lease


FOREIGN_PAGES = [
    ("get", "marketplace:block-detail", "block"),
    ("get", "marketplace:listing-edit", "block"),
    ("post", "marketplace:listing-edit", "block"),
    ("post", "marketplace:listing-status", "listing"),
    ("get", "leases:lease-detail", "lease"),
    ("get", "leases:lease-reservation", "lease"),
    ("post", "leases:lease-activate", "lease"),
    ("post", "leases:lease-cancel", "lease"),
    ("post", "leases:lease-origin", "lease"),
]


def _foreign_url(name, kind, listing, lease):
    pk = {"block": listing.block_id, "listing": listing.pk, "lease": lease.pk}[kind]
    if name == "marketplace:listing-status":
        return reverse(name, args=[pk, "withdraw"])
    return reverse(name, args=[pk])


@pytest.mark.parametrize(("method", "name", "kind"), FOREIGN_PAGES)
def test_foreign_object_pages_are_404(holder_client, foreign_objects, method, name, kind):
    listing, lease = foreign_objects

    response = getattr(holder_client, method)(_foreign_url(name, kind, listing, lease))

    lease.refresh_from_db()
    listing.refresh_from_db()
    assert response.status_code == 404
    assert lease.state == LeaseState.RESERVED
    assert listing.status == ListingStatus.PUBLISHED


@pytest.mark.parametrize(("method", "name", "kind"), FOREIGN_PAGES)
def test_object_pages_redirect_anonymous(client, foreign_objects, method, name, kind):
    listing, lease = foreign_objects

    response = getattr(client, method)(_foreign_url(name, kind, listing, lease))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_rent_redirects_anonymous(client, holder, make_listing):
    listing = make_listing(holder)

    response = client.post(
        reverse("marketplace:listing-rent", args=[listing.pk]), {"prefix_length": "24", "term": "monthly"}
    )

    assert response.status_code == 302
    assert not Lease.objects.exists()


def test_listing_search_defaults_to_any_size(client, holder, make_listing):
    make_listing(holder, "198.51.100.0/24")
    response = client.get(reverse("marketplace:listing-search"))
    body = response.content.decode()
    assert '<option value="" selected>Any size</option>' in body
    assert "198.51.100.0/24" in body


def test_listing_page_warns_lessee_without_due_diligence(client, holder, make_listing, make_organization):
    listing = make_listing(holder, "198.51.100.0/24")
    newcomer = make_organization("Newcomer Networks", kyc_approved=False)
    client.force_login(newcomer.owner)

    body = client.get(reverse("marketplace:listing-detail", args=[listing.pk])).content.decode()

    assert "Newcomer Networks has not completed due diligence" in body
    assert 'href="/kyc/"' in body


def test_listing_page_has_no_warning_for_approved_lessee(client, holder, lessee, make_listing):
    listing = make_listing(holder, "198.51.100.0/24")
    client.force_login(lessee.owner)

    body = client.get(reverse("marketplace:listing-detail", args=[listing.pk])).content.decode()

    assert "due diligence;" not in body
    assert "Reserve" in body
