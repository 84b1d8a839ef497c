"""Publishing a withdrawn listing again, the withdrawal's confirmation page, and leases across both."""

from datetime import datetime, timezone as dt_timezone

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Membership, Role
from leases import services as lease_services
from leases.choices import LeaseState, Term
from leases.exceptions import LeaseError
from leases.tasks import process_due_leases_task
from marketplace import services
from marketplace.choices import ListingStatus, VerificationStatus
from marketplace.models import IPBlock, Listing
from monitoring.prefixlists import import_drop

pytestmark = pytest.mark.django_db

PREFIX = "198.51.100.0/24"
# The block of the `published` listing, large enough for several leases.
LARGE_PREFIX = "198.18.0.0/22"
FIRST_PUBLISHED = datetime(2026, 1, 5, 9, 30, tzinfo=dt_timezone.utc)


@pytest.fixture
def holder_client(client, holder):
    client.force_login(holder.owner)
    return client


@pytest.fixture
def withdrawn(holder, make_listing):
    return make_listing(holder, PREFIX, status=ListingStatus.WITHDRAWN, published_at=FIRST_PUBLISHED)


@pytest.fixture
def published(holder, make_listing):
    return make_listing(holder, LARGE_PREFIX, status=ListingStatus.PUBLISHED)


def withdraw_url(listing):
    return reverse("marketplace:listing-withdraw", args=[listing.pk])


def publish_url(listing):
    return reverse("marketplace:listing-status", args=[listing.pk, "publish"])


def lease_snapshot(lease):
    """Return the lease fields that a change of the listing's status must leave alone."""
    lease.refresh_from_db()
    return (lease.state, lease.prefix, lease.period, lease.reserved_until, lease.price_per_ip_month,
            lease.origin_asn, lease.renewal_count)


# Publishing a withdrawn listing again


def test_service_publishes_withdrawn_listing(withdrawn):
    services.change_listing_status(withdrawn, "publish")

    withdrawn.refresh_from_db()
    assert withdrawn.status == ListingStatus.PUBLISHED


def test_republish_keeps_first_published_at(withdrawn):
    services.change_listing_status(withdrawn, "publish")

    withdrawn.refresh_from_db()
    assert withdrawn.published_at == FIRST_PUBLISHED


def test_republish_on_unverified_block_rejected(withdrawn):
    IPBlock.objects.filter(pk=withdrawn.block_id).update(verification_status=VerificationStatus.FAILED)
    withdrawn.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        services.change_listing_status(withdrawn, "publish")

    withdrawn.refresh_from_db()
    assert caught.value.code == "unverified"
    assert caught.value.messages == [
        f"The listing of {PREFIX} cannot be published because the block is not verified "
        f"(status: failed). Verify the block first: request the ROA proof on the block's page or "
        f"with POST /api/blocks/{withdrawn.block_id}/verify/ and create the ROA that it names. "
        "You can also ask staff to verify the block."
    ]
    assert withdrawn.status == ListingStatus.WITHDRAWN


def test_republish_on_drop_space_rejected(holder, make_listing):
    listing = make_listing(holder, "198.18.6.0/24", status=ListingStatus.WITHDRAWN)
    import_drop(filename="drop.txt", raw="; Spamhaus DROP List\n198.18.4.0/22 ; SBL200001\n")

    with pytest.raises(ValidationError) as caught:
        services.change_listing_status(listing, "publish")

    listing.refresh_from_db()
    assert caught.value.code == "on_drop"
    assert listing.status == ListingStatus.WITHDRAWN


def test_api_publishes_withdrawn_listing(withdrawn, api_client_for, holder):
    response = api_client_for(holder.owner).post(f"/api/listings/{withdrawn.pk}/publish/")

    withdrawn.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert withdrawn.status == ListingStatus.PUBLISHED


