"""Issue 4's "done when", at phone size: the demo citizen with six arrears gets a plan at once;
the citizen with a large debt proposes one, a caseworker (password + second factor) approves
it with a changed amount, the citizen accepts, pays the first installment with the sandbox
provider, and the overview shows the plan's progress.
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
from portal.models import Plan
from portal.models import StaffUser
from portal.services.staff_accounts import current_totp_code
from tests.browser.conftest import PHONE
from tests.browser.conftest import axe_violations
from tests.browser.conftest import describe
from tests.browser.conftest import has_horizontal_scroll
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _persona(app: Flask, situation: str) -> int:
    with app.app_context():
        persona = db.session.scalar(select(DemoPersona).where(DemoPersona.situation == situation))
        assert persona is not None
        return persona.debtor_id


def _plan_state(app: Flask, debtor_id: int) -> str:
    with app.app_context():
        plan = db.session.scalar(
            select(Plan).where(Plan.debtor_id == debtor_id).order_by(Plan.id.desc()).limit(1)
        )
        assert plan is not None
        state = plan.state
        db.session.remove()
        return state


def _log_in_as(page: Page, live_server: str, debtor_id: int) -> None:
    page.goto(f"{live_server}/login/demo")
    page.locator(f"form:has(input[value='{debtor_id}'])").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/overview|/claims/"))
    page.goto(f"{live_server}/language/en?next=/overview")


def _check(page: Page, axe_source: str, name: str) -> None:
    expect(page.locator("h1")).to_have_count(1)
    assert describe(axe_violations(page, axe_source)) == [], name
    assert not has_horizontal_scroll(page), name
    screenshot(page, f"plan-{name}-phone-en")


def _log_staff_in(page: Page, app: Flask, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/language/en?next=/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"saldo-demo-{username}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/login/code"))
    for _attempt in range(2):  # a code works once per 30-second step (the crawl may use it)
        with app.app_context():
            user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
            assert user is not None
            code = current_totp_code(user, datetime.now(UTC))
        page.fill("input[name=code]", code)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        if re.search(r"/staff/$", page.url):
            return
        time.sleep(31 - time.time() % 30)
    page.wait_for_url(re.compile(r"/staff/$"))


def test_six_arrears_get_a_plan_at_once(
    phone_page: Page, browser_app: Flask, live_server: str, axe_source: str
) -> None:
    page = phone_page
    debtor_id = _persona(browser_app, "six_arrears")
    _log_in_as(page, live_server, debtor_id)

    page.get_by_role("link", name=re.compile("Set up a payment plan")).click()
    page.wait_for_url(re.compile(r"/plan$"))
    _check(page, axe_source, "scope")
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(re.compile(r"/plan/afford$"))
    _check(page, axe_source, "afford")
    page.get_by_label("I know what I can pay each month").check()
    page.get_by_label("Amount you can pay each month").fill("300")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/plan/proposal$"))
    expect(page.locator("[data-approved-at-once]")).to_be_visible()
    _check(page, axe_source, "proposal")

    page.get_by_role("button", name="Confirm this plan").click()
    page.wait_for_url(re.compile(r"/plan/\d+/confirmation$"))
    expect(page.locator("h1")).to_have_text("Your plan is active")
    _check(page, axe_source, "active")
    assert _plan_state(browser_app, debtor_id) == "active"


def test_a_large_debt_is_approved_with_a_changed_amount_and_accepted(
    browser: Browser, browser_app: Flask, live_server: str, axe_source: str
) -> None:
    debtor_id = _persona(browser_app, "large_debt")
    citizen = browser.new_context(viewport=PHONE, locale="en-GB")
    page = citizen.new_page()
    _log_in_as(page, live_server, debtor_id)
    page.goto(f"{live_server}/plan")
    page.get_by_role("link", name="Continue").click()
    page.get_by_label("Fill in my income and expenses").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/plan/statement$"))
    page.get_by_label("Only me").check()
    page.get_by_label("Net income per month").fill("3200")
    page.get_by_label("Rent or mortgage per month").fill("900")
    page.get_by_label("Health insurance per month").fill("150")
    page.get_by_label("Childcare per month").fill("0")
    page.get_by_label("Payments on other debts per month").fill("0")
    page.get_by_label("Other fixed costs per month").fill("200")
    _check(page, axe_source, "statement")
    page.get_by_role("button", name="Continue", exact=True).click()
    page.wait_for_url(re.compile(r"/plan/proposal$"))
    expect(page.locator("#why-heading")).to_be_visible()
    expect(page.locator("[data-needs-review]")).to_be_visible()
    _check(page, axe_source, "proposal-review")
    page.get_by_role("button", name="Send my proposal").click()
    page.wait_for_url(re.compile(r"/plan/\d+/confirmation$"))
    expect(page.locator("h1")).to_have_text("We will look at your proposal")
    _check(page, axe_source, "pending")
    assert _plan_state(browser_app, debtor_id) == "pending_review"

    staff = browser.new_context(viewport=PHONE, locale="en-GB")
    desk = staff.new_page()
    _log_staff_in(desk, browser_app, live_server, "caseworker")
    desk.goto(f"{live_server}/staff/plans")
    _check(desk, axe_source, "staff-queue")
    desk.locator("[data-plan-queue] a").first.click()
    desk.wait_for_url(re.compile(r"/staff/plans/\d+$"))
    _check(desk, axe_source, "staff-decision")
    desk.get_by_label("New amount per month").fill("800")
    desk.get_by_label("Note to the citizen", exact=True).fill("We can agree to 800 a month.")
    desk.get_by_role("button", name="Send this proposal to the citizen").click()
    desk.wait_for_url(re.compile(r"/staff/plans$"))
    staff.close()
    assert _plan_state(browser_app, debtor_id) == "counter_proposed"

    page.goto(f"{live_server}/plan")
    expect(page.locator("[data-counter-monthly]")).to_have_attribute(
        "data-counter-monthly", "80000"
    )
    _check(page, axe_source, "counter")
    page.get_by_role("button", name="Yes, I accept this plan").click()
    page.wait_for_url(re.compile(r"/plan$"))
    expect(page.locator("[data-plan-state='active']")).to_be_visible()
    assert _plan_state(browser_app, debtor_id) == "active"

    # The first installment, with the sandbox provider.
    page.get_by_role("link", name=re.compile("Pay this installment")).click()
    page.wait_for_url(re.compile(r"/plan/installments/\d+/pay$"))
    _check(page, axe_source, "pay-installment")
    page.get_by_role("button", name="Continue to pay online").click()
    page.wait_for_url(re.compile(r"/payments/sandbox/"))
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/payments/return/"))
    expect(page.locator("h1")).to_have_text("Thank you, we have received your payment")

    page.goto(f"{live_server}/plan")
    expect(page.locator("[data-plan-progress]")).to_have_attribute("data-paid", "80000")
    page.goto(f"{live_server}/overview")
    block = page.locator("[data-plan-block]")
    expect(block).to_contain_text("Paid €800.00")
    _check(page, axe_source, "overview")
    citizen.close()
