from datetime import datetime, timezone as dt_timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from kyc.choices import DocumentKind, MatchState, ViesStatus
from kyc.documents import store_document
from kyc.models import ClientProfile, ProfileDocument, ScreeningMatch
from kyc.sanctions import import_list
from kyc.screening import screen_profile
from kyc.testing import PDF_BYTES, PNG_BYTES, complete_profile, opensanctions_csv


@pytest.fixture(autouse=True)
def kyc_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KYC_REQUIRED_LISTS = ["opensanctions"]
    settings.KYC_DOCUMENT_MAX_BYTES = 1024
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    return settings


@pytest.fixture
def owner_org(make_organization):
    organization = make_organization("Owner Networks B.V.", kyc_approved=False)
    complete_profile(organization, legal_name="Owner Networks B.V.", registration_number="OWN-4711")
    return organization


@pytest.fixture
def other_org(make_organization):
    organization = make_organization("Other Hosting Ltd", kyc_approved=False)
    complete_profile(organization, legal_name="Other Hosting Ltd", registration_number="OTH-0815")
    return organization


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user(is_staff=True))
    return client


def logged_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def document_of(organization):
    return ProfileDocument.objects.get(profile__organization=organization)


# --- pages -----------------------------------------------------------------

def test_profile_page_shows_own_profile(owner_org, other_org):
    response = logged_in(owner_org.owner).get("/kyc/")
    assert response.status_code == 200
    assert b"OWN-4711" in response.content
    assert b"OTH-0815" not in response.content