def test_api_republish_unverified_is_409(withdrawn, api_client_for, holder):
    IPBlock.objects.filter(pk=withdrawn.block_id).update(verification_status=VerificationStatus.UNVERIFIED)

    response = api_client_for(holder.owner).post(f"/api/listings/{withdrawn.pk}/publish/")

    withdrawn.refresh_from_db()
    assert response.status_code == 409
    assert response.json()["code"] == "unverified"
    assert withdrawn.status == ListingStatus.WITHDRAWN


def test_block_page_offers_publish_for_withdrawn(withdrawn, holder_client):
    page = holder_client.get(reverse("marketplace:block-detail", args=[withdrawn.block_id])).content.decode()

    assert f'<form method="post" action="{publish_url(withdrawn)}" class="inline">' in page


def test_web_publishes_withdrawn_listing(withdrawn, holder_client):
    response = holder_client.post(publish_url(withdrawn), follow=True)

    withdrawn.refresh_from_db()
    assert withdrawn.status == ListingStatus.PUBLISHED
    assert f"The listing of {PREFIX} is now published." in response.content.decode()


def test_web_republish_unverified_shows_error(withdrawn, holder_client):
    IPBlock.objects.filter(pk=withdrawn.block_id).update(verification_status=VerificationStatus.UNVERIFIED)

    response = holder_client.post(publish_url(withdrawn), follow=True)

    withdrawn.refresh_from_db()
    assert withdrawn.status == ListingStatus.WITHDRAWN
    assert escape(f"The listing of {PREFIX} cannot be published because the block is not verified") in (
        response.content.decode()
    )


# Confirming a withdrawal in the web UI


def test_block_page_withdraw_opens_confirmation(published, holder_client):
    page = holder_client.get(reverse("marketplace:block-detail", args=[published.block_id])).content.decode()

    assert f'<form method="get" action="{withdraw_url(published)}" class="inline">' in page
    assert f'<form method="post" action="{withdraw_url(published)}"' not in page


def test_confirmation_page_keeps_listing_published(published, holder_client):
    response = holder_client.get(withdraw_url(published))

    published.refresh_from_db()
    assert response.status_code == 200
    assert published.status == ListingStatus.PUBLISHED


def test_confirmation_page_offers_confirm_and_cancel(published, holder_client):
    page = holder_client.get(withdraw_url(published)).content.decode()

    assert f'<form method="post" action="{withdraw_url(published)}" class="inline">' in page
    assert '<button type="submit">Withdraw the listing</button>' in page
    assert f'<a href="{reverse("marketplace:block-detail", args=[published.block_id])}">Cancel</a>' in page


def test_confirmation_page_counts_leases(published, holder_client, lessee, make_organization):
    active = lease_services.rent(listing=published, lessee=lessee, prefix_length=23, term=Term.MONTHLY)
    lease_services.suspend(
        lease_services.rent(listing=published, lessee=lessee, prefix_length=24, term=Term.MONTHLY),
        reason="spam",
    )
    lease_services.reserve(listing=published, lessee=make_organization(), prefix_length=24, term=Term.MONTHLY)
    lease_services.terminate(active, reason="lessee left")

    page = holder_client.get(withdraw_url(published)).content.decode()

    assert "<li>Running leases (active or suspended): 1. They keep running and renew as before.</li>" in page
    assert "<li>Open reservations: 1. Their lessees can still activate them until the hold ends.</li>" in page


def test_confirmed_withdrawal_withdraws(published, holder_client):
    response = holder_client.post(withdraw_url(published))

    published.refresh_from_db()
    assert response.status_code == 302
    assert response.url == reverse("marketplace:block-detail", args=[published.block_id])
    assert published.status == ListingStatus.WITHDRAWN


def test_confirmed_withdrawal_reports_status(published, holder_client):
    response = holder_client.post(withdraw_url(published), follow=True)

    assert f"The listing of {LARGE_PREFIX} is now withdrawn." in response.content.decode()


