"""A demo citizen pays part of a bill with the sandbox provider and sees the balance drop."""

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


def _balance_on_overview(page: Page, live_server: str, claim_id: str) -> int:
    page.goto(f"{live_server}/overview")
    card = page.locator(f"[data-claim-card][data-claim-id='{claim_id}']")
    value = card.locator("[data-balance]").first.get_attribute("data-balance")
    assert value is not None
    return int(value)


def test_paying_part_of_a_bill_with_the_sandbox_lowers_the_balance(
    phone_page: Page, live_server: str, axe_source: str
) -> None:
    page = phone_page
    _log_in_with_six_arrears(page, live_server)
    page.goto(f"{live_server}/overview")
    href = page.locator("a[href*='/claims/']").first.get_attribute("href")
    assert href is not None
    claim_id = re.search(r"/claims/(\d+)", href).group(1)  # type: ignore[union-attr]

    before = _balance_on_overview(page, live_server, claim_id)
    assert before > 100
    page.goto(f"{live_server}/claims/{claim_id}/pay")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("img[data-epc-qr]")).to_have_attribute("alt", re.compile("QR code"))
    screenshot(page, "pay-page-phone-en")
    assert describe(axe_violations(page, axe_source)) == []

    # Pay a part (one euro), so the bill stays open for the other journeys.
    page.get_by_label("A part of it").check()
    page.get_by_label("Amount you want to pay").fill("1,00")
    page.get_by_role("button", name="Continue to pay online").click()
    page.wait_for_url(re.compile(r"/payments/sandbox/"))
    assert describe(axe_violations(page, axe_source)) == []
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/payments/return/"))
    expect(page.locator("h1")).to_have_text("Thank you, we have received your payment")
    assert describe(axe_violations(page, axe_source)) == []

    page.get_by_role("link", name="See your receipt").click()
    expect(page.locator("[data-receipt-amount]")).to_have_attribute("data-receipt-amount", "100")

    assert _balance_on_overview(page, live_server, claim_id) == before - 100
