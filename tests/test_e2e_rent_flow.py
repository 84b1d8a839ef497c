"""The whole flow in headless Chromium: a holder lists a block, a lessee rents a /24 of it."""

import json
import re
import threading
from contextlib import contextmanager

import pytest

from django.db import connection

from leases.choices import LeaseState
from leases.models import Lease
from rpki.imports import import_vrps
from tests.conftest import require_binary

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PASSWORD = "correct horse battery"


@contextmanager
def chromium():
    """Launch the OS package's Chromium through Playwright.

    Playwright's sync API runs an event loop in this thread, and Django
    refuses database queries while one runs, so the test writes its rows
    before entering this block and checks the database after leaving it.
    """
    executable = require_binary("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def plain_http_cookies(settings):
    # The live server speaks plain HTTP, so secure-only cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def _log_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base_url}/dashboard/")


def _import_proof_roa(asn):
    """Import a VRP set that contains the proof ROA with origin `asn`, as a validator would deliver it.

    It runs in another thread because Django refuses database queries in a
    thread where Playwright's event loop runs.
    """

    def run():
        try:
            import_vrps(
                json.dumps({"roas": [
                    {"asn": f"AS{asn}", "prefix": "198.18.0.0/22", "maxLength": 22, "ta": "ripe"},
                ]}),
                filename="vrps.json",
            )
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)


def _list_block(page, base_url):
    page.goto(f"{base_url}/blocks/new/")
    page.fill("input[name=prefix]", "198.18.0.0/22")
    page.select_option("select[name=rir]", "ripe")
    page.fill("input[name=country]", "NL")
    page.click("button:has-text('Add block')")
    page.wait_for_selector("text=Added 198.18.0.0/22")
    # The holder requests the proof, creates the ROA that the page names,
    # and the next VRP import verifies the block.
    page.click("button:has-text('Verify by ROA')")
    origin = page.inner_text("table.roa-proof tbody td:nth-child(2)")
    _import_proof_roa(int(origin.removeprefix("AS")))
    page.reload()
    page.wait_for_selector("#ownership .badge.ok:has-text('Verified')")
    page.click("text=Create listing")
    page.fill("input[name=price_per_ip_month]", "0.50")
    page.fill("input[name=yearly_discount_percent]", "10")
    page.check("input[name=allow_split]")
    page.fill("input[name=max_prefix_length]", "24")
    page.click("button:has-text('Save listing')")
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=is now published")


def _rent_a_24(page, base_url):
    page.goto(f"{base_url}/market/?prefix_size=24")
    page.click("text=198.18.0.0/22")
    page.wait_for_selector("text=Price per month")
    page.select_option("select[name=prefix_length]", "24")
    page.select_option("select[name=term]", "monthly")
    page.fill("input[name=origin_asn]", "64500")
    page.click("button:has-text('Reserve')")
    page.wait_for_selector("text=Confirm and activate")
    reserved = page.inner_text(".reserved-prefix")
    hold_end = page.inner_text(".reserved-until")
    page.click("button:has-text('Confirm and activate')")
    page.wait_for_selector("text=is active until")
    return reserved, hold_end


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_holder_lists_lessee_rents(live_server, holder, lessee, plain_http_cookies):
    holder_name, lessee_name = holder.owner.username, lessee.owner.username
    base_url = live_server.url

    with chromium() as browser:
        holder_page = browser.new_context().new_page()
        _log_in(holder_page, base_url, holder_name)
        _list_block(holder_page, base_url)

        lessee_page = browser.new_context().new_page()
        _log_in(lessee_page, base_url, lessee_name)
        reserved, hold_end = _rent_a_24(lessee_page, base_url)
        lessee_page.goto(f"{base_url}/leases/")
        lease_row = lessee_page.inner_text("table tbody tr")

        holder_page.goto(f"{base_url}/holder/leases/")
        holder_row = holder_page.inner_text("table:not(.revenue) tbody tr")

    lease = Lease.objects.get()

    assert reserved == "198.18.0.0/24"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", hold_end)
    assert "198.18.0.0/24" in lease_row
    assert "Active" in lease_row
    assert "AS64500" in lease_row
    assert "Lessee Hosting Ltd" in holder_row
    assert lease.lessee == lessee
    assert lease.state == LeaseState.ACTIVE
