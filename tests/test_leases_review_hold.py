"""Reservations made before due diligence is approved wait for the review instead of lapsing."""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from django.core import mail

from kyc import services as kyc_services
from kyc.choices import ProfileState
from kyc.sanctions import import_list
from kyc.screening import screen_profile
from kyc.testing import complete_profile, opensanctions_csv
from leases import services
from leases.choices import LeaseState, Term
from leases.models import LeaseEvent

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
APPROVED_AT = NOW + timedelta(hours=5)


@pytest.fixture(autouse=True)
def kyc_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KYC_REQUIRED_LISTS = ["opensanctions"]
    settings.RESERVATION_MINUTES = 20
    settings.RESERVATION_REVIEW_HOLD_HOURS = 72
    settings.RESERVATION_APPROVED_HOLD_HOURS = 24
    return settings


@pytest.fixture
def lists(db):
    rows = [{"id": "os-1", "name": "Volga Hosting LLC", "countries": ["ru"]}]
    return import_list("opensanctions", {"csv": opensanctions_csv(rows)}, origin="test")


@pytest.fixture
def newcomer(make_organization):
    """A lessee without approved due diligence."""
    return make_organization("Newcomer Hosting", kyc_approved=False)


@pytest.fixture
def staff(make_user):
    return make_user(is_staff=True)


def reserve(listing, lessee):
    with time_machine.travel(NOW, tick=False):
        return services.reserve(listing=listing, lessee=lessee, prefix_length=24, term=Term.MONTHLY)


def submitted(organization):
    with time_machine.travel(NOW, tick=False):
        return kyc_services.submit(complete_profile(organization))


def in_review(organization, staff):
    profile = submitted(organization)
    with time_machine.travel(NOW, tick=False):
        screen_profile(profile, trigger="test")
        kyc_services.start_review(profile, user=staff)
    return profile


def hold_notes(lease):
    return list(LeaseEvent.objects.filter(lease=lease, kind=LeaseEvent.Kind.HOLD_CHANGED)
                .order_by("pk").values_list("note", flat=True))


def test_lessee_without_profile_gets_checkout_hold(newcomer, make_listing, holder):
    lease = reserve(make_listing(holder), newcomer)
    assert lease.reserved_until == NOW + timedelta(minutes=20)


def test_reservation_in_review_gets_review_hold(newcomer, make_listing, holder):
    submitted(newcomer)
    lease = reserve(make_listing(holder), newcomer)
    assert lease.reserved_until == NOW + timedelta(hours=72)


def test_approved_lessee_gets_checkout_hold(lessee, make_listing, holder):
    lease = reserve(make_listing(holder), lessee)
    assert lease.reserved_until == NOW + timedelta(minutes=20)


def test_gate_off_gives_checkout_hold(newcomer, make_listing, holder, settings):
    settings.KYC_REQUIRED_FOR_ACTIVATION = False
    submitted(newcomer)
    lease = reserve(make_listing(holder), newcomer)
    assert lease.reserved_until == NOW + timedelta(minutes=20)


def test_submission_extends_running_reservation(newcomer, make_listing, holder):
    lease = reserve(make_listing(holder), newcomer)
    submitted(newcomer)
    lease.refresh_from_db()
    assert lease.reserved_until == NOW + timedelta(hours=72)
    assert hold_notes(lease) == [
        "Held while the due diligence is under review. Held until 2026-03-05 09:00 UTC."]


def test_renewal_submission_leaves_hold_alone(lessee, make_listing, holder):
    lease = reserve(make_listing(holder), lessee)
    with time_machine.travel(NOW, tick=False):
        kyc_services.submit(complete_profile(lessee, state=ProfileState.APPROVED,
                                             approved_until=NOW + timedelta(days=20)))
    lease.refresh_from_db()
    assert lease.reserved_until == NOW + timedelta(minutes=20)


def test_approval_gives_fresh_hold_to_activate(newcomer, make_listing, holder, staff, lists):
    lease = reserve(make_listing(holder), newcomer)
    profile = in_review(newcomer, staff)
    with time_machine.travel(APPROVED_AT, tick=False):
        kyc_services.approve(profile, user=staff)
    lease.refresh_from_db()
    assert lease.reserved_until == APPROVED_AT + timedelta(hours=24)
    assert hold_notes(lease)[-1] == "Due diligence approved. Held until 2026-03-03 14:00 UTC."


def test_approval_mail_lists_held_reservations(newcomer, make_listing, holder, staff, lists):
    lease = reserve(make_listing(holder), newcomer)
    profile = in_review(newcomer, staff)
    mail.outbox.clear()
    with time_machine.travel(APPROVED_AT, tick=False):
        kyc_services.approve(profile, user=staff)
    [message] = mail.outbox
    assert message.subject == "Due diligence approved: activate your reservations"
    assert message.to == [newcomer.owner.email]
    assert f"- {lease.prefix}: activate by 2026-03-03 14:00 UTC" in message.body
    assert "Activate them at http://127.0.0.1:8000/leases/ before then;" in message.body


def test_approved_reservation_activates(newcomer, make_listing, holder, staff, lists):
    lease = reserve(make_listing(holder), newcomer)
    profile = in_review(newcomer, staff)
    with time_machine.travel(APPROVED_AT, tick=False):
        kyc_services.approve(profile, user=staff)
        services.activate(lease)
    assert lease.state == LeaseState.ACTIVE


