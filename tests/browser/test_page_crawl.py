"""Every page, in Danish, Dutch and English: no axe-core violations (WCAG 2.1 A/AA), no
horizontal scrolling at 320 px, one h1, a title, and `lang` set to the language shown.

One crawl in one browser (decisions.md: the per-page checks are a crawl, the journeys are
separate). New pages join by being added to the lists below.
"""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from playwright.sync_api import Browser
from playwright.sync_api import Page
from sqlalchemy import select

from portal.auth.roles import role_has_permission
from portal.extensions import db
from portal.models import Claim
from portal.models import DemoPersona
from portal.models import StaffUser
from portal.services.payment_links import create_payment_link
from portal.services.staff_accounts import current_totp_code
from tests.browser.conftest import axe_violations
from tests.browser.conftest import describe
from tests.browser.conftest import has_horizontal_scroll
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

LANGUAGES = ("da", "nl", "en")
# One staff member per language: a second-factor code can be used once per 30-second step.
STAFF_BY_LANGUAGE = {"da": "caseworker", "nl": "supervisor", "en": "desk"}
PUBLIC_PAGES = (
    "/verify",
    "/login",
    "/login/code",
    "/login/demo",
    "/help",
    "/accessibility",
    "/soon/plan",
    "/staff/login",
    "/no-such-page",
)
CITIZEN_PAGES = (
    "/overview",
    "/claims/{claim}",
    "/claims/{claim}/pay",
    "/claims/{claim}/dispute",
    "/debt-overview",
    "/plan",
    "/plan/afford",
    "/plan/statement",
    "/plan/proposal",
    "/remission",
    "/appointments",
    "/call-back",
    "/direct-debit",
    "/direct-debit/bills",
)
# Each staff page with the permission it needs; a role sees the pages its permissions allow.
STAFF_PAGES = {
    "/staff/": "staff.home",
    "/staff/debt-overview": "debtor.document",
    "/staff/bank/import": "work.decide",
    "/staff/bank/unmatched": "work.decide",
    "/staff/plans": "work.decide",
    "/staff/remission": "work.decide",
    "/staff/desk": "debtor.act_for",
    "/staff/disputes": "disputes.decide",
    "/staff/queue": "work.decide",
    "/staff/signals": "work.decide",
    "/staff/debtors": "debtor.view",
    "/staff/debtors/{debtor}": "debtor.view",
    "/staff/audit": "audit.view",
    "/staff/write-offs": "claims.write_off",
    "/staff/handover": "handover.manage",
    "/staff/handover/report": "handover.manage",
    "/staff/api-tokens": "staff.manage",
    "/staff/claims/import": "department.claims",
    "/staff/credits": "work.decide",
    "/staff/refunds": "refund.approve",
    "/staff/reports": "reports.view",
    "/staff/appointments": "appointments.manage",
    "/staff/callbacks": "work.decide",
    "/staff/feedback": "feedback.view",
    "/staff/finance": "finance.export",
    "/staff/social-status": "social_status.view",
    "/staff/social-status/import": "social_status.import",
    "/staff/debtors/{debtor}/mandates": "direct_debit.view",
    "/staff/debtors/{debtor}/representatives": "representatives.manage",
}


def check_page(page: Page, axe_source: str, url: str, language: str, name: str) -> list[str]:
    problems: list[str] = []
    page.goto(url)
    if page.locator("html").get_attribute("lang") != language:
        problems.append(f"{name}: lang is not {language}")
    if page.locator("h1").count() != 1:
        problems.append(f"{name}: {page.locator('h1').count()} h1 elements")
    if not page.title().strip():
        problems.append(f"{name}: no title")
    violations = describe(axe_violations(page, axe_source))
    if violations:
        problems.append(f"{name}: axe {violations}")
    if has_horizontal_scroll(page):
        problems.append(f"{name}: scrolls sideways at 320 px")
    screenshot(page, f"crawl-{language}-{name}")
    return problems


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"


def _six_arrears_and_a_claim(app: Flask) -> tuple[int, int, str]:
    with app.app_context():
        persona = db.session.scalar(
            select(DemoPersona).where(DemoPersona.situation == "six_arrears")
        )
        assert persona is not None
        claim = db.session.scalar(
            select(Claim).where(Claim.debtor_id == persona.debtor_id, Claim.fee_due > 0)
        ) or db.session.scalar(select(Claim).where(Claim.debtor_id == persona.debtor_id))
        assert claim is not None
        link = create_payment_link(
            db.session, app.config["SALDO"], claim_id=claim.id, now=datetime.now(UTC)
        )
        db.session.commit()
        return persona.debtor_id, claim.id, link.token


def test_every_page_passes_the_checks_in_every_language(
    browser: Browser, browser_app: Flask, live_server: str, axe_source: str
) -> None:
    debtor_id, claim_id, token = _six_arrears_and_a_claim(browser_app)
    problems: list[str] = []
    for language in LANGUAGES:
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        page.goto(f"{live_server}/language/{language}?next=/login")
        for path in (*PUBLIC_PAGES, f"/p/{token}"):
            problems += check_page(page, axe_source, live_server + path, language, _slug(path))

        # As the demo citizen with six arrears.
        page.goto(f"{live_server}/login/demo")
        page.locator(f"form:has(input[value='{debtor_id}'])").get_by_role("button").click()
        page.wait_for_url(re.compile(r"/overview"))
        for path in CITIZEN_PAGES:
            url = live_server + path.format(claim=claim_id)
            problems += check_page(page, axe_source, url, language, _slug(path.format(claim="n")))
        context.close()

        # As staff, through the real password + second-factor login.
        username = STAFF_BY_LANGUAGE[language]
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        page.goto(f"{live_server}/language/{language}?next=/staff/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", f"saldo-demo-{username}")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/staff/login/code"))
        problems += check_page(page, axe_source, page.url, language, "staff-login-code")
        with browser_app.app_context():
            user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
            assert user is not None
            code = current_totp_code(user, datetime.now(UTC))
        page.fill("input[name=code]", code)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/staff/$"))
        role = user.role
        for path, permission in STAFF_PAGES.items():
            if role_has_permission(role, permission):
                url = live_server + path.format(debtor=debtor_id)
                problems += check_page(page, axe_source, url, language, _slug(path))
        context.close()
    assert problems == []
