"""Proof of control of a block by ROA, and the rule that only verified blocks are published."""

import json
import secrets
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Membership, Role
from leases import services as lease_services
from leases.choices import LeaseState, Term
from marketplace import services
from marketplace.checks import check_proof_settings
from marketplace.choices import RIR, ListingStatus, VerificationMethod, VerificationStatus
from marketplace.models import IPBlock, Listing
from marketplace.verification import check_roa_proofs, request_roa_proof
from rpki.imports import import_vrps
from rpki.choices import RoaPurpose
from rpki.models import PublishedRoa
from rpki.parsers import ParseError
from rpki.testing import empty_rpki_tables  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.django_db

# The proof ASNs of the first and second request, from the `draws` fixture's offsets 1 and 2.
PROOF_ASN = 4_200_000_001
SECOND_ASN = 4_200_000_002
PREFIX = "198.51.100.0/24"
# Size of the private 32-bit ASN range 4200000000-4294967294 (RFC 6996).
PRIVATE_RANGE_SIZE = 94_967_295


@pytest.fixture(autouse=True)
def proof_settings(settings):
    settings.MARKETPLACE_PROOF_DAYS = 14
    settings.RPKI_PARKING_ASN = 64511


class QueuedRandom:
    """Stand-in for the `secrets` module in marketplace.verification.

    `randbelow` returns the queued offsets in order, then real random
    numbers once the queue is empty, and records each bound it is called with.
    """

    def __init__(self, offsets):
        self.offsets = list(offsets)
        self.bounds = []

    def randbelow(self, bound):
        self.bounds.append(bound)
        if self.offsets:
            return self.offsets.pop(0)
        return secrets.randbelow(bound)


@pytest.fixture(autouse=True)
def draws(monkeypatch):
    """Make the first two proof ASN draws PROOF_ASN and SECOND_ASN."""
    queued = QueuedRandom([1, 2])
    monkeypatch.setattr("marketplace.verification.secrets", queued)
    return queued


@pytest.fixture
def block(holder):
    return IPBlock.objects.create(prefix=PREFIX, holder=holder, rir=RIR.RIPE, country="NL")


@pytest.fixture
def draft_listing(block):
    return Listing.objects.create(block=block, price_per_ip_month="0.45", status=ListingStatus.DRAFT)


@pytest.fixture
def import_json(django_capture_on_commit_callbacks):
    """Import VRP text through import_vrps and run what it queues for after the commit."""

    def run(text):
        with django_capture_on_commit_callbacks(execute=True):
            return import_vrps(text, filename="vrps.json")

    return run


@pytest.fixture
def holder_client(client, holder):
    client.force_login(holder.owner)
    return client


@pytest.fixture
def stranger(make_organization):
    return make_organization("Stranger Networks Ltd")


def routinator_json(*roas):
    """Return a VRP export in Routinator's JSON layout with `roas` as (ASN, prefix, maxLength).

    Each export also contains an unrelated VRP, as a real one would.
    """
    entries = [{"asn": "AS64496", "prefix": "192.0.2.0/24", "maxLength": 24, "ta": "ripe"}]
    entries += [
        {"asn": f"AS{asn}", "prefix": prefix, "maxLength": max_length, "ta": "ripe"}
        for asn, prefix, max_length in roas
    ]
    document = {
        "metadata": {"generated": 1796083200, "generatedTime": "2026-12-01T00:00:00Z"},
        "roas": entries,
    }
    return json.dumps(document, indent=2)


def utc_text(moment):
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def expected_instructions(deadline, asn=PROOF_ASN):
    return (
        f"Create a ROA for {PREFIX} with origin AS{asn} and maxLength 24 in the RPKI of your RIR. "
        f"AS{asn} is a private ASN drawn for this request only. The platform marks the block verified "
        "as soon as the ROA appears in the validated ROA payloads it imports, if that happens before "
        f"{utc_text(deadline)}. Delete the ROA once the block is verified, because it authorises "
        f"AS{asn} to announce the block."
    )


