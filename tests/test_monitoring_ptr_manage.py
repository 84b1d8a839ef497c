"""Lessee PTR management through services, web pages and the API, and zone export."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.http import HttpResponse
from django.urls import include, path
from django.utils import timezone

from accounts.models import Membership, Role
from leases import services as lease_services
from leases.choices import LeaseState, Term
from leases.models import Lease
from monitoring.models import PtrAssignment, PtrChange
from monitoring.ptrmanage import set_ptr, validate_hostname
from monitoring.zones import zones_for_lease
from tests.dns.fixtures import make_lease  # noqa: F401


@pytest.fixture
def lease(lessee, make_lease):
    return make_lease(lessee, "192.0.2.0/24")


def _stub_view(request):
    return HttpResponse("")


# The project's URLs plus stand-ins for the "login" and "logout" names that
# base.html links to, for branches where the accounts pages are not built yet.
urlpatterns = [
    path("", include("config.urls")),
    path("test-login/", _stub_view, name="login"),
    path("test-logout/", _stub_view, name="logout"),
    path("test-dashboard/", _stub_view, name="dashboard"),
]


@pytest.fixture(autouse=True)
def page_settings(settings):
    settings.ROOT_URLCONF = __name__
    settings.LOGIN_URL = "/login/"
    # The manifest storage needs collectstatic, which the test run does not do.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.mark.parametrize("value, expected", [
    ("Mail.Example.NET.", "mail.example.net"),
    ("a-1.example.test", "a-1.example.test"),
])
def test_hostname_normalised(value, expected):
    assert validate_hostname(value) == expected


@pytest.mark.parametrize("value, message", [
    ("localhost", "has a single label"),
    ("-bad.example.test", "invalid label '-bad'"),
    ("under_score.example.test", "invalid label 'under_score'"),
    ("host.192", "ends in a numeric label"),
    ("a" * 64 + ".example.test", "invalid label"),
    ("x." * 127 + "test", "longer than 253 characters"),
])
def test_hostname_rejected(value, message):
    with pytest.raises(ValidationError, match=message):
        validate_hostname(value)


def test_set_ptr_logs_change_with_actor(lease, lessee):
    set_ptr(lease=lease, address="192.0.2.10", hostname="mail.example.net", user=lessee.owner)
    change = PtrChange.objects.get()
    assert (change.old_hostname, change.new_hostname) == ("", "mail.example.net")
    assert change.source == PtrChange.Source.PLATFORM
    assert change.actor == lessee.owner
    assert change.lessee_id == lessee.pk


def test_set_ptr_replaces_and_removes(lease, lessee):
    set_ptr(lease=lease, address="192.0.2.10", hostname="a.example.net", user=lessee.owner)
    set_ptr(lease=lease, address="192.0.2.10", hostname="b.example.net", user=lessee.owner)
    assert set_ptr(lease=lease, address="192.0.2.10", hostname="", user=lessee.owner) is None
    assert PtrAssignment.objects.count() == 0
    assert list(PtrChange.objects.order_by("pk").values_list("old_hostname", "new_hostname")) == [
        ("", "a.example.net"), ("a.example.net", "b.example.net"), ("b.example.net", ""),
    ]


def test_set_ptr_rejects_address_outside_lease(lease, lessee):
    with pytest.raises(ValidationError, match="198.51.100.1 is not in lease 192.0.2.0/24"):
        set_ptr(lease=lease, address="198.51.100.1", hostname="a.example.net", user=lessee.owner)


def test_set_ptr_rejects_other_organisation(lease, make_organization):
    stranger = make_organization()
    with pytest.raises(PermissionDenied):
        set_ptr(lease=lease, address="192.0.2.1", hostname="a.example.net", user=stranger.owner)


def test_set_ptr_rejects_abuse_role(lease, lessee, make_user):
    member = make_user()
    Membership.objects.create(user=member, organization=lessee, role=Role.ABUSE)
    with pytest.raises(PermissionDenied):
        set_ptr(lease=lease, address="192.0.2.1", hostname="a.example.net", user=member)


def test_set_ptr_rejects_ended_lease(lease, lessee):
    lease_services.terminate(lease, reason="test")
    lease.refresh_from_db()
    with pytest.raises(ValidationError, match="only on active or suspended leases"):
        set_ptr(lease=lease, address="192.0.2.1", hostname="a.example.net", user=lessee.owner)


def test_zone_per_24(lease, lessee):
    set_ptr(lease=lease, address="192.0.2.10", hostname="mail.example.net", user=lessee.owner)
    [(name, text)] = zones_for_lease(lease, serial=2026120401)
    assert name == "2.0.192.in-addr.arpa"
    assert text.splitlines() == [
        "$ORIGIN 2.0.192.in-addr.arpa.",
        "$TTL 3600",
        "@ IN SOA ns1.localhost. hostmaster.localhost. 2026120401 3600 900 1209600 300",
        "@ IN NS ns1.localhost.",
        "@ IN NS ns2.localhost.",
        "10 IN PTR mail.example.net.",
    ]


def test_zone_rfc2317_for_lease_below_24(lease, lessee):
    # The marketplace rents /24 or larger; a smaller lease exists only when staff create one.
    now = timezone.now()
    small = Lease.objects.create(
        listing=lease.listing, block=lease.block, lessee=lessee, prefix="198.51.100.64/26",
        term=Term.MONTHLY, price_per_ip_month=lease.price_per_ip_month, currency="USD",
        period=DateTimeTZRange(now, now + timedelta(days=30)), state=LeaseState.ACTIVE,
    )
    set_ptr(lease=small, address="198.51.100.65", hostname="mx.example.net", user=lessee.owner)
    zones = dict(zones_for_lease(small, serial=1))
    assert set(zones) == {"64-127.100.51.198.in-addr.arpa", "100.51.198.in-addr.arpa delegation"}
    assert "65 IN PTR mx.example.net." in zones["64-127.100.51.198.in-addr.arpa"].splitlines()
    delegation = zones["100.51.198.in-addr.arpa delegation"].splitlines()
    assert "64-127 IN NS ns1.localhost." in delegation
    assert "65 IN CNAME 65.64-127" in delegation
    assert len([line for line in delegation if " CNAME " in line]) == 64


# --- web pages ---------------------------------------------------------------


def test_overview_lists_own_lease(client, lease, lessee):
    client.force_login(lessee.owner)
    response = client.get("/monitoring/")
    assert response.status_code == 200
    assert b"192.0.2.0/24" in response.content


def test_overview_hides_other_organisation_lease(client, lease, make_organization):
    client.force_login(make_organization().owner)
    response = client.get("/monitoring/")
    assert response.status_code == 200
    assert b"192.0.2.0/24" not in response.content


def test_overview_anonymous_redirected(client, lease):
    response = client.get("/monitoring/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_lease_page_sets_ptr(client, lease, lessee):
    client.force_login(lessee.owner)
    response = client.post(f"/monitoring/leases/{lease.pk}/ptr/",
                           {"address": "192.0.2.20", "hostname": "web.example.net"})
    assert response.status_code == 302
    assert PtrAssignment.objects.get().hostname == "web.example.net"


def test_lease_page_shows_invalid_hostname_error(client, lease, lessee):
    client.force_login(lessee.owner)
    response = client.post(f"/monitoring/leases/{lease.pk}/ptr/",
                           {"address": "192.0.2.20", "hostname": "bad_name.example.net"})
    assert response.status_code == 200
    assert b"invalid label" in response.content
    assert PtrAssignment.objects.count() == 0


def test_lease_page_other_organisation_404(client, lease, make_organization):
    client.force_login(make_organization().owner)
    assert client.get(f"/monitoring/leases/{lease.pk}/ptr/").status_code == 404
    assert client.post(f"/monitoring/leases/{lease.pk}/ptr/",
                       {"address": "192.0.2.20", "hostname": "x.example.net"}).status_code == 404


def test_lease_page_anonymous_redirected(client, lease):
    assert client.get(f"/monitoring/leases/{lease.pk}/ptr/").status_code == 302


def test_zone_download_owner(client, lease, lessee):
    client.force_login(lessee.owner)
    response = client.get(f"/monitoring/leases/{lease.pk}/zones/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"$ORIGIN 2.0.192.in-addr.arpa." in response.content


def test_zone_download_other_organisation_404(client, lease, make_organization):
    client.force_login(make_organization().owner)
    assert client.get(f"/monitoring/leases/{lease.pk}/zones/").status_code == 404


def test_zone_download_anonymous_redirected(client, lease):
    assert client.get(f"/monitoring/leases/{lease.pk}/zones/").status_code == 302


# --- API ---------------------------------------------------------------------


def test_api_sets_ptr(api_client_for, lease, lessee):
    response = api_client_for(lessee.owner).post(
        "/api/monitoring/ptr-records/",
        {"lease": lease.pk, "address": "192.0.2.30", "hostname": "api.example.net"}, format="json")
    assert response.status_code == 201
    assert response.json()["address"] == "192.0.2.30"
    assert response.json()["hostname"] == "api.example.net"


def test_api_rejects_invalid_hostname(api_client_for, lease, lessee):
    response = api_client_for(lessee.owner).post(
        "/api/monitoring/ptr-records/",
        {"lease": lease.pk, "address": "192.0.2.30", "hostname": "nodots"}, format="json")
    assert response.status_code == 400
    assert "has a single label" in response.json()["detail"][0]


def test_api_set_ptr_other_organisation_404(api_client_for, lease, make_organization):
    response = api_client_for(make_organization().owner).post(
        "/api/monitoring/ptr-records/",
        {"lease": lease.pk, "address": "192.0.2.30", "hostname": "x.example.net"}, format="json")
    assert response.status_code == 404


def test_api_removes_ptr(api_client_for, lease, lessee):
    set_ptr(lease=lease, address="192.0.2.30", hostname="a.example.net", user=lessee.owner)
    response = api_client_for(lessee.owner).post(
        "/api/monitoring/ptr-records/",
        {"lease": lease.pk, "address": "192.0.2.30", "hostname": ""}, format="json")
    assert response.status_code == 204
    assert PtrAssignment.objects.count() == 0


LIST_ENDPOINTS = ["ptr-records", "ptr-changes", "flags", "listings"]


@pytest.fixture
def populated(lease, lessee):
    from monitoring.models import BlocklistListing, DnsblZone, PtrFlag

    set_ptr(lease=lease, address="192.0.2.30", hostname="a.example.net", user=lessee.owner)
    zone = DnsblZone.objects.create(name="bl.example.test")
    BlocklistListing.objects.create(zone=zone, ip=3221225985, lease=lease, lessee=lessee,
                                    kind=BlocklistListing.Kind.LISTING, listed_at=timezone.now())
    PtrFlag.objects.create(kind=PtrFlag.Kind.CHURN_24H, lessee=lessee, lease=lease, observed=60,
                           threshold=50, detail="60 changes", raised_at=timezone.now())
    return lease


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_api_list_owner_sees_rows(api_client_for, populated, lessee, endpoint):
    response = api_client_for(lessee.owner).get(f"/api/monitoring/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_api_list_other_organisation_empty(api_client_for, populated, make_organization, endpoint):
    response = api_client_for(make_organization().owner).get(f"/api/monitoring/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS + ["leases/1/zones"])
def test_api_anonymous_refused(client, populated, endpoint):
    assert client.get(f"/api/monitoring/{endpoint}/").status_code == 401


def test_api_zones_owner(api_client_for, lease, lessee):
    response = api_client_for(lessee.owner).get(f"/api/monitoring/leases/{lease.pk}/zones/")
    assert response.status_code == 200
    assert response.json()["zones"][0]["name"] == "2.0.192.in-addr.arpa"


def test_api_zones_other_organisation_404(api_client_for, lease, make_organization):
    response = api_client_for(make_organization().owner).get(f"/api/monitoring/leases/{lease.pk}/zones/")
    assert response.status_code == 404
