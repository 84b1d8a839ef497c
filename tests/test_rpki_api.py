import pytest
from django.utils import timezone
from rest_framework.test import APIClient

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
    PublishedRoa.objects.create(prefix="198.18.1.0/24", asn=64499, max_length=24, purpose=RoaPurpose.LEASE,
                                block=listing.block, published_at=now, removed_at=now)
    RoaChange.objects.create(action=ChangeAction.ADD, prefix="198.18.0.0/24", asn=64500, max_length=24,
                             purpose=RoaPurpose.LEASE, block=listing.block, lease=lease, reason="activated",
                             backend="krill", status=ChangeStatus.PUBLISHED, requested_at=now, published_at=now)
    return listing.block, lease


def endpoints(block, lease):
    return {
        "roas": "/api/rpki/roas/",
        "roa-changes": "/api/rpki/roa-changes/",
        "blocks": "/api/rpki/blocks/",
        "block": f"/api/rpki/blocks/{block.pk}/",
        "block-history": f"/api/rpki/blocks/{block.pk}/history/",
        "leases": "/api/rpki/leases/",
        "lease": f"/api/rpki/leases/{lease.pk}/",
        "lease-history": f"/api/rpki/leases/{lease.pk}/history/",
    }


def results(response):
    assert response.status_code == 200
    return response.json()["results"]


def test_holder_lists_block_roas(space, holder, api_client_for):
    block, lease = space
    rows = results(api_client_for(holder.owner).get("/api/rpki/roas/"))
    assert [(row["prefix"], row["asn"]) for row in rows] == [("198.18.0.0/24", 64500), ("198.18.1.0/24", 64511)]


def test_roa_history_includes_removed(space, holder, api_client_for):
    rows = results(api_client_for(holder.owner).get("/api/rpki/roas/?history=true"))
    assert sorted(row["asn"] for row in rows) == [64499, 64500, 64511]


def test_lessee_lists_only_lease_roas(space, lessee, api_client_for):
    rows = results(api_client_for(lessee.owner).get("/api/rpki/roas/"))
    assert [(row["prefix"], row["asn"]) for row in rows] == [("198.18.0.0/24", 64500)]


