"""VIES lookups of VAT numbers against a small VIES REST API served on loopback by the test.

Every company name and VAT number here is invented.
"""

import contextlib
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Organization
from kyc import services
from kyc.choices import ProfileState, ViesStatus
from kyc.models import ClientProfile, Screening
from kyc.risk import assess
from kyc.screening import subjects_for
from kyc.tasks import check_due_vat_numbers_task, check_vat_number_task, screen_organization_task
from kyc.testing import complete_profile
from kyc.vat_check import check_profile_vat, due_profile_ids

ROOT = Path(__file__).resolve().parent.parent
REGISTERED_ADDRESS = "KEIZERSGRACHT 1\n1015CC AMSTERDAM"


def vies_answer(vat_number, *, valid, name="---", address="---", user_error=None):
    """Return the JSON body VIES sends for a check of `vat_number`."""
    return json.dumps({
        "countryCode": vat_number[:2], "vatNumber": vat_number[2:], "requestDate": "2026-12-01T10:00:00.000Z",
        "valid": valid, "requestIdentifier": "", "name": name, "address": address,
        "userError": user_error or ("VALID" if valid else "INVALID"),
    }).encode()


def error_wrappers(code):
    return json.dumps({"actionSucceed": False, "errorWrappers": [{"error": code, "message": "try later"}]}).encode()


# VAT number -> (HTTP status, body, seconds to wait before responding).
ANSWERS = {
    "NL123456789B01": (200, vies_answer("NL123456789B01", valid=True, name="EXAMPLE NETWORKS B.V.",
                                        address=REGISTERED_ADDRESS), 0),
    "NL999999999B99": (200, vies_answer("NL999999999B99", valid=False), 0),
    "NL333333333B33": (200, vies_answer("NL333333333B33", valid=True, name="NORTHSEA TRANSIT HOLDING B.V.",
                                        address="HAVENSTRAAT 9\n3011AA ROTTERDAM"), 0),
    "ESB12345678": (200, vies_answer("ESB12345678", valid=True), 0),
    "EL123456789": (200, vies_answer("EL123456789", valid=True, name="EXAMPLE NETWORKS AE"), 0),
    "DE123456789": (200, vies_answer("DE123456789", valid=False, user_error="MS_UNAVAILABLE"), 0),
    "FR12345678901": (500, error_wrappers("MS_MAX_CONCURRENT_REQ"), 0),
    "NL111111111B11": (200, vies_answer("NL111111111B11", valid=True, name="SLOW B.V."), 1.0),
    "NL222222222B22": (200, b'{"valid": tru', 0),
    "NL444444444B44": (400, error_wrappers("INVALID_INPUT"), 0),
}


class ViesHandler(http.server.BaseHTTPRequestHandler):
    answers = {}
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = json.loads(body)
        self.received.append({"path": self.path, "content_type": self.headers["Content-Type"], "json": request})
        status, answer, delay = self.answers[request["countryCode"] + request["vatNumber"]]
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting, as the timeout test intends.
            pass

    def log_message(self, format, *args):
        pass


