"""Space on the Spamhaus DROP list cannot be registered or published."""

import pytest
from django.core.exceptions import ValidationError

from marketplace import services
from marketplace.choices import ListingStatus
from monitoring.prefixlists import import_drop

DROP = "; Spamhaus DROP List\n198.18.4.0/22 ; SBL200001\n"


@pytest.fixture
def drop(db):
    import_drop(filename="drop.txt", raw=DROP)


def test_create_block_on_drop_rejected(drop, holder):
    with pytest.raises(ValidationError) as caught:
        services.create_block(holder=holder, prefix="198.18.5.0/24", rir="ripe", country="nl")
    assert caught.value.code == "on_drop"
    assert "198.18.4.0/22 (SBL200001)" in caught.value.message


def test_create_block_beside_drop_accepted(drop, holder):
    block = services.create_block(holder=holder, prefix="198.18.8.0/24", rir="ripe", country="nl")
    assert str(block.prefix) == "198.18.8.0/24"


def test_api_block_on_drop_returns_400(drop, holder, api_client_for):
    response = api_client_for(holder.owner).post(
        "/api/blocks/", {"prefix": "198.18.4.0/24", "rir": "ripe", "country": "NL"}, format="json"
    )
    assert response.status_code == 400
    assert "SBL200001" in str(response.json())


def test_publish_listing_after_drop_import_rejected(holder, make_listing):
    listing = make_listing(holder, "198.18.6.0/24", status=ListingStatus.DRAFT)
    import_drop(filename="drop.txt", raw=DROP)
    with pytest.raises(ValidationError) as caught:
        services.change_listing_status(listing, "publish")
    assert caught.value.code == "on_drop"
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DRAFT


def test_listing_page_shows_past_blocklist_listing(client, holder, make_listing):
    import ipaddress
    from datetime import datetime, timezone as dt_timezone

    from django.urls import reverse

    from monitoring.models import BlocklistListing, DnsblZone

    listing = make_listing(holder, "198.18.9.0/24")
    zone = DnsblZone.objects.create(name="bl.test.")
    BlocklistListing.objects.create(
        zone=zone, ip=int(ipaddress.IPv4Address("198.18.9.20")), kind=BlocklistListing.Kind.LISTING,
        codes=[{"code": "127.0.0.2", "meaning": "spam source"}],
        listed_at=datetime(2026, 2, 1, tzinfo=dt_timezone.utc),
        delisted_at=datetime(2026, 2, 9, tzinfo=dt_timezone.utc),
    )

    response = client.get(reverse("marketplace:listing-detail", args=[listing.pk]))

    body = response.content.decode()
    assert "Reputation history of 198.18.9.0/24" in body
    assert "1 past listing" in body
    assert "2026-02-09" in body