def expected_publish_error(block, status_label):
    """Return the publication error for a block without a pending ROA proof."""
    return (
        f"The listing of {PREFIX} cannot be published because the block is not verified "
        f"(status: {status_label}). Verify the block first: request the ROA proof on the block's page "
        f"or with POST /api/blocks/{block.pk}/verify/ and create the ROA that it names. "
        "You can also ask staff to verify the block."
    )


def expected_pending_publish_error(deadline):
    return (
        f"The listing of {PREFIX} cannot be published because the block is not verified "
        f"(status: pending). Verify the block first: create a ROA for {PREFIX} with origin "
        f"AS{PROOF_ASN} and maxLength 24 before {utc_text(deadline)}. The platform looks for it after "
        "each VRP import. You can also ask staff to verify the block."
    )


# Requesting the proof


def test_request_makes_block_pending_by_roa(block):
    before = timezone.now()

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING
    assert block.verification_method == VerificationMethod.ROA
    assert before <= block.verification_requested_at <= timezone.now()
    assert block.verified_at is None
    assert block.verification_note == ""


def test_request_stores_drawn_proof_asn(block, draws):
    request_roa_proof(block)

    block.refresh_from_db()
    assert block.proof_asn == PROOF_ASN
    assert draws.bounds == [PRIVATE_RANGE_SIZE]


def test_proof_asn_lowest_offset_is_range_start(block, draws):
    draws.offsets = [0]

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.proof_asn == 4_200_000_000


def test_proof_asn_highest_offset_is_range_end(block, draws):
    draws.offsets = [PRIVATE_RANGE_SIZE - 1]

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.proof_asn == 4_294_967_294


def test_random_proof_asn_is_private(block, draws):
    draws.offsets = []

    request_roa_proof(block)

    block.refresh_from_db()
    assert 4_200_000_000 <= block.proof_asn <= 4_294_967_294


def test_proof_asn_outside_private_range_rejected(block):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            IPBlock.objects.filter(pk=block.pk).update(proof_asn=64510)


def test_pending_roa_proof_without_asn_rejected(block):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            IPBlock.objects.filter(pk=block.pk).update(
                verification_status=VerificationStatus.PENDING,
                verification_method=VerificationMethod.ROA,
                verification_requested_at=timezone.now(),
            )


def test_draw_skips_parking_asn(block, settings):
    settings.RPKI_PARKING_ASN = PROOF_ASN

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.proof_asn == SECOND_ASN


def test_draw_skips_asn_of_current_vrp(block, import_json):
    import_json(routinator_json((PROOF_ASN, "198.51.100.0/23", 24)))

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.proof_asn == SECOND_ASN
    assert block.verification_status == VerificationStatus.PENDING


def test_api_request_returns_instructions(block, api_client_for, holder):
    response = api_client_for(holder.owner).post(f"/api/blocks/{block.pk}/verify/")

    block.refresh_from_db()
    deadline = block.verification_requested_at + timedelta(days=14)
    assert response.status_code == 202
    assert response.json()["verification_status"] == "pending"
    assert response.json()["verification_method"] == "roa"
    assert response.json()["roa_proof"] == {
        "prefix": PREFIX,
        "origin_asn": PROOF_ASN,
        "max_length": 24,
        "deadline": deadline.isoformat().replace("+00:00", "Z"),
        "instructions": expected_instructions(deadline),
    }


def test_api_block_shows_proof_asn(block, api_client_for, holder):
    request_roa_proof(block)

    response = api_client_for(holder.owner).get(f"/api/blocks/{block.pk}/")

    assert response.json()["proof_asn"] == PROOF_ASN


def test_api_roa_proof_null_unless_pending(block, api_client_for, holder):
    response = api_client_for(holder.owner).get(f"/api/blocks/{block.pk}/")

    assert response.status_code == 200
    assert response.json()["verification_status"] == "unverified"
    assert response.json()["roa_proof"] is None


def test_web_request_shows_instructions_on_block_page(block, holder_client):
    response = holder_client.post(reverse("marketplace:block-verify", args=[block.pk]), follow=True)

    block.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 200
    assert block.verification_status == VerificationStatus.PENDING
    deadline = block.verification_requested_at + timedelta(days=14)
    assert f'<p class="roa-proof-instructions">{expected_instructions(deadline)}</p>' in page
    assert f"<td>{PREFIX}</td><td>AS{PROOF_ASN}</td><td>24</td>" in page