def test_rejection_cancels_reservations(newcomer, make_listing, holder, staff, lists):
    lease = reserve(make_listing(holder), newcomer)
    profile = in_review(newcomer, staff)
    with time_machine.travel(APPROVED_AT, tick=False):
        kyc_services.reject(profile, user=staff, note="Registration number does not exist.")
    lease.refresh_from_db()
    assert (lease.state, lease.cancelled_at) == (LeaseState.CANCELLED, APPROVED_AT)
    event = LeaseEvent.objects.filter(lease=lease).latest("pk")
    assert (event.kind, event.note) == (LeaseEvent.Kind.CANCELLED, "The due diligence was rejected.")


def test_request_for_information_keeps_hold(newcomer, make_listing, holder, staff, lists):
    lease = reserve(make_listing(holder), newcomer)
    profile = in_review(newcomer, staff)
    with time_machine.travel(APPROVED_AT, tick=False):
        kyc_services.request_information(profile, user=staff, note="Upload the VAT certificate.")
    lease.refresh_from_db()
    assert lease.reserved_until == NOW + timedelta(hours=72)


def test_held_reservation_lapses_after_review_hold(newcomer, make_listing, holder):
    from leases.tasks import release_lapsed_reservations_task

    submitted(newcomer)
    lease = reserve(make_listing(holder), newcomer)
    with time_machine.travel(NOW + timedelta(hours=72, seconds=1), tick=False):
        assert release_lapsed_reservations_task() == 1
    lease.refresh_from_db()
    assert lease.state == LeaseState.CANCELLED


def test_reservation_page_explains_review_hold(newcomer, make_listing, holder, client):
    submitted(newcomer)
    lease = reserve(make_listing(holder), newcomer)
    client.force_login(newcomer.owner)
    page = client.get(f"/leases/{lease.pk}/reservation/").content.decode()
    assert ("Your due diligence is under review, so the reservation waits for the decision until then. Once staff "
            "approve it, you have 24 hours to activate the reservation; we e-mail you the deadline.") in page


def test_reservation_page_omits_hold_note(lessee, make_listing, holder, client):
    lease = reserve(make_listing(holder), lessee)
    client.force_login(lessee.owner)
    page = client.get(f"/leases/{lease.pk}/reservation/").content.decode()
    assert "review-hold" not in page
    assert "Confirm and activate" in page


def test_reservation_page_hides_activation_during_review(newcomer, make_listing, holder, client):
    submitted(newcomer)
    lease = reserve(make_listing(holder), newcomer)
    client.force_login(newcomer.owner)
    page = client.get(f"/leases/{lease.pk}/reservation/").content.decode()
    assert "Confirm and activate" not in page


def test_rejection_mails_cancelled_reservations(newcomer, make_listing, holder, staff, lists,
                                                django_capture_on_commit_callbacks):
    lease = reserve(make_listing(holder), newcomer)
    profile = in_review(newcomer, staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        kyc_services.reject(profile, user=staff, note="Registration number does not exist.")
    [message] = mail.outbox
    assert message.subject == "Due diligence rejected: your reservations are cancelled"
    assert message.to == [newcomer.owner.email]
    assert f"\n\n- {lease.prefix}\n\n" in message.body


def test_refused_rent_reserves_nothing(newcomer, make_listing, holder):
    from kyc.exceptions import KycRequired
    from leases.models import Lease

    submitted(newcomer)
    with pytest.raises(KycRequired):
        services.rent(listing=make_listing(holder), lessee=newcomer, prefix_length=24, term=Term.MONTHLY)
    assert Lease.objects.filter(lessee=newcomer).count() == 0


def test_cancelled_reservation_page_shows_no_term(newcomer, make_listing, holder, client):
    lease = reserve(make_listing(holder), newcomer)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        services.cancel_reservation(lease)
    client.force_login(newcomer.owner)
    page = client.get(f"/leases/{lease.pk}/").content.decode()
    assert "<tr><th>Cancelled</th><td>2026-03-02 09:05 UTC, before it started</td></tr>" in page
    assert "<th>Period</th>" not in page


def test_profile_page_hides_submit_in_review(newcomer, client):
    submitted(newcomer)
    client.force_login(newcomer.owner)
    page = client.get("/kyc/").content.decode()
    assert "The profile is with staff for review." in page
    assert "Submit for review</button>" not in page


def test_review_page_hides_decisions_after_approval(newcomer, staff, lists, client):
    profile = in_review(newcomer, staff)
    with time_machine.travel(APPROVED_AT, tick=False):
        kyc_services.approve(profile, user=staff)
    client.force_login(staff)
    page = client.get(f"/kyc/staff/profiles/{profile.pk}/").content.decode()
    assert "No review is open: the client has not submitted the profile since the last decision." in page
    assert "Approve</button>" not in page
    assert "Start review</button>" not in page


def test_review_page_offers_approval_in_review(newcomer, staff, lists, client):
    profile = in_review(newcomer, staff)
    client.force_login(staff)
    page = client.get(f"/kyc/staff/profiles/{profile.pk}/").content.decode()
    assert "Approve</button>" in page
    assert "Start review</button>" not in page