@pytest.fixture
def vies_server(settings):
    """Serve the check-vat-number endpoint on loopback and point KYC_VIES_URL at it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ViesHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    ViesHandler.answers = dict(ANSWERS)
    ViesHandler.received = []
    settings.KYC_VIES_URL = f"http://127.0.0.1:{server.server_address[1]}/rest-api/check-vat-number"
    settings.KYC_VIES_TIMEOUT = 0.2
    settings.KYC_VIES_RETRY_MINUTES = 60
    yield ViesHandler
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def kyc_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KYC_REQUIRED_LISTS = []
    return settings


@pytest.fixture
def company(make_organization):
    organization = make_organization("Example Networks B.V.", kyc_approved=False)
    Organization.objects.filter(pk=organization.pk).update(created_at=timezone.now() - timedelta(days=400))
    return organization


def profile_with(organization, vat_number, **fields):
    return complete_profile(organization, vat_number=vat_number, **fields)


def reload(profile):
    return ClientProfile.objects.get(pk=profile.pk)


def factor(assessment, name):
    return next(item for item in assessment.factors if item["factor"] == name)


def test_vies_url_empty_by_default():
    env = {key: value for key, value in os.environ.items() if key != "KYC_VIES_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c",
         "from django.conf import settings; print(repr(settings.KYC_VIES_URL))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "''"


def test_vies_off_sends_nothing(company, vies_server, settings):
    settings.KYC_VIES_URL = ""
    profile = profile_with(company, "NL123456789B01")
    assert check_due_vat_numbers_task() == []
    assert check_profile_vat(profile.pk) is None
    assert vies_server.received == []
    assert reload(profile).vies_status == ""


def test_valid_number_stores_registered_name(company, vies_server):
    profile = profile_with(company, "NL123456789B01")
    now = timezone.now()
    result = check_profile_vat(profile.pk, now=now)
    assert result.status == ViesStatus.VALID
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.VALID
    assert stored.vies_vat_number == "NL123456789B01"
    assert stored.vies_name == "EXAMPLE NETWORKS B.V."
    assert stored.vies_address == REGISTERED_ADDRESS
    assert stored.vies_error == ""
    assert stored.vies_checked_at == now
    assert stored.vies_retry_at is None


def test_request_is_json_post(company, vies_server):
    profile_with(company, "NL123456789B01")
    check_due_vat_numbers_task()
    assert vies_server.received == [{
        "path": "/rest-api/check-vat-number",
        "content_type": "application/json",
        "json": {"countryCode": "NL", "vatNumber": "123456789B01"},
    }]


def test_greek_number_sent_as_el(company, vies_server):
    profile_with(company, "EL123456789", country="GR")
    check_due_vat_numbers_task()
    assert vies_server.received[0]["json"] == {"countryCode": "EL", "vatNumber": "123456789"}


def test_unpublished_name_stored_empty(company, vies_server):
    profile = profile_with(company, "ESB12345678", country="ES")
    check_profile_vat(profile.pk)
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.VALID
    assert stored.vies_name == ""
    assert stored.vies_address == ""


def test_invalid_number_recorded(company, vies_server):
    profile = profile_with(company, "NL999999999B99")
    result = check_profile_vat(profile.pk)
    assert result.status == ViesStatus.INVALID
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.INVALID
    assert stored.vies_retry_at is None


def test_invalid_input_recorded_invalid(company, vies_server):
    profile = profile_with(company, "NL444444444B44")
    check_profile_vat(profile.pk)
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.INVALID
    assert stored.vies_error == "VIES rejected the number as malformed (INVALID_INPUT)"
    assert stored.vies_retry_at is None


def test_ms_unavailable_recorded_with_retry(company, vies_server):
    profile = profile_with(company, "DE123456789", country="DE")
    now = timezone.now()
    check_profile_vat(profile.pk, now=now)
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.UNAVAILABLE
    assert stored.vies_error == "VIES could not check the number (MS_UNAVAILABLE)"
    assert stored.vies_checked_at == now
    assert stored.vies_retry_at == now + timedelta(minutes=60)


def test_error_wrappers_code_recorded(company, vies_server):
    profile = profile_with(company, "FR12345678901", country="FR")
    check_profile_vat(profile.pk)
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.UNAVAILABLE
    assert stored.vies_error == "VIES could not check the number (MS_MAX_CONCURRENT_REQ)"


def test_timeout_recorded_unavailable(company, vies_server):
    profile = profile_with(company, "NL111111111B11")
    started = time.monotonic()
    check_profile_vat(profile.pk)
    assert time.monotonic() - started < 1.0
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.UNAVAILABLE
    assert stored.vies_error == "VIES request timed out after 0.2 seconds"


def test_malformed_json_recorded_unavailable(company, vies_server):
    profile = profile_with(company, "NL222222222B22")
    check_profile_vat(profile.pk)
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.UNAVAILABLE
    assert stored.vies_error == "VIES returned HTTP 200 with malformed JSON"


def test_refused_connection_recorded_unavailable(company, vies_server, settings):
    with refused_port() as port:
        settings.KYC_VIES_URL = f"http://127.0.0.1:{port}/rest-api/check-vat-number"
        profile = profile_with(company, "NL123456789B01")
        check_profile_vat(profile.pk)
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.UNAVAILABLE
    assert stored.vies_error.startswith("connection to VIES failed: ")


def test_non_http_url_not_requested(company, vies_server, settings):
    settings.KYC_VIES_URL = "file:///etc/passwd"
    profile = profile_with(company, "NL123456789B01")
    check_profile_vat(profile.pk)
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.UNAVAILABLE
    assert stored.vies_error == "KYC_VIES_URL uses file; only http and https are allowed"


def test_unavailable_not_retried_before_due(company, vies_server):
    profile = profile_with(company, "DE123456789", country="DE")
    assert check_due_vat_numbers_task() == [profile.pk]
    assert check_due_vat_numbers_task() == []
    assert len(vies_server.received) == 1


def test_unavailable_retried_when_due(company, vies_server):
    profile = profile_with(company, "DE123456789", country="DE")
    check_due_vat_numbers_task()
    vies_server.answers["DE123456789"] = (200, vies_answer("DE123456789", valid=True), 0)
    ClientProfile.objects.filter(pk=profile.pk).update(vies_retry_at=timezone.now() - timedelta(minutes=1))
    assert check_due_vat_numbers_task() == [profile.pk]
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.VALID
    assert stored.vies_error == ""
    assert stored.vies_retry_at is None


def test_unavailable_keeps_earlier_answer(company, vies_server):
    profile = profile_with(company, "NL123456789B01")
    first = timezone.now()
    check_profile_vat(profile.pk, now=first)
    vies_server.answers["NL123456789B01"] = (200, vies_answer("NL123456789B01", valid=False,
                                                              user_error="MS_UNAVAILABLE"), 0)
    ClientProfile.objects.filter(pk=profile.pk).update(vies_retry_at=first)
    second = first + timedelta(minutes=5)
    check_profile_vat(profile.pk, now=second)
    stored = reload(profile)
    assert stored.vies_status == ViesStatus.VALID
    assert stored.vies_name == "EXAMPLE NETWORKS B.V."
    assert stored.vies_checked_at == first
    assert stored.vies_error == "VIES could not check the number (MS_UNAVAILABLE)"
    assert stored.vies_retry_at == second + timedelta(minutes=60)


def test_changed_number_forgets_result(company, vies_server, django_capture_on_commit_callbacks):
    profile = profile_with(company, "NL123456789B01")
    check_profile_vat(profile.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        services.update_profile(reload(profile), {"vat_number": "NL333333333B33"})
    stored = reload(profile)
    assert len(callbacks) == 1
    assert stored.vies_status == ""
    assert stored.vies_name == ""
    assert stored.vies_vat_number == ""
    assert stored.vies_checked_at is None
    assert due_profile_ids(timezone.now(), 10) == [profile.pk]


def test_changed_number_checked_by_task(company, vies_server):
    profile = profile_with(company, "NL123456789B01")
    check_profile_vat(profile.pk)
    services.update_profile(reload(profile), {"vat_number": "NL333333333B33"})
    assert check_vat_number_task(profile.pk) == ViesStatus.VALID
    stored = reload(profile)
    assert stored.vies_vat_number == "NL333333333B33"
    assert stored.vies_name == "NORTHSEA TRANSIT HOLDING B.V."


def test_unchanged_number_not_queued(company, vies_server, django_capture_on_commit_callbacks):
    profile = profile_with(company, "NL123456789B01")
    with django_capture_on_commit_callbacks() as callbacks:
        services.update_profile(reload(profile), {"vat_number": "NL123456789B01", "website": "https://example.net"})
    assert callbacks == []


def test_submission_checks_number_before_scoring(company, vies_server):
    profile = services.submit(profile_with(company, "NL123456789B01"))
    screen_organization_task(company.pk, "submission")
    stored = reload(profile)
    assessment = stored.risk_assessments.first()
    assert stored.vies_status == ViesStatus.VALID
    assert factor(assessment, "vat_registration") == {
        "factor": "vat_registration", "points": 0,
        "explanation": "VIES confirms VAT number NL123456789B01, registered to 'EXAMPLE NETWORKS B.V.', "
                       "which agrees with the legal name (similarity 100).",
    }


def test_submission_not_blocked_by_unavailable_vies(company, vies_server):
    profile = services.submit(profile_with(company, "DE123456789", country="DE"))
    screen_organization_task(company.pk, "submission")
    stored = reload(profile)
    assert stored.state == "submitted"
    assert stored.vies_status == ViesStatus.UNAVAILABLE
    assert factor(stored.risk_assessments.first(), "vat_registration") == {
        "factor": "vat_registration", "points": 0,
        "explanation": "VAT number DE123456789 is not checked yet: VIES could not check the number "
                       "(MS_UNAVAILABLE). The check is retried.",
    }


def test_resubmission_checks_number_again(company, vies_server):
    profile = profile_with(company, "NL123456789B01")
    check_profile_vat(profile.pk)
    services.submit(reload(profile))
    screen_organization_task(company.pk, "submission")
    assert len(vies_server.received) == 2


@pytest.mark.worker
def test_vies_result_rescreens_submitted_profile(celery_worker, company, vies_server):
    profile = profile_with(company, "NL333333333B33", state=ProfileState.SUBMITTED)
    assert check_vat_number_task(profile.pk) == ViesStatus.VALID
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Screening.objects.filter(organization=company).exists():
        time.sleep(0.2)
    screening = Screening.objects.get(organization=company)
    assert screening.trigger == "vat check"
    assert screening.names_screened == 2


def test_invalid_number_adds_risk(company, vies_server):
    profile = profile_with(company, "NL999999999B99")
    check_profile_vat(profile.pk)
    stored = reload(profile)
    entry = factor(assess(stored), "vat_registration")
    assert entry["points"] == 25
    assert entry["explanation"] == (
        f"VIES reports VAT number NL999999999B99 as not valid (checked {stored.vies_checked_at:%Y-%m-%d})."
    )


def test_other_registered_name_adds_risk(company, vies_server):
    profile = profile_with(company, "NL333333333B33")
    check_profile_vat(profile.pk)
    entry = factor(assess(reload(profile)), "vat_registration")
    assert entry["points"] == 15
    assert re.fullmatch(
        r"VIES registers VAT number NL333333333B33 to 'NORTHSEA TRANSIT HOLDING B\.V\.', not to the legal name "
        r"'Example Networks B\.V\.' \(similarity \d+\); check that the client is that company\.",
        entry["explanation"],
    )


def test_vies_off_leaves_risk_alone(company, settings):
    settings.KYC_VIES_URL = ""
    profile = profile_with(company, "NL123456789B01")
    assert "vat_registration" not in [item["factor"] for item in assess(profile).factors]


def test_registered_name_screened(company, vies_server):
    profile = profile_with(company, "NL333333333B33")
    check_profile_vat(profile.pk)
    names = [subject.name for subject in subjects_for(reload(profile))]
    assert names == ["Example Networks B.V.", "NORTHSEA TRANSIT HOLDING B.V."]


def test_registered_name_like_legal_name_not_repeated(company, vies_server):
    profile = profile_with(company, "NL123456789B01")
    check_profile_vat(profile.pk)
    names = [subject.name for subject in subjects_for(reload(profile))]
    assert names == ["Example Networks B.V."]


@contextlib.contextmanager
def refused_port():
    """Reserve a loopback port with nothing listening on it, so a connection to it is refused."""
    reserved = socket.socket()
    reserved.bind(("127.0.0.1", 0))
    try:
        yield reserved.getsockname()[1]
    finally:
        reserved.close()


def vies_cell(html):
    cell = re.search(r'<dd id="vies-result">(.*?)</dd>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_staff_page_shows_vies_result(company, vies_server, client, make_user):
    profile = profile_with(company, "NL123456789B01")
    now = timezone.now()
    check_profile_vat(profile.pk, now=now)
    client.force_login(make_user(is_staff=True))
    response = client.get(f"/kyc/staff/profiles/{profile.pk}/")
    assert response.status_code == 200
    assert vies_cell(response.content.decode()) == (
        f"Valid , checked {now:%Y-%m-%d %H:%M} UTC. Registered name: EXAMPLE NETWORKS B.V. "
        "Registered address: KEIZERSGRACHT 1 1015CC AMSTERDAM"
    )


def test_staff_page_shows_retry(company, vies_server, client, make_user):
    profile = profile_with(company, "DE123456789", country="DE")
    now = timezone.now()
    check_profile_vat(profile.pk, now=now)
    client.force_login(make_user(is_staff=True))
    response = client.get(f"/kyc/staff/profiles/{profile.pk}/")
    retry = now + timedelta(minutes=60)
    assert vies_cell(response.content.decode()) == (
        f"VIES unavailable , checked {now:%Y-%m-%d %H:%M} UTC. Last attempt failed: VIES could not check "
        f"the number (MS_UNAVAILABLE). Next attempt: {retry:%Y-%m-%d %H:%M} UTC."
    )


def test_staff_page_says_vies_off(company, client, make_user, settings):
    settings.KYC_VIES_URL = ""
    profile = profile_with(company, "NL123456789B01")
    client.force_login(make_user(is_staff=True))
    response = client.get(f"/kyc/staff/profiles/{profile.pk}/")
    assert vies_cell(response.content.decode()) == (
        "Not looked up: KYC_VIES_URL is empty, so only the format is checked."
    )