def test_block_page_offers_proof_for_unverified_block(block, holder_client):
    response = holder_client.get(reverse("marketplace:block-detail", args=[block.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("marketplace:block-verify", args=[block.pk]) in page
    assert "Verify by ROA</button>" in page


def test_second_request_keeps_the_asn(block):
    request_roa_proof(block)

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.proof_asn == PROOF_ASN


def test_second_request_keeps_the_deadline(block):
    request_roa_proof(block)
    block.refresh_from_db()
    first_request = block.verification_requested_at

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING
    assert block.verification_requested_at == first_request


def test_request_on_verified_block_rejected(block, api_client_for, holder):
    IPBlock.objects.filter(pk=block.pk).update(verification_status=VerificationStatus.VERIFIED)

    response = api_client_for(holder.owner).post(f"/api/blocks/{block.pk}/verify/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Block {PREFIX} is already verified, so it needs no ROA proof.",
        "code": "verified",
    }


def test_repeated_request_checks_current_vrps(block, api_client_for, holder):
    request_roa_proof(block)
    # Imported without running the check that a committed import queues.
    import_vrps(routinator_json((PROOF_ASN, PREFIX, 24)), filename="vrps.json")

    response = api_client_for(holder.owner).post(f"/api/blocks/{block.pk}/verify/")

    assert response.status_code == 200
    assert response.json()["verification_status"] == "verified"
    assert response.json()["roa_proof"] is None


# The check against the current VRPs


def test_vrp_with_proof_asn_verifies(block, import_json):
    request_roa_proof(block)

    record = import_json(routinator_json((PROOF_ASN, PREFIX, 24)))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.VERIFIED
    assert block.verification_method == VerificationMethod.ROA
    assert block.verified_at is not None
    assert block.verification_note == (
        f"Verified by the VRP {PREFIX}-24 AS{PROOF_ASN} (trust anchor ripe) "
        f"in VRP import {record.pk} of {utc_text(record.received_at)}."
    )


def test_vrp_with_other_asn_does_not_verify(block, import_json):
    request_roa_proof(block)

    import_json(routinator_json((64511, PREFIX, 24), (64500, PREFIX, 24), (SECOND_ASN, PREFIX, 24)))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING


def test_short_max_length_does_not_verify(block, import_json):
    request_roa_proof(block)

    import_json(routinator_json((PROOF_ASN, "198.51.100.0/23", 23)))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING


def test_more_specific_vrp_does_not_verify(block, import_json):
    request_roa_proof(block)

    import_json(routinator_json(
        (PROOF_ASN, "198.51.100.0/25", 25),
        (PROOF_ASN, "198.51.100.128/25", 25),
    ))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING


def test_covering_vrp_verifies(block, import_json):
    request_roa_proof(block)

    import_json(routinator_json((PROOF_ASN, "198.51.100.0/23", 24)))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.VERIFIED
    assert block.verification_note.startswith(f"Verified by the VRP 198.51.100.0/23-24 AS{PROOF_ASN} ")


def test_vrp_only_in_older_import_does_not_verify(block, import_json):
    import_json(routinator_json((PROOF_ASN, PREFIX, 24)))
    import_json(routinator_json())

    request_roa_proof(block)
    result = check_roa_proofs()

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING
    assert result.verified == []


def test_failed_import_keeps_the_current_vrps(block, import_json):
    request_roa_proof(block)
    import_vrps(routinator_json((PROOF_ASN, PREFIX, 24)), filename="vrps.json")
    with pytest.raises(ParseError):
        import_json('{"roas": [{"asn": "AS64510"}]}')

    check_roa_proofs()

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.VERIFIED


def test_expired_vrp_does_not_verify(block, import_json):
    request_roa_proof(block)
    expired = int(time.time()) - 3600
    rpki_client_json = json.dumps({
        "metadata": {"buildmachine": "validator.example.net", "buildtime": "2026-12-01T00:00:00Z"},
        "roas": [{"asn": PROOF_ASN, "prefix": PREFIX, "maxLength": 24, "ta": "ripe", "expires": expired}],
    })

    import_json(rpki_client_json)

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING


def test_vrp_of_a_platform_roa_does_not_verify(block, import_json):
    # A lessee chose the proof ASN as its origin, and the platform published that ROA.
    PublishedRoa.objects.create(
        prefix=PREFIX, asn=PROOF_ASN, max_length=24, purpose=RoaPurpose.LEASE, published_at=timezone.now()
    )
    request_roa_proof(block)

    import_json(routinator_json((PROOF_ASN, PREFIX, 24)))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING


def test_vrp_verifies_only_roa_proofs(block, import_json):
    # Staff run a PIN check by hand, which a ROA must not finish.
    IPBlock.objects.filter(pk=block.pk).update(
        verification_status=VerificationStatus.PENDING,
        verification_method=VerificationMethod.ABUSE_CONTACT_PIN,
    )

    import_json(routinator_json((PROOF_ASN, PREFIX, 24)))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING
    assert block.verification_method == VerificationMethod.ABUSE_CONTACT_PIN


# A proof ROA left over from an earlier request


@pytest.fixture
def earlier_holders_roa(holder, import_json, draws):
    """Verify PREFIX for `holder` with a ROA for PROOF_ASN, then delete the block and keep the ROA.

    The next draw repeats PROOF_ASN, which the draw must skip because the
    ROA is still in the current VRPs.
    """
    draws.offsets = [1, 1, 2]
    earlier = IPBlock.objects.create(prefix=PREFIX, holder=holder, rir=RIR.RIPE, country="NL")
    request_roa_proof(earlier)
    import_json(routinator_json((PROOF_ASN, PREFIX, 24)))
    earlier.refresh_from_db()
    assert earlier.verification_status == VerificationStatus.VERIFIED
    earlier.delete()


@pytest.fixture
def next_block(earlier_holders_roa, stranger):
    """PREFIX registered again by another organisation, with a ROA proof requested."""
    block = IPBlock.objects.create(prefix=PREFIX, holder=stranger, rir=RIR.RIPE, country="NL")
    request_roa_proof(block)
    block.refresh_from_db()
    return block


def test_next_registrant_gets_new_asn(next_block):
    assert next_block.proof_asn == SECOND_ASN


def test_earlier_proof_roa_does_not_verify(next_block):
    check_roa_proofs()

    next_block.refresh_from_db()
    assert next_block.verification_status == VerificationStatus.PENDING


def test_new_requests_roa_verifies(next_block, import_json):
    record = import_json(routinator_json((PROOF_ASN, PREFIX, 24), (SECOND_ASN, PREFIX, 24)))

    next_block.refresh_from_db()
    assert next_block.verification_status == VerificationStatus.VERIFIED
    assert next_block.verification_note == (
        f"Verified by the VRP {PREFIX}-24 AS{SECOND_ASN} (trust anchor ripe) "
        f"in VRP import {record.pk} of {utc_text(record.received_at)}."
    )


def test_next_registrant_instructions_name_new_asn(next_block, stranger, client):
    client.force_login(stranger.owner)

    page = client.get(reverse("marketplace:block-detail", args=[next_block.pk])).content.decode()

    deadline = next_block.verification_requested_at + timedelta(days=14)
    assert f'<p class="roa-proof-instructions">{expected_instructions(deadline, SECOND_ASN)}</p>' in page
    assert f"<td>{PREFIX}</td><td>AS{SECOND_ASN}</td><td>24</td>" in page


def test_request_after_failure_draws_new_asn(block, draws):
    # The second draw repeats the first ASN, which a new request must not reuse.
    draws.offsets = [1, 1, 2]
    _request_days_ago(block, 15)
    check_roa_proofs()

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.proof_asn == SECOND_ASN


def test_failed_requests_roa_does_not_verify_next(block, import_json):
    _request_days_ago(block, 15)
    check_roa_proofs()
    request_roa_proof(block)

    import_json(routinator_json((PROOF_ASN, PREFIX, 24)))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING


def test_api_request_after_failure_names_new_asn(block, api_client_for, holder):
    _request_days_ago(block, 15)
    check_roa_proofs()

    response = api_client_for(holder.owner).post(f"/api/blocks/{block.pk}/verify/")

    block.refresh_from_db()
    deadline = block.verification_requested_at + timedelta(days=14)
    assert response.status_code == 202
    assert response.json()["roa_proof"]["origin_asn"] == SECOND_ASN
    assert response.json()["roa_proof"]["instructions"] == expected_instructions(deadline, SECOND_ASN)


# Expiry


def _request_days_ago(block, days):
    request_roa_proof(block)
    requested_at = timezone.now() - timedelta(days=days)
    IPBlock.objects.filter(pk=block.pk).update(verification_requested_at=requested_at)
    return requested_at


def test_overdue_proof_fails_with_reason(block, import_json):
    record = import_json(routinator_json())
    requested_at = _request_days_ago(block, 15)
    now = timezone.now()

    result = check_roa_proofs(now=now)

    block.refresh_from_db()
    assert result.failed == [block.pk]
    assert block.verification_status == VerificationStatus.FAILED
    assert block.verification_method == VerificationMethod.ROA
    assert block.verification_note == (
        f"No ROA for {PREFIX} with origin AS{PROOF_ASN} and maxLength 24 (or a covering one) appeared "
        f"in the validated ROA payloads within 14 days of the request of {utc_text(requested_at)}, "
        f"so the proof failed at {utc_text(now)}. The latest VRP import was received at "
        f"{utc_text(record.received_at)}. Create the ROA and request the proof again."
    )


def test_overdue_proof_fails_at_vrp_import(block, import_json):
    _request_days_ago(block, 15)

    import_json(routinator_json())

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.FAILED


def test_proof_within_deadline_stays_pending(block):
    _request_days_ago(block, 13)

    result = check_roa_proofs()

    block.refresh_from_db()
    assert result.failed == []
    assert block.verification_status == VerificationStatus.PENDING


def test_overdue_proof_proven_by_vrps_verifies(block, import_json):
    _request_days_ago(block, 15)

    import_json(routinator_json((PROOF_ASN, PREFIX, 24)))

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.VERIFIED


def test_failed_proof_can_be_requested_again(block):
    _request_days_ago(block, 15)
    check_roa_proofs()
    before = timezone.now()

    request_roa_proof(block)

    block.refresh_from_db()
    assert block.verification_status == VerificationStatus.PENDING
    assert block.verification_requested_at >= before
    assert block.verification_note == ""


def test_failed_proof_keeps_running_leases(holder, lessee, make_listing):
    listing = make_listing(holder, PREFIX)
    lease = lease_services.rent(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)
    # Staff opened a ROA proof on the block of a running lease.
    IPBlock.objects.filter(pk=listing.block_id).update(
        verification_status=VerificationStatus.PENDING,
        verification_method=VerificationMethod.ROA,
        verification_requested_at=timezone.now() - timedelta(days=15),
        proof_asn=PROOF_ASN,
    )

    check_roa_proofs()

    lease.refresh_from_db()
    listing.refresh_from_db()
    assert listing.block.verification_status == VerificationStatus.FAILED
    assert lease.state == LeaseState.ACTIVE
    assert listing.status == ListingStatus.PUBLISHED


# Publication gate


@pytest.mark.parametrize(
    ("status", "method", "label"),
    [
        (VerificationStatus.UNVERIFIED, "", "unverified"),
        (VerificationStatus.FAILED, VerificationMethod.ROA, "failed"),
        (VerificationStatus.PENDING, VerificationMethod.ABUSE_CONTACT_PIN, "pending"),
    ],
)
def test_publish_rejected_for_unverified_block(block, draft_listing, status, method, label):
    IPBlock.objects.filter(pk=block.pk).update(
        verification_status=status, verification_method=method, verification_requested_at=timezone.now(),
        proof_asn=PROOF_ASN,
    )

    with pytest.raises(ValidationError) as caught:
        services.change_listing_status(draft_listing, "publish")

    draft_listing.refresh_from_db()
    assert caught.value.code == "unverified"
    assert caught.value.messages == [expected_publish_error(block, label)]
    assert draft_listing.status == ListingStatus.DRAFT


def test_publish_during_roa_proof_names_the_roa(block, draft_listing):
    request_roa_proof(block)
    block.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        services.change_listing_status(draft_listing, "publish")

    deadline = block.verification_requested_at + timedelta(days=14)
    assert caught.value.code == "unverified"
    assert caught.value.messages == [expected_pending_publish_error(deadline)]


def test_publish_allowed_after_roa_proof(block, draft_listing, import_json):
    request_roa_proof(block)
    import_json(routinator_json((PROOF_ASN, PREFIX, 24)))

    services.change_listing_status(draft_listing, "publish")

    draft_listing.refresh_from_db()
    assert draft_listing.status == ListingStatus.PUBLISHED


def test_api_publish_unverified_is_409(block, draft_listing, api_client_for, holder):
    response = api_client_for(holder.owner).post(f"/api/listings/{draft_listing.pk}/publish/")

    draft_listing.refresh_from_db()
    assert response.status_code == 409
    assert response.json() == {
        "detail": expected_publish_error(block, "unverified"),
        "code": "unverified",
    }
    assert draft_listing.status == ListingStatus.DRAFT


def test_web_publish_unverified_shows_error(block, draft_listing, holder_client):
    response = holder_client.post(
        reverse("marketplace:listing-status", args=[draft_listing.pk, "publish"]), follow=True
    )

    draft_listing.refresh_from_db()
    assert draft_listing.status == ListingStatus.DRAFT
    assert escape(expected_publish_error(block, "unverified")) in response.content.decode()


def test_block_page_hides_publish_until_verified(block, draft_listing, holder_client):
    response = holder_client.get(reverse("marketplace:block-detail", args=[block.pk]))

    page = response.content.decode()
    assert reverse("marketplace:listing-status", args=[draft_listing.pk, "publish"]) not in page
    assert "Verify the block's ownership to publish." in page


# Other organisations and roles


def test_other_organisation_block_page_is_404(block, client, stranger):
    client.force_login(stranger.owner)

    response = client.get(reverse("marketplace:block-detail", args=[block.pk]))

    assert response.status_code == 404


def test_other_organisation_web_request_is_404(block, client, stranger):
    client.force_login(stranger.owner)

    response = client.post(reverse("marketplace:block-verify", args=[block.pk]))

    block.refresh_from_db()
    assert response.status_code == 404
    assert block.verification_status == VerificationStatus.UNVERIFIED


def test_other_organisation_api_request_is_404(block, api_client_for, stranger):
    response = api_client_for(stranger.owner).post(f"/api/blocks/{block.pk}/verify/")

    block.refresh_from_db()
    assert response.status_code == 404
    assert block.verification_status == VerificationStatus.UNVERIFIED


def test_other_organisation_api_block_detail_is_404(block, api_client_for, stranger):
    request_roa_proof(block)

    response = api_client_for(stranger.owner).get(f"/api/blocks/{block.pk}/")

    assert response.status_code == 404


def test_non_managing_member_cannot_request_proof(block, holder, make_user, client, api_client_for):
    member = make_user()
    Membership.objects.create(user=member, organization=holder, role=Role.BILLING)
    client.force_login(member)

    web = client.post(reverse("marketplace:block-verify", args=[block.pk]))
    api = api_client_for(member).post(f"/api/blocks/{block.pk}/verify/")

    block.refresh_from_db()
    assert web.status_code == 403
    assert api.status_code == 404
    assert block.verification_status == VerificationStatus.UNVERIFIED


# Admin


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _block_form(block, **changes):
    data = {
        "prefix": str(block.prefix), "holder": block.holder_id, "rir": block.rir, "country": block.country,
        "verification_status": block.verification_status, "verification_method": block.verification_method,
        "verified_at_0": "", "verified_at_1": "", "verification_requested_at_0": "",
        "verification_requested_at_1": "", "verification_note": "", "description": "",
        "listing-TOTAL_FORMS": "0", "listing-INITIAL_FORMS": "0", "listing-MIN_NUM_FORMS": "0",
        "listing-MAX_NUM_FORMS": "1",
    }
    data.update(changes)
    return data


def _published_inline(listing):
    """Return the block page's listing inline with `listing` set to published."""
    return {
        "listing-TOTAL_FORMS": "1", "listing-INITIAL_FORMS": "1", "listing-0-id": listing.pk,
        "listing-0-block": listing.block_id, "listing-0-price_per_ip_month": "0.45", "listing-0-currency": "USD",
        "listing-0-terms": "both", "listing-0-yearly_discount_percent": "0", "listing-0-allow_split": "on",
        "listing-0-max_prefix_length": "24", "listing-0-status": "published", "listing-0-description": "",
        "listing-0-published_at_0": "", "listing-0-published_at_1": "",
    }


def test_admin_staff_sets_status(block, staff_client):
    response = staff_client.post(
        f"/admin/marketplace/ipblock/{block.pk}/change/",
        _block_form(block, verification_status="verified", verification_method="maintainer"),
    )

    block.refresh_from_db()
    assert response.status_code == 302
    assert block.verification_status == VerificationStatus.VERIFIED
    assert block.verification_method == VerificationMethod.MAINTAINER


def test_admin_pending_roa_proof_needs_request_time(block, staff_client):
    response = staff_client.post(
        f"/admin/marketplace/ipblock/{block.pk}/change/",
        _block_form(block, verification_status="pending", verification_method="roa"),
    )

    block.refresh_from_db()
    assert response.status_code == 200
    assert (
        "Fill in the verification requested at field, because a pending ROA proof fails "
        "a fixed number of days after its request."
    ) in response.content.decode()
    assert block.verification_status == VerificationStatus.UNVERIFIED


def test_admin_roa_proof_gets_proof_asn(block, staff_client):
    response = staff_client.post(
        f"/admin/marketplace/ipblock/{block.pk}/change/",
        _block_form(
            block, verification_status="pending", verification_method="roa",
            verification_requested_at_0="2026-12-01", verification_requested_at_1="10:00:00",
        ),
    )

    block.refresh_from_db()
    assert response.status_code == 302
    assert block.proof_asn == PROOF_ASN


def test_admin_resave_keeps_pending_proof_asn(block, staff_client):
    request_roa_proof(block)
    block.refresh_from_db()
    requested = timezone.localtime(block.verification_requested_at)

    response = staff_client.post(
        f"/admin/marketplace/ipblock/{block.pk}/change/",
        _block_form(
            block, description="Renumbered office",
            verification_requested_at_0=f"{requested:%Y-%m-%d}",
            verification_requested_at_1=f"{requested:%H:%M:%S}",
        ),
    )

    block.refresh_from_db()
    assert response.status_code == 302
    assert block.description == "Renumbered office"
    assert block.proof_asn == PROOF_ASN


def test_admin_verifies_and_publishes_in_one_save(block, draft_listing, staff_client):
    response = staff_client.post(
        f"/admin/marketplace/ipblock/{block.pk}/change/",
        _block_form(
            block, verification_status="verified", verification_method="pin",
            **_published_inline(draft_listing),
        ),
    )

    block.refresh_from_db()
    draft_listing.refresh_from_db()
    assert response.status_code == 302
    assert block.verification_status == VerificationStatus.VERIFIED
    assert draft_listing.status == ListingStatus.PUBLISHED


def test_admin_inline_publish_unverified_rejected(block, draft_listing, staff_client):
    response = staff_client.post(
        f"/admin/marketplace/ipblock/{block.pk}/change/",
        _block_form(block, **_published_inline(draft_listing)),
    )

    draft_listing.refresh_from_db()
    assert response.status_code == 200
    page = response.content.decode()
    assert f"The listing of {PREFIX} cannot be published because the block is not verified" in page
    assert draft_listing.status == ListingStatus.DRAFT


def test_admin_publish_unverified_listing_rejected(block, draft_listing, staff_client):
    response = staff_client.post(
        f"/admin/marketplace/listing/{draft_listing.pk}/change/",
        {
            "block": block.pk, "price_per_ip_month": "0.45", "currency": "USD", "terms": "both",
            "yearly_discount_percent": "0", "allow_split": "on", "max_prefix_length": "24",
            "status": "published", "description": "", "published_at_0": "", "published_at_1": "",
        },
    )

    draft_listing.refresh_from_db()
    assert response.status_code == 200
    assert (
        f"The listing of {PREFIX} cannot be published because the block is not verified "
        "(status: unverified). "
        "Set the block&#x27;s verification status to verified first."
    ) in response.content.decode()
    assert draft_listing.status == ListingStatus.DRAFT


# Settings and schedule


def test_invalid_proof_days_rejected(settings):
    settings.MARKETPLACE_PROOF_DAYS = 0

    errors = check_proof_settings(None)

    assert [error.id for error in errors] == ["marketplace.E003"]


def test_valid_proof_settings_pass_check():
    assert check_proof_settings(None) == []


def test_beat_entry_names_a_registered_task():
    from config.celery import app
    from marketplace import tasks  # noqa: F401 (registers the tasks, as worker autodiscovery does)
    from marketplace.schedule import BEAT_SCHEDULE

    task_name = BEAT_SCHEDULE["marketplace-check-roa-proofs"]["task"]

    assert task_name == "marketplace.tasks.check_roa_proofs_task"
    assert task_name in app.tasks


def test_beat_runs_roa_proof_check_hourly():
    from config.celery import app

    entry = app.conf.beat_schedule["marketplace-check-roa-proofs"]
    assert (entry["task"], str(entry["schedule"])) == (
        "marketplace.tasks.check_roa_proofs_task", "<crontab: 23 * * * * (m/h/dM/MY/d)>")


@pytest.mark.django_db(transaction=True)
def test_check_task_fails_overdue_proof_in_a_worker(holder, celery_worker):
    from marketplace.tasks import check_roa_proofs_task

    block = IPBlock.objects.create(
        prefix=PREFIX, holder=holder, rir=RIR.RIPE, country="NL",
        verification_status=VerificationStatus.PENDING, verification_method=VerificationMethod.ROA,
        verification_requested_at=timezone.now() - timedelta(days=15), proof_asn=PROOF_ASN,
    )

    result = check_roa_proofs_task.delay().get(timeout=30)

    block.refresh_from_db()
    assert result == {"verified": [], "failed": [block.pk]}
    assert block.verification_status == VerificationStatus.FAILED


@pytest.fixture
def unverified_published(holder, make_listing):
    """A published listing whose block lost its verification afterwards."""
    listing = make_listing(holder)
    IPBlock.objects.filter(pk=listing.block_id).update(verification_status=VerificationStatus.UNVERIFIED)
    return listing


def test_market_search_leaves_out_unverified_block(unverified_published, client):
    page = client.get(reverse("marketplace:listing-search")).content.decode()
    assert str(unverified_published.block.prefix) not in page


def test_listing_page_offers_no_reservation_on_unverified_block(unverified_published, lessee, client):
    client.force_login(lessee.owner)
    page = client.get(reverse("marketplace:listing-detail", args=[unverified_published.pk])).content.decode()
    assert "ownership unverified" in page
    assert '<button type="submit">Reserve</button>' not in page


def test_api_hides_unverified_listing_from_others(unverified_published, holder, lessee, api_client_for):
    def listed(user):
        return [row["id"] for row in api_client_for(user).get("/api/listings/").json()["results"]]

    assert (listed(holder.owner), listed(lessee.owner)) == ([unverified_published.pk], [])


@pytest.mark.parametrize(
    ("method", "proof_asn", "note"),
    [
        (VerificationMethod.ROA, PROOF_ASN,
         f"You can now delete the proof ROA (origin AS{PROOF_ASN}); it is not needed any more."),
        # Verified before each request had its own ASN, so the ASN is unknown.
        (VerificationMethod.ROA, None, "You can now delete the proof ROA; it is not needed any more."),
        ("", PROOF_ASN, None),
    ],
)
def test_verified_block_page_reminds_to_delete_proof_roa(block, holder_client, method, proof_asn, note):
    IPBlock.objects.filter(pk=block.pk).update(verification_status=VerificationStatus.VERIFIED,
                                               verification_method=method, verified_at=timezone.now(),
                                               proof_asn=proof_asn)
    page = holder_client.get(reverse("marketplace:block-detail", args=[block.pk])).content.decode()
    if note is None:
        assert "delete the proof ROA" not in page
    else:
        assert note in page
