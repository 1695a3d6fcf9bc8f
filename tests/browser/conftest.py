"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1.

The live server has its own database (next to the worker's), migrated and seeded with the
demo data through the real services, so journeys see what a newcomer sees on `make run`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.support.config import make_test_config
from tests.support.config import sibling_database_url

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


def _create_database(url: str) -> None:
    if url.startswith("postgresql"):
        admin = (
            url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
        )
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS saldo_browser")
            connection.execute("CREATE DATABASE saldo_browser")
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def browser_app(database_url: str) -> Flask:
    from portal.demo.seed import seed_demo

    url = sibling_database_url(database_url, "saldo_browser")
    _create_database(url)
    application = create_app(make_test_config(url))
    with application.app_context():
        upgrade()
        rules = application.config["RULE_PACK"]
        today = datetime.now(ZoneInfo(rules.timezone)).date()
        seed_demo(
            db.session, application.config["SALDO"], rules, seed=2026, debtors=40, today=today
        )
        db.session.commit()
        db.session.remove()
    return application


@pytest.fixture(scope="session")
def live_server(browser_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, browser_app, threaded=True)  # loopback only
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """WCAG 2.1 A and AA rules. evaluate() is not blocked by our CSP (add_script_tag would be)."""
    page.evaluate(axe_source)
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [
        (v["id"], v["impact"], v["nodes"][0]["target"][0] if v["nodes"] else "") for v in violations
    ]


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Written to test-artifacts/screenshots so a person can look at every page."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def has_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))