def test_profile_page_refuses_anonymous(client, owner_org):
    response = client.get("/kyc/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/kyc/"


def test_document_served_to_owner(owner_org):
    response = logged_in(owner_org.owner).get(f"/kyc/documents/{document_of(owner_org).pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_document_hidden_from_other_organisation(owner_org, other_org):
    response = logged_in(other_org.owner).get(f"/kyc/documents/{document_of(owner_org).pk}/")
    assert response.status_code == 404


def test_document_refuses_anonymous(client, owner_org):
    response = client.get(f"/kyc/documents/{document_of(owner_org).pk}/")
    assert response.status_code == 302


def test_document_served_to_staff(staff_client, owner_org):
    response = staff_client.get(f"/kyc/documents/{document_of(owner_org).pk}/")
    assert response.status_code == 200


def test_document_not_under_static_url(client, owner_org):
    document = document_of(owner_org)
    assert client.get(f"/static/{document.file.name}").status_code == 404
    assert client.get(f"/media/{document.file.name}").status_code == 404


def test_upload_page_accepts_png(owner_org):
    upload = SimpleUploadedFile("scan.png", PNG_BYTES, content_type="image/png")
    response = logged_in(owner_org.owner).post("/kyc/documents/", {"kind": DocumentKind.ADDRESS, "file": upload})
    assert response.status_code == 302
    stored = ProfileDocument.objects.get(profile__organization=owner_org, kind=DocumentKind.ADDRESS)
    assert stored.content_type == "image/png"
    assert stored.file.name.endswith(".png")
    assert stored.original_name == "scan.png"


def test_upload_type_checked_from_content(owner_org):
    with pytest.raises(Exception, match=r"invoice.pdf is not a PDF, PNG or JPEG file \(checked from its content\)"):
        store_document(owner_org.kyc_profile, SimpleUploadedFile("invoice.pdf", b"<html>hello</html>"),
                       kind=DocumentKind.OTHER)


def test_upload_size_limited(owner_org):
    too_big = PDF_BYTES + b"0" * 2000
    with pytest.raises(Exception, match="big.pdf is larger than"):
        store_document(owner_org.kyc_profile, SimpleUploadedFile("big.pdf", too_big), kind=DocumentKind.OTHER)


def test_edit_page_validates_vat(owner_org):
    client = logged_in(owner_org.owner)
    response = client.post("/kyc/edit/", {"legal_name": "Owner Networks B.V.", "country": "NL",
                                          "vat_number": "DE123456789"})
    assert response.status_code == 200
    assert "has the prefix DE, but the country is NL" in response.content.decode()


def test_edit_page_refuses_non_managing_member(owner_org, make_user):
    member = make_user()
    Membership.objects.create(user=member, organization=owner_org, role=Role.BILLING)
    response = logged_in(member).post("/kyc/edit/", {"legal_name": "Changed"})
    assert response.status_code == 404
    owner_org.kyc_profile.refresh_from_db()
    assert owner_org.kyc_profile.legal_name == "Owner Networks B.V."


def test_staff_pages_refuse_clients(owner_org):
    client = logged_in(owner_org.owner)
    queue = client.get("/kyc/staff/")
    review = client.get(f"/kyc/staff/profiles/{owner_org.kyc_profile.pk}/")
    assert queue.status_code == 302
    assert queue["Location"] == "/admin/login/?next=/kyc/staff/"
    assert review.status_code == 302


def test_review_page_shows_score_breakdown(staff_client, owner_org):
    from kyc.risk import assess

    assess(owner_org.kyc_profile)
    response = staff_client.get(f"/kyc/staff/profiles/{owner_org.kyc_profile.pk}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Declared use: Internet access (ISP)." in content
    assert "Registered in NL, not a high-risk country." in content


def test_review_queue_lists_submitted(staff_client, owner_org):
    from kyc import services

    services.submit(owner_org.kyc_profile)
    response = staff_client.get("/kyc/staff/")
    assert response.status_code == 200
    assert "Owner Networks B.V." in response.content.decode()


def test_match_review_page_decides(staff_client, make_organization):
    import_list("opensanctions", {"csv": opensanctions_csv([{"id": "x1", "name": "Volga Hosting"}])}, origin="t")
    organization = make_organization("Volga Hosting Ltd")
    screen_profile(organization.kyc_profile, trigger="test")
    match = ScreeningMatch.objects.get()
    page = staff_client.get(f"/kyc/staff/matches/{match.pk}/")
    assert page.status_code == 200
    assert "name spelling similarity 100" in page.content.decode()
    staff_client.post(f"/kyc/staff/matches/{match.pk}/", {"decision": "false_match", "note": "Different company."})
    match.refresh_from_db()
    assert match.state == MatchState.FALSE_MATCH
    assert match.note == "Different company."


# --- API -------------------------------------------------------------------

def test_api_lists_only_own_profile(api_client_for, owner_org, other_org):
    response = api_client_for(owner_org.owner).get("/api/kyc/profiles/")
    assert response.status_code == 200
    assert [row["registration_number"] for row in response.json()["results"]] == ["OWN-4711"]


def test_api_other_profile_is_404(api_client_for, owner_org, other_org):
    client = api_client_for(other_org.owner)
    assert client.get(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/").status_code == 404
    assert client.patch(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/", {"legal_name": "x"}).status_code == 404


def test_api_refuses_anonymous(owner_org):
    client = APIClient()
    assert client.get("/api/kyc/profiles/").status_code == 401
    assert client.get(f"/api/kyc/documents/{document_of(owner_org).pk}/download/").status_code == 401
    assert client.get("/api/kyc/screenings/").status_code == 401


def test_api_update_validates_vat(api_client_for, owner_org):
    response = api_client_for(owner_org.owner).patch(
        f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/", {"vat_number": "NL12345"}, format="json"
    )
    assert response.status_code == 400
    assert "is not in the format of NL" in response.json()["vat_number"][0]


def test_api_update_by_owner(api_client_for, owner_org):
    response = api_client_for(owner_org.owner).patch(
        f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/", {"vat_number": "NL123456789B01"}, format="json"
    )
    assert response.status_code == 200
    owner_org.kyc_profile.refresh_from_db()
    assert owner_org.kyc_profile.vat_number == "NL123456789B01"


def test_api_update_refused_for_billing_member(api_client_for, owner_org, make_user):
    member = make_user()
    Membership.objects.create(user=member, organization=owner_org, role=Role.BILLING)
    client = api_client_for(member)
    assert client.get(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/").status_code == 200
    response = client.patch(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/", {"legal_name": "x"}, format="json")
    assert response.status_code == 403


def test_api_document_upload_and_download(api_client_for, owner_org):
    client = api_client_for(owner_org.owner)
    upload = SimpleUploadedFile("id.png", PNG_BYTES, content_type="image/png")
    response = client.post(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/documents/",
                           {"kind": DocumentKind.IDENTITY, "file": upload}, format="multipart")
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    download = client.get(f"/api/kyc/documents/{response.json()['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG_BYTES


def test_api_upload_rejects_renamed_text(api_client_for, owner_org):
    upload = SimpleUploadedFile("passport.jpg", b"just text", content_type="image/jpeg")
    response = api_client_for(owner_org.owner).post(
        f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/documents/", {"kind": "identity", "file": upload},
        format="multipart",
    )
    assert response.status_code == 400
    assert "passport.jpg is not a PDF, PNG or JPEG file" in response.json()["file"][0]


def test_api_other_documents_hidden(api_client_for, owner_org, other_org):
    client = api_client_for(other_org.owner)
    document = document_of(owner_org)
    assert client.get(f"/api/kyc/documents/{document.pk}/").status_code == 404
    assert client.get(f"/api/kyc/documents/{document.pk}/download/").status_code == 404
    listed = [row["id"] for row in client.get("/api/kyc/documents/").json()["results"]]
    assert listed == [document_of(other_org).pk]
    upload = SimpleUploadedFile("x.pdf", PDF_BYTES)
    response = client.post(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/documents/",
                           {"kind": "other", "file": upload}, format="multipart")
    assert response.status_code == 404


def test_api_screenings_scoped(api_client_for, owner_org, other_org):
    import_list("opensanctions", {"csv": opensanctions_csv([{"id": "x1", "name": "Nothing Alike"}])}, origin="t")
    own = screen_profile(owner_org.kyc_profile, trigger="test")
    screen_profile(other_org.kyc_profile, trigger="test")
    client = api_client_for(owner_org.owner)
    response = client.get("/api/kyc/screenings/")
    assert [row["id"] for row in response.json()["results"]] == [own.pk]
    other = other_org.kyc_screenings.get()
    assert client.get(f"/api/kyc/screenings/{other.pk}/").status_code == 404


def test_api_submit(api_client_for, owner_org):
    response = api_client_for(owner_org.owner).post(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/submit/")
    assert response.status_code == 200
    assert response.json()["state"] == "submitted"


@pytest.mark.parametrize("method, path", [
    ("get", "/kyc/"),
    ("get", "/kyc/edit/"),
    ("post", "/kyc/submit/"),
    ("post", "/kyc/people/"),
    ("post", "/kyc/people/1/delete/"),
    ("post", "/kyc/documents/"),
    ("get", "/kyc/documents/1/"),
    ("post", "/kyc/abuse-contact/resend/"),
])
def test_pages_refuse_anonymous(client, owner_org, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_person_of_other_organisation_is_404(owner_org, other_org):
    from kyc.models import KeyPerson

    person = KeyPerson.objects.create(profile=owner_org.kyc_profile, full_name="Anna Owner")
    response = logged_in(other_org.owner).post(f"/kyc/people/{person.pk}/delete/")
    assert response.status_code == 404
    assert KeyPerson.objects.filter(pk=person.pk).exists()


def test_owner_adds_and_removes_person(owner_org):
    from kyc.models import KeyPerson

    client = logged_in(owner_org.owner)
    client.post("/kyc/people/", {"full_name": "Anna Owner", "role": "director", "nationality": "NL"})
    person = KeyPerson.objects.get(profile=owner_org.kyc_profile)
    assert person.full_name == "Anna Owner"
    client.post(f"/kyc/people/{person.pk}/delete/")
    assert not KeyPerson.objects.filter(pk=person.pk).exists()


def test_api_person_added_to_own_profile_only(api_client_for, owner_org, other_org):
    body = {"full_name": "Anna Owner", "role": "director", "nationality": "nl"}
    own = api_client_for(owner_org.owner).post(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/people/", body)
    other = api_client_for(other_org.owner).post(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/people/", body)
    assert own.status_code == 201
    assert own.json()["nationality"] == "NL"
    assert other.status_code == 404


def test_client_sees_status_not_listed_entry(make_organization):
    import_list("opensanctions", {"csv": opensanctions_csv([{"id": "x1", "name": "Volga Hosting"}])}, origin="t")
    organization = make_organization("Volga Hosting Ltd")
    screen_profile(organization.kyc_profile, trigger="test")
    content = logged_in(organization.owner).get("/kyc/").content.decode()
    assert "potential match" in content
    assert "opensanctions:x1" not in content
    assert "similarity" not in content


def test_api_profile_vat_check_null_before_vies(api_client_for, owner_org):
    body = api_client_for(owner_org.owner).get(f"/api/kyc/profiles/{owner_org.kyc_profile.pk}/").json()
    assert body["vat_check"] is None


def test_api_profile_gives_current_vat_check(api_client_for, owner_org):
    profile = owner_org.kyc_profile
    checked_at = datetime(2026, 12, 1, 9, 30, tzinfo=dt_timezone.utc)
    ClientProfile.objects.filter(pk=profile.pk).update(
        vat_number="NL123456789B01", vies_vat_number="NL123456789B01", vies_status=ViesStatus.VALID,
        vies_name="OWN COMPANY B.V.", vies_address="Main Street 1, Amsterdam", vies_checked_at=checked_at,
    )
    body = api_client_for(owner_org.owner).get(f"/api/kyc/profiles/{profile.pk}/").json()
    assert body["vat_check"] == {
        "status": "valid", "vat_number": "NL123456789B01", "name": "OWN COMPANY B.V.",
        "address": "Main Street 1, Amsterdam", "checked_at": "2026-12-01T09:30:00Z",
    }


def test_api_vat_check_of_old_number_hidden(api_client_for, owner_org):
    profile = owner_org.kyc_profile
    ClientProfile.objects.filter(pk=profile.pk).update(
        vat_number="NL123456789B02", vies_vat_number="NL123456789B01", vies_status=ViesStatus.VALID,
    )
    body = api_client_for(owner_org.owner).get(f"/api/kyc/profiles/{profile.pk}/").json()
    assert body["vat_check"] is None
