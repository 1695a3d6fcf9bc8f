"""Issue 11: the citizen journeys pass with JavaScript switched off.

Pay part of a bill (sandbox), set up a plan, make and download the debt overview, apply for
remission through the whole wizard: at phone size, with `java_script_enabled=False`. These
journeys run against their own freshly seeded server, so they meet the same demo personas as
the JavaScript journeys without stepping on their data. Accessibility (axe) is checked by the
JavaScript journeys and the crawl; axe itself needs JavaScript in the page.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from portal.models import DemoPersona
from portal.models import Plan
from portal.models import RemissionApplication
from tests.browser.conftest import PHONE
from tests.browser.conftest import _create_database
from tests.browser.conftest import has_horizontal_scroll
from tests.browser.conftest import screenshot
from tests.support.config import make_test_config
from tests.support.config import sibling_database_url

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def no_js_app(database_url: str) -> Flask:
    from portal.demo.seed import seed_demo

    url = sibling_database_url(database_url, "saldo_browser_nojs")
    _create_database_named(url)
    application = create_app(make_test_config(url))
    with application.app_context():
        upgrade()
        rules = application.config["RULE_PACK"]
        today = datetime.now(ZoneInfo(rules.timezone)).date()
        config = application.config["SALDO"]
        seed_demo(db.session, config, rules, seed=2027, debtors=10, today=today)
        db.session.commit()
        db.session.remove()
    return application


def _create_database_named(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = (
            url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
        )
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}")
            connection.execute(f"CREATE DATABASE {name}")
    else:
        _create_database(url)


@pytest.fixture(scope="module")
def no_js_server(no_js_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, no_js_app, threaded=True)  # loopback only
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    try:
        yield context.new_page()
    finally:
        context.close()


def _persona(app: Flask, situation: str) -> int:
    with app.app_context():
        persona = db.session.scalar(select(DemoPersona).where(DemoPersona.situation == situation))
        assert persona is not None
        debtor_id = persona.debtor_id
        db.session.remove()
        return debtor_id


def _log_in_as(page: Page, server: str, debtor_id: int) -> None:
    page.goto(f"{server}/login/demo")
    page.locator(f"form:has(input[value='{debtor_id}'])").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/overview|/claims/"))
    page.goto(f"{server}/language/en?next=/overview")


def _seen(page: Page, name: str) -> None:
    expect(page.locator("h1")).to_have_count(1)
    assert not has_horizontal_scroll(page), name
    screenshot(page, f"nojs-{name}-phone-en")


def _balance(page: Page, server: str, claim_id: str) -> int:
    page.goto(f"{server}/overview")
    card = page.locator(f"[data-claim-card][data-claim-id='{claim_id}']")
    value = card.locator("[data-balance]").first.get_attribute("data-balance")
    assert value is not None
    return int(value)


def test_paying_part_of_a_bill_works_without_javascript(
    page: Page, no_js_app: Flask, no_js_server: str
) -> None:
    _log_in_as(page, no_js_server, _persona(no_js_app, "six_arrears"))
    href = page.locator("[data-claim-card] a[href*='/claims/']").first.get_attribute("href")
    assert href is not None
    claim_id = re.search(r"/claims/(\d+)", href).group(1)  # type: ignore[union-attr]
    before = _balance(page, no_js_server, claim_id)

    page.goto(f"{no_js_server}/claims/{claim_id}/pay")
    _seen(page, "pay")
    page.get_by_label("A part of it").check()
    page.get_by_label("Amount you want to pay").fill("2,50")
    page.get_by_role("button", name="Continue to pay online").click()
    page.wait_for_url(re.compile(r"/payments/sandbox/"))
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/payments/return/"))
    expect(page.locator("h1")).to_have_text("Thank you, we have received your payment")
    _seen(page, "paid")

    assert _balance(page, no_js_server, claim_id) == before - 250


def test_a_plan_is_set_up_without_javascript(
    page: Page, no_js_app: Flask, no_js_server: str
) -> None:
    debtor_id = _persona(no_js_app, "six_arrears")
    _log_in_as(page, no_js_server, debtor_id)
    page.get_by_role("link", name=re.compile("Set up a payment plan")).click()
    page.wait_for_url(re.compile(r"/plan$"))
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(re.compile(r"/plan/afford$"))
    _seen(page, "plan-afford")
    page.get_by_label("I know what I can pay each month").check()
    page.get_by_label("Amount you can pay each month").fill("300")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/plan/proposal$"))
    _seen(page, "plan-proposal")
    page.get_by_role("button", name="Confirm this plan").click()
    page.wait_for_url(re.compile(r"/plan/\d+/confirmation$"))
    expect(page.locator("h1")).to_have_text("Your plan is active")

    with no_js_app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.debtor_id == debtor_id))
        assert plan is not None
        assert plan.state == "active"
        db.session.remove()


def test_the_debt_overview_is_made_and_downloaded_without_javascript(
    page: Page, no_js_app: Flask, no_js_server: str
) -> None:
    _log_in_as(page, no_js_server, _persona(no_js_app, "large_debt"))
    page.goto(f"{no_js_server}/debt-overview")
    page.get_by_role("button", name="Make my debt overview").click()
    page.wait_for_url(re.compile(r"/debt-overview/\d+$"))
    _seen(page, "debt-overview-ready")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    path = download_info.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_label(
        "I agree that the person with this link can see this overview for 14 days"
    ).check()
    page.get_by_role("button", name="Make a link").click()
    link = page.get_by_label("Link for your debt counsellor").input_value()
    page.goto(f"{no_js_server}{link[link.index('/shared/') :]}")
    expect(page.locator(".shared-banner")).to_contain_text("Shared by the citizen, valid until")


def test_a_remission_application_is_sent_without_javascript(
    page: Page, no_js_app: Flask, no_js_server: str
) -> None:
    debtor_id = _persona(no_js_app, "low_income")
    _log_in_as(page, no_js_server, debtor_id)
    page.get_by_role("link", name="Apply to have your debt waived (remission)").click()
    page.wait_for_url(re.compile(r"/remission$"))
    page.get_by_role("button", name="Start my application").click()
    page.wait_for_url(re.compile(r"/remission/\d+/household$"))
    _seen(page, "remission-household")
    page.get_by_label("I live alone or only with my children").check()
    _next(page, r"/income$")
    page.get_by_label("Net income per month").fill("1465")
    _next(page, r"/costs$")
    page.get_by_label("Rent or mortgage interest per month").fill("600")
    page.get_by_label("Rent benefit per month").fill("200")
    page.get_by_label("Health insurance premium per month").fill("140")
    page.get_by_label("Health care benefit per month").fill("100")
    page.get_by_label("Alimony you pay and payments on tax debts, per month").fill("0")
    _next(page, r"/assets$")
    page.get_by_label("Money in all your bank accounts today").fill("200")
    page.get_by_label("Value of other things you own, such as savings or shares").fill("0")
    _next(page, r"/consent$")
    page.get_by_label(re.compile("I agree that the municipality checks my answers")).check()
    _next(page, r"/evidence$")
    _next(page, r"/check$")
    expect(page.locator("[data-outcome='partial']")).to_be_visible()
    _seen(page, "remission-check")
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(re.compile(r"/remission/\d+$"))
    expect(page.locator("[data-state='pending_review']")).to_be_visible()

    with no_js_app.app_context():
        application = db.session.scalar(
            select(RemissionApplication).where(RemissionApplication.debtor_id == debtor_id)
        )
        assert application is not None
        assert application.state == "pending_review"
        db.session.remove()


def _next(page: Page, step: str) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(step))
