"""Sign up, log in and out, create and switch organisations."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import Membership, Role

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"


def test_signup_creates_user_and_organisation(client):
    response = client.post(
        reverse("signup"),
        {"username": "alice", "email": "alice@example.net", "password1": PASSWORD,
         "password2": PASSWORD, "organization_name": "Alice Networks", "country": "nl"},
    )

    membership = Membership.objects.get(user__username="alice")
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert membership.organization.name == "Alice Networks"
    assert membership.organization.country == "NL"
    assert membership.role == Role.OWNER


def test_signup_rejects_taken_organisation_name(client, holder):
    response = client.post(
        reverse("signup"),
        {"username": "bob", "email": "bob@example.net", "password1": PASSWORD,
         "password2": PASSWORD, "organization_name": "Holder Networks B.V."},
    )

    assert response.status_code == 200
    assert "An organisation named &#x27;Holder Networks B.V.&#x27; already exists" in response.content.decode()
    assert not get_user_model().objects.filter(username="bob").exists()


def test_login_and_logout(client, holder):
    logged_in = client.post(
        reverse("login"), {"username": holder.owner.username, "password": "correct horse battery"}
    )
    logged_out = client.post(reverse("logout"))

    assert logged_in.status_code == 302
    assert logged_in.url == reverse("dashboard")
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_organisation_create_switches_to_it(client, holder):
    client.force_login(holder.owner)

    client.post(reverse("organization-create"), {"name": "Second Org", "country": "de"})

    response = client.get(reverse("dashboard"))
    assert response.context["organization"].name == "Second Org"


def test_organisation_switch(client, holder):
    from accounts.services import create_organization

    second = create_organization(user=holder.owner, name="Second Org")
    client.force_login(holder.owner)

    client.post(reverse("organization-switch"), {"organization": holder.pk})
    first_view = client.get(reverse("dashboard")).context["organization"]
    client.post(reverse("organization-switch"), {"organization": second.pk})
    second_view = client.get(reverse("dashboard")).context["organization"]

    assert first_view == holder
    assert second_view == second


def test_organisation_switch_to_foreign_is_404(client, holder, lessee):
    client.force_login(holder.owner)

    response = client.post(reverse("organization-switch"), {"organization": lessee.pk})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_user_without_organisation_is_sent_to_create_one(client, make_user):
    client.force_login(make_user())

    response = client.get(reverse("marketplace:block-list"))

    assert response.status_code == 302
    assert response.url == reverse("organization-create")


def test_billing_member_cannot_add_block(client, make_organization):
    organization = make_organization(role=Role.BILLING)
    client.force_login(organization.owner)

    response = client.post(
        reverse("marketplace:block-create"), {"prefix": "203.0.113.0/24", "rir": "ripe", "country": "NL"}
    )

    assert response.status_code == 403
