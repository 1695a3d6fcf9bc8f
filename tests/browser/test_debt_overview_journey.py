"""A demo citizen makes their debt overview in two taps and downloads the PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.conftest import describe
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _log_in_with_six_arrears(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login/demo")
    card = page.locator("form", has_text=re.compile("six", re.IGNORECASE)).first
    card.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/overview|/claims/"))
    # The persona prefers Dutch; this journey reads English, chosen with the switcher.
    page.goto(f"{live_server}/language/en?next=/overview")


def test_a_citizen_makes_and_downloads_the_debt_overview(
    phone_page: Page, live_server: str, axe_source: str
) -> None:
    page = phone_page
    _log_in_with_six_arrears(page, live_server)

    page.goto(f"{live_server}/debt-overview")
    expect(page.locator("h1")).to_have_text("Overview of your debts")
    assert describe(axe_violations(page, axe_source)) == []
    page.get_by_role("button", name="Make my debt overview").click()
    page.wait_for_url(re.compile(r"/debt-overview/\d+$"))
    expect(page.locator("h1")).to_have_text("Your debt overview is ready")
    screenshot(page, "debt-overview-ready-phone-en")
    assert describe(axe_violations(page, axe_source)) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("debt-overview-")
    assert download.suggested_filename.endswith(".pdf")
    path = download.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_label(
        "I agree that the person with this link can see this overview for 14 days"
    ).check()
    page.get_by_role("button", name="Make a link").click()
    link = page.get_by_label("Link for your debt counsellor").input_value()
    assert "/shared/" in link
    assert describe(axe_violations(page, axe_source)) == []

    shared_path = link[link.index("/shared/") :]
    page.goto(f"{live_server}{shared_path}")
    expect(page.locator(".shared-banner")).to_contain_text("Shared by the citizen, valid until")
    assert describe(axe_violations(page, axe_source)) == []

    page.goto(f"{live_server}/verify")
    page.get_by_label("Verification code").fill("AAAAA-AAAAA")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("[data-verify-result='unknown']")).to_be_visible()
    assert describe(axe_violations(page, axe_source)) == []