def test_lessee_lease_state(space, lessee, api_client_for):
    block, lease = space
    response = api_client_for(lessee.owner).get(f"/api/rpki/leases/{lease.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["roa_state"] == "Authorised for AS64500"
    assert body["suspension_publication_delay_seconds"] is None
    assert [row["asn"] for row in body["roas"]] == [64500]


def test_holder_block_state(space, holder, api_client_for):
    block, lease = space
    body = api_client_for(holder.owner).get(f"/api/rpki/blocks/{block.pk}/").json()
    assert body["prefix"] == "198.18.0.0/23"
    assert body["roa_state"] == "Partly authorised, partly parked"


def test_lease_history_lists_changes(space, lessee, api_client_for):
    block, lease = space
    rows = results(api_client_for(lessee.owner).get(f"/api/rpki/leases/{lease.pk}/history/"))
    assert [(row["action"], row["asn"], row["reason"]) for row in rows] == [("add", 64500, "activated")]


@pytest.mark.parametrize("name", ["block", "block-history"])
def test_lessee_cannot_read_holder_block(space, lessee, api_client_for, name):
    block, lease = space
    assert api_client_for(lessee.owner).get(endpoints(block, lease)[name]).status_code == 404


@pytest.mark.parametrize("name", ["block", "block-history", "lease", "lease-history"])
def test_other_organisation_gets_404(space, make_organization, api_client_for, name):
    block, lease = space
    assert api_client_for(make_organization().owner).get(endpoints(block, lease)[name]).status_code == 404


@pytest.mark.parametrize("name", ["roas", "roa-changes", "blocks", "leases"])
def test_other_organisation_lists_empty(space, make_organization, api_client_for, name):
    block, lease = space
    assert results(api_client_for(make_organization().owner).get(endpoints(block, lease)[name])) == []


@pytest.mark.parametrize("name", ["roas", "roa-changes", "blocks", "block", "block-history", "leases", "lease",
                                  "lease-history"])
def test_anonymous_refused(space, name):
    block, lease = space
    assert APIClient().get(endpoints(block, lease)[name]).status_code == 401


@pytest.mark.parametrize("name", ["roas", "roa-changes", "blocks", "leases"])
def test_owner_lists_nonempty(space, holder, lessee, api_client_for, name):
    block, lease = space
    owner = lessee.owner if name == "leases" else holder.owner
    assert len(results(api_client_for(owner).get(endpoints(block, lease)[name]))) >= 1


def test_lessee_requests_max_length(space, lessee, api_client_for):
    from rpki.models import LeaseRoaRequest

    block, lease = space
    response = api_client_for(lessee.owner).post(f"/api/rpki/leases/{lease.pk}/max-length/", {"max_length": 26})
    assert response.status_code == 200
    assert LeaseRoaRequest.objects.get(lease=lease).max_length == 26


def test_max_length_outside_lease_is_400(space, lessee, api_client_for):
    block, lease = space
    response = api_client_for(lessee.owner).post(f"/api/rpki/leases/{lease.pk}/max-length/", {"max_length": 20})
    assert response.status_code == 400
    assert response.json() == {
        "max_length": ["maxLength 20 is outside the lease 198.18.0.0/24; choose 24 to 32."],
    }


def test_max_length_other_organisation_404(space, make_organization, api_client_for):
    block, lease = space
    client = api_client_for(make_organization().owner)
    assert client.post(f"/api/rpki/leases/{lease.pk}/max-length/", {"max_length": 26}).status_code == 404


def test_max_length_abuse_contact_403(space, lessee, make_user, api_client_for):
    from accounts.models import Membership, Role

    block, lease = space
    contact = make_user()
    Membership.objects.create(user=contact, organization=lessee, role=Role.ABUSE)
    response = api_client_for(contact).post(f"/api/rpki/leases/{lease.pk}/max-length/", {"max_length": 26})
    assert response.status_code == 403


def test_max_length_anonymous_401(space):
    block, lease = space
    assert APIClient().post(f"/api/rpki/leases/{lease.pk}/max-length/", {"max_length": 26}).status_code == 401


def upload(client, path, name, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(path, {"file": SimpleUploadedFile(name, text.encode())}, format="multipart")


def test_staff_uploads_vrps(db, make_user, api_client_for):
    staff = make_user(is_staff=True)
    response = upload(api_client_for(staff), "/api/rpki/imports/vrps/", "vrps.csv",
                      "ASN,IP Prefix,Max Length,Trust Anchor\nAS64496,192.0.2.0/24,24,ripe\n")
    assert response.status_code == 201
    assert response.json()["vrps"] == 1


def test_staff_uploads_routes(space, make_user, api_client_for):
    staff = make_user(is_staff=True)
    response = upload(api_client_for(staff), "/api/rpki/imports/routes/", "routes.csv",
                      "prefix,origin_asn,first_seen,last_seen\n198.18.0.0/24,64666,2026-11-01,2099-01-01\n")
    assert response.status_code == 201
    assert response.json()["routes"] == 1


def test_bad_upload_is_400(db, make_user, api_client_for):
    staff = make_user(is_staff=True)
    response = upload(api_client_for(staff), "/api/rpki/imports/vrps/", "vrps.json", '{"vrps": []}')
    assert response.status_code == 400
    assert response.json() == {
        "file": ['The VRP JSON has no "roas" list; upload Routinator\'s or rpki-client\'s JSON output.'],
    }


@pytest.mark.parametrize("path", ["/api/rpki/imports/vrps/", "/api/rpki/imports/routes/"])
def test_upload_needs_staff(space, holder, api_client_for, path):
    assert upload(api_client_for(holder.owner), path, "x.csv", "ASN,IP Prefix\n").status_code == 403


@pytest.mark.parametrize("path", ["/api/rpki/imports/vrps/", "/api/rpki/imports/routes/"])
def test_upload_anonymous_401(db, path):
    assert upload(APIClient(), path, "x.csv", "ASN,IP Prefix\n").status_code == 401
