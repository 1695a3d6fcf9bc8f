"""The journey that matters most: a demo citizen with six arrears sees them all, on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.conftest import axe_violations
from tests.browser.conftest import describe
from tests.browser.conftest import has_horizontal_scroll
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def log_in_as_persona(page: Page, live_server: str, situation_text: str) -> None:
    page.goto(f"{live_server}/login/demo")
    card = page.locator("form", has_text=re.compile(situation_text, re.IGNORECASE)).first
    card.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/overview|/claims/"))


def test_citizen_with_six_arrears_sees_all_six_on_a_phone(
    phone_page: Page, live_server: str, axe_source: str
) -> None:
    log_in_as_persona(phone_page, live_server, "six")
    phone_page.goto(f"{live_server}/overview")
    expect(phone_page.locator("h1")).to_have_count(1)
    cards = phone_page.locator("[data-claim-card][data-actionable='true']")
    expect(cards).to_have_count(6)
    screenshot(phone_page, "overview-phone-en")
    assert describe(axe_violations(phone_page, axe_source)) == []

    phone_page.set_viewport_size({"width": 320, "height": 740})
    assert not has_horizontal_scroll(phone_page)

    # The first Tab lands on the skip link, which moves focus to the main content.
    phone_page.keyboard.press("Tab")
    focused = phone_page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"

    # Every language shows the same six bills, under a heading in that language.
    headings = {}
    for code in ("da", "nl", "en"):
        phone_page.goto(f"{live_server}/language/{code}?next=/overview")
        expect(phone_page.locator("html")).to_have_attribute("lang", code)
        expect(cards).to_have_count(6)
        assert not has_horizontal_scroll(phone_page)
        screenshot(phone_page, f"overview-320-{code}")
        headings[code] = phone_page.locator("h1").inner_text()
    assert len(set(headings.values())) == 3, headings
    # What the README shows: the first screen a citizen sees on a phone.
    phone_page.set_viewport_size(PHONE)
    screenshot(phone_page, "overview-phone-first-screen-en", full_page=False)


def test_claim_history_adds_up_to_the_balance(
    phone_page: Page, live_server: str, axe_source: str
) -> None:
    log_in_as_persona(phone_page, live_server, "six")
    phone_page.goto(f"{live_server}/overview")
    phone_page.locator("[data-claim-card] a[href*='/claims/']").first.click()
    expect(phone_page.locator("h1")).to_have_count(1)
    balance = phone_page.locator("[data-balance]").first.get_attribute("data-balance")
    last_running = phone_page.locator("[data-running-balance]").last.get_attribute(
        "data-running-balance"
    )
    assert balance is not None
    assert balance == last_running
    screenshot(phone_page, "claim-phone-en")
    assert describe(axe_violations(phone_page, axe_source)) == []


def test_the_journey_works_without_javascript(no_js_page: Page, live_server: str) -> None:
    log_in_as_persona(no_js_page, live_server, "six")
    no_js_page.goto(f"{live_server}/overview")
    expect(no_js_page.locator("[data-claim-card][data-actionable='true']")).to_have_count(6)
    no_js_page.locator("[data-claim-card] a[href*='/claims/']").first.click()
    expect(no_js_page.locator("[data-running-balance]").first).to_be_visible()
    no_js_page.goto(f"{live_server}/language/nl?next=/overview")
    expect(no_js_page.locator("html")).to_have_attribute("lang", "nl")