def test_confirmation_page_of_withdrawn_listing(withdrawn, holder_client):
    page = holder_client.get(withdraw_url(withdrawn)).content.decode()

    assert f"<p>The listing of {PREFIX} is already withdrawn.</p>" in page
    assert "Withdraw the listing</button>" not in page


def test_confirmation_page_of_other_organisation_is_404(holder_client, make_organization, make_listing):
    listing = make_listing(make_organization())

    response = holder_client.get(withdraw_url(listing))

    assert response.status_code == 404


def test_non_managing_member_cannot_withdraw(published, holder, make_user, client):
    member = make_user()
    Membership.objects.create(user=member, organization=holder, role=Role.BILLING)
    client.force_login(member)

    page = client.get(withdraw_url(published))
    post = client.post(withdraw_url(published))

    published.refresh_from_db()
    assert page.status_code == 403
    assert post.status_code == 403
    assert published.status == ListingStatus.PUBLISHED


# Leases and reservations across a withdrawal and a new publication


def test_withdrawal_keeps_active_lease(published, lessee):
    lease = lease_services.rent(listing=published, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    before = lease_snapshot(lease)

    services.change_listing_status(published, "withdraw")

    assert lease_snapshot(lease) == before
    assert lease.state == LeaseState.ACTIVE


def test_withdrawal_keeps_reservation(published, lessee):
    lease = lease_services.reserve(listing=published, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    before = lease_snapshot(lease)

    services.change_listing_status(published, "withdraw")

    assert lease_snapshot(lease) == before
    assert lease.state == LeaseState.RESERVED


def test_reservation_activates_after_withdrawal(published, lessee):
    lease = lease_services.reserve(listing=published, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    services.change_listing_status(published, "withdraw")

    lease_services.activate(lease)

    lease.refresh_from_db()
    assert lease.state == LeaseState.ACTIVE


def test_lease_renews_while_withdrawn(holder, lessee, make_listing):
    listing = make_listing(holder, PREFIX)
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=dt_timezone.utc), tick=False):
        lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
        services.change_listing_status(listing, "withdraw")

    with time_machine.travel(datetime(2026, 4, 1, 9, 1, tzinfo=dt_timezone.utc), tick=False):
        renewed = process_due_leases_task()

    lease.refresh_from_db()
    assert renewed == 1
    assert lease.state == LeaseState.ACTIVE
    assert lease.period.upper == datetime(2026, 5, 1, 9, 0, tzinfo=dt_timezone.utc)


def test_withdrawn_listing_rejects_new_reservation(withdrawn, lessee):
    with pytest.raises(LeaseError) as caught:
        lease_services.reserve(listing=withdrawn, lessee=lessee, prefix_length=24, term=Term.MONTHLY)

    assert caught.value.code == "not_published"
    assert caught.value.message == (
        f"Listing {PREFIX} is withdrawn, not published; it cannot be rented now."
    )


def test_republication_keeps_leases(published, lessee, make_organization):
    active = lease_services.rent(listing=published, lessee=lessee, prefix_length=23, term=Term.MONTHLY)
    reserved = lease_services.reserve(
        listing=published, lessee=make_organization(), prefix_length=23, term=Term.YEARLY
    )
    before = (lease_snapshot(active), lease_snapshot(reserved))

    services.change_listing_status(published, "withdraw")
    services.change_listing_status(published, "publish")

    assert (lease_snapshot(active), lease_snapshot(reserved)) == before


def test_republished_listing_rents_free_space(published, lessee, make_organization):
    lease_services.rent(listing=published, lessee=lessee, prefix_length=23, term=Term.MONTHLY)
    services.change_listing_status(published, "withdraw")
    services.change_listing_status(published, "publish")

    lease = lease_services.reserve(
        listing=Listing.objects.get(pk=published.pk), lessee=make_organization(), prefix_length=23,
        term=Term.MONTHLY,
    )

    assert str(lease.prefix) == "198.18.2.0/23"
