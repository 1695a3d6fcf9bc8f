"""Issue 5's remission "done when", at phone size: the low-income demo citizen (NL) applies to
have her bills waived with numbers that give a partial outcome, sees the preliminary outcome
with its calculation and sends it; a caseworker (password + second factor) waives part; the
citizen sees the outcome and the way into the plan journey, and the overview shows the lower
balance. Every page passes axe (WCAG 2.1 A/AA), has one h1 and no sideways scrolling.
"""

from __future__ import annotations

import re
import time
from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import DemoPersona
from portal.models import RemissionApplication
from portal.models import StaffUser
from portal.services.staff_accounts import create_staff_user
from portal.services.staff_accounts import current_totp_code
from tests.browser.conftest import PHONE
from tests.browser.conftest import axe_violations
from tests.browser.conftest import describe
from tests.browser.conftest import has_horizontal_scroll
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

#: A caseworker of this journey's own: a TOTP code works once per 30-second step, and the
#: demo caseworker and supervisor are used by the crawl and the plan journey.
CASEWORKER = "remission-caseworker"
PASSWORD = "remission-journey-password"  # noqa: S105 - a throwaway test account
#: 500.00 of the bills waived by the caseworker (the calculation expects about 590).
WAIVED = 50_000


@pytest.fixture(scope="module")
def caseworker(browser_app: Flask) -> str:
    with browser_app.app_context():
        if db.session.scalar(select(StaffUser).where(StaffUser.username == CASEWORKER)) is None:
            create_staff_user(
                db.session,
                browser_app.config["SALDO"],
                username=CASEWORKER,
                display_name="Remission Caseworker",
                role="caseworker",
                password=PASSWORD,
            )
            db.session.commit()
        db.session.remove()
    return CASEWORKER


def _persona(app: Flask, situation: str) -> int:
    with app.app_context():
        persona = db.session.scalar(select(DemoPersona).where(DemoPersona.situation == situation))
        assert persona is not None
        debtor_id = persona.debtor_id
        db.session.remove()
        return debtor_id


def _application_state(app: Flask, debtor_id: int) -> str:
    with app.app_context():
        application = db.session.scalar(
            select(RemissionApplication)
            .where(RemissionApplication.debtor_id == debtor_id)
            .order_by(RemissionApplication.id.desc())
            .limit(1)
        )
        assert application is not None
        state = application.state
        db.session.remove()
        return state


def _check(page: Page, axe_source: str, name: str) -> None:
    expect(page.locator("h1")).to_have_count(1)
    assert describe(axe_violations(page, axe_source)) == [], name
    assert not has_horizontal_scroll(page), name
    screenshot(page, f"remission-{name}-phone-en")


def _log_in_as(page: Page, live_server: str, debtor_id: int) -> None:
    page.goto(f"{live_server}/login/demo")
    page.locator(f"form:has(input[value='{debtor_id}'])").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/overview|/claims/"))
    # The persona prefers Dutch; this journey reads English, chosen with the switcher.
    page.goto(f"{live_server}/language/en?next=/overview")


def _log_staff_in(page: Page, app: Flask, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/language/en?next=/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/login/code"))
    for _attempt in range(2):  # a code works once per 30-second step
        with app.app_context():
            user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
            assert user is not None
            code = current_totp_code(user, datetime.now(UTC))
            db.session.remove()
        page.fill("input[name=code]", code)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        if re.search(r"/staff/$", page.url):
            return
        time.sleep(31 - time.time() % 30)
    page.wait_for_url(re.compile(r"/staff/$"))


def _total_on_overview(page: Page, live_server: str) -> int:
    """The sum of the balances on the overview's bill cards, in minor units."""
    page.goto(f"{live_server}/overview")
    cards = page.locator("[data-claim-card]")
    total = 0
    for index in range(cards.count()):
        value = cards.nth(index).locator("[data-balance]").first.get_attribute("data-balance")
        assert value is not None
        total += int(value)
    return total


def _continue(page: Page, step: str) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(step))


def test_a_low_income_citizen_gets_part_of_her_bills_waived_by_a_caseworker(
    browser: Browser,
    browser_app: Flask,
    live_server: str,
    axe_source: str,
    caseworker: str,
) -> None:
    debtor_id = _persona(browser_app, "low_income")
    citizen = browser.new_context(viewport=PHONE, locale="en-GB")
    page = citizen.new_page()
    _log_in_as(page, live_server, debtor_id)
    before = _total_on_overview(page, live_server)
    _check(page, axe_source, "overview-before")

    page.get_by_role("link", name="Apply to have your debt waived (remission)").click()
    page.wait_for_url(re.compile(r"/remission$"))
    _check(page, axe_source, "precheck")
    page.get_by_role("button", name="Start my application").click()
    page.wait_for_url(re.compile(r"/remission/\d+/household$"))
    _check(page, axe_source, "household")
    page.get_by_label("I live alone or only with my children").check()
    _continue(page, r"/income$")
    _check(page, axe_source, "income")
    # Above the cost-of-living norm: some capacity to pay, so a partial outcome.
    page.get_by_label("Net income per month").fill("1465")
    _continue(page, r"/costs$")
    page.get_by_label("Rent or mortgage interest per month").fill("600")
    page.get_by_label("Rent benefit per month").fill("200")
    page.get_by_label("Health insurance premium per month").fill("140")
    page.get_by_label("Health care benefit per month").fill("100")
    page.get_by_label("Alimony you pay and payments on tax debts, per month").fill("0")
    _check(page, axe_source, "costs")
    _continue(page, r"/assets$")
    page.get_by_label("Money in all your bank accounts today").fill("200")
    page.get_by_label("Value of other things you own, such as savings or shares").fill("0")
    _check(page, axe_source, "assets")
    _continue(page, r"/consent$")
    page.get_by_label(re.compile("I agree that the municipality checks my answers")).check()
    _check(page, axe_source, "consent")
    _continue(page, r"/evidence$")
    _check(page, axe_source, "evidence")
    _continue(page, r"/check$")

    # The preliminary outcome, with the calculation in plain words.
    expect(page.locator("[data-outcome='partial']")).to_be_visible()
    expect(page.locator("[data-calculation]").first).to_be_visible()
    expect(page.locator("[data-remitted]").first).to_be_visible()
    _check(page, axe_source, "check")
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(re.compile(r"/remission/\d+$"))
    expect(page.locator("[data-state='pending_review']")).to_be_visible()
    _check(page, axe_source, "waiting")
    status_url = page.url
    application_id = int(status_url.rsplit("/", 1)[1])
    assert _application_state(browser_app, debtor_id) == "pending_review"

    # A caseworker decides: part of the bills is waived.
    staff = browser.new_context(viewport=PHONE, locale="en-GB")
    desk = staff.new_page()
    _log_staff_in(desk, browser_app, live_server, caseworker)
    desk.goto(f"{live_server}/staff/remission")
    _check(desk, axe_source, "staff-queue")
    desk.locator(f"[data-application='{application_id}'] a").click()
    desk.wait_for_url(re.compile(rf"/staff/remission/{application_id}$"))
    expect(desk.locator("[data-calculation]").first).to_be_visible()
    _check(desk, axe_source, "staff-decision")
    desk.locator("#partial-total").fill("500")
    desk.locator("#partial-note").fill(
        "Your income leaves some room each month, so you pay part of the bills."
    )
    desk.get_by_role("button", name="Waive this part").click()
    desk.wait_for_url(re.compile(rf"/staff/remission/{application_id}$"))
    expect(desk.locator("[data-decision='partially_granted']")).to_be_visible()
    _check(desk, axe_source, "staff-decided")
    staff.close()
    assert _application_state(browser_app, debtor_id) == "partially_granted"

    # The citizen sees the outcome, the way into the plan journey, and the lower balance.
    page.goto(status_url)
    expect(page.locator("[data-outcome='partially_granted']")).to_contain_text(
        re.compile(r"500[.,]00")
    )
    expect(page.locator("[data-decision-note]")).to_contain_text("Your income leaves some room")
    _check(page, axe_source, "outcome")
    page.locator("[data-plan-link]").click()
    page.wait_for_url(re.compile(r"/plan"))
    _check(page, axe_source, "plan-start")
    after = _total_on_overview(page, live_server)
    assert before - after == WAIVED
    _check(page, axe_source, "overview-after")
    citizen.close()
