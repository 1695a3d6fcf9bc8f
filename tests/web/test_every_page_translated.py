"""Issue 9 and 11: every page is translated. Each public, citizen and staff page of the browser
crawl (tests/browser/test_page_crawl.py), rendered in Danish and Dutch on a Dutch
installation and in Flemish and French on a Belgian one, has <html lang> set to the language
and shows no English source text that the language's catalog translates, nor a rule-pack
name (claim type, department, debt help...) in English where the pack has the language's name.

Each staff page is rendered once, by a role allowed to see it (portal/auth/roles.PERMISSIONS),
spread so that every role is used. All problems of a language are reported at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.roles import role_has_permission
from portal.extensions import db
from portal.models import Department
from portal.models.staff import STAFF_ROLES
from portal.services.payment_links import create_payment_link
from tests.browser.test_page_crawl import CITIZEN_PAGES
from tests.browser.test_page_crawl import PUBLIC_PAGES
from tests.browser.test_page_crawl import STAFF_PAGES
from tests.support.citizen_ui import freeze_today
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.primitives import make_staff
from tests.support.translated_pages import english_names
from tests.support.translated_pages import english_on_page
from tests.support.translated_pages import english_texts

#: the non-English languages, each on the installation that offers it
DUTCH_INSTALLATION = ("da", "nl")
BELGIAN_INSTALLATION = ("nl_BE", "fr")
#: pages that exist to say "not found"
EXPECTED_STATUS = {"/no-such-page": 404}
_LANG = re.compile(r"<html[^>]*\blang=\"([^\"]*)\"")


@dataclass(frozen=True)
class Pages:
    """What the crawl's page lists need filled in, and who looks at them."""

    debtor_id: int
    claim_id: int
    link_token: str
    staff_by_role: dict[str, int]


@pytest.fixture(scope="module")
def belgian_app(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(rules="be")


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)


def _make_pages(installation: Flask) -> Pages:
    """A debtor with a bill of each of six claim types, a payment link and one staff member
    per role, made in the installation's own rule pack and committed (a savepoint: the test's
    transaction is still rolled back) so a page that rolls back its own session cannot take
    them with it."""
    with installation.app_context():
        session: Session = db.session()
        debtor = make_debtor(session, "Every Page")
        claims = [
            make_claim(session, debtor, 10_000 + 1_000 * number, claim_type_code=kind.code)
            for number, kind in enumerate(installation.config["RULE_PACK"].claim_types[:6])
        ]
        claim = claims[0]
        link = create_payment_link(
            session, installation.config["SALDO"], claim_id=claim.id, now=datetime.now(UTC)
        )
        staff_by_role = {}
        for role in STAFF_ROLES:
            staff = make_staff(session, role)
            if role == "department_clerk":  # a clerk always belongs to a department
                staff.department_id = session.scalars(select(Department.id)).first()
            staff_by_role[role] = staff.id
        pages = Pages(debtor.id, claim.id, link.token, staff_by_role)
        session.commit()
        return pages


def staff_page_roles() -> dict[str, list[str]]:
    """Each staff page once, by a role allowed to see it: the allowed role with the fewest
    pages so far, so every role shows its own pages (role, [pages])."""
    by_role: dict[str, list[str]] = {role: [] for role in STAFF_ROLES}
    for path, permission in STAFF_PAGES.items():
        allowed = [role for role in STAFF_ROLES if role_has_permission(role, permission)]
        assert allowed, f"no role may see {path}"
        by_role[min(allowed, key=lambda role: len(by_role[role]))].append(path)
    return by_role


def _visits(pages: Pages) -> list[tuple[str, str | None]]:
    """(path, "citizen", a staff role, or None), in the order a visitor would go: public pages
    anonymously, then citizen pages, then each role's staff pages."""
    visits: list[tuple[str, str | None]] = [(path, None) for path in PUBLIC_PAGES]
    visits.append((f"/p/{pages.link_token}", None))
    visits += [(path.format(claim=pages.claim_id), "citizen") for path in CITIZEN_PAGES]
    for role, paths in staff_page_roles().items():
        visits += [(path.format(debtor=pages.debtor_id), role) for path in paths]
    return visits


def _untranslated(client: FlaskClient, pages: Pages, locale: str) -> list[str]:
    """Every problem on every page in `locale`, as "page [who]: problem" lines."""
    names = english_names(client.application.config["RULE_PACK"], locale)
    client.get(f"/language/{locale}?next=/login")
    problems: list[str] = []
    logged_in_as: str | None = None
    for path, who in _visits(pages):
        if who != logged_in_as:
            if who == "citizen":
                login_citizen(client, pages.debtor_id)
            elif who is not None:
                login_staff(client, pages.staff_by_role[who])
            logged_in_as = who
        page = f"{path} [{who or 'anonymous'}]"
        response = client.get(path)
        html = response.get_data(as_text=True)
        expected_status = EXPECTED_STATUS.get(path, 200)
        if response.status_code != expected_status:
            problems.append(f"{page}: status {response.status_code}, not {expected_status}")
            continue
        found = _LANG.search(html)
        lang = found.group(1) if found else None
        if lang != locale.replace("_", "-"):
            problems.append(f"{page}: <html lang={lang!r}>")
        problems += [f"{page}: English {text!r}" for text in english_on_page(html, locale, names)]
    return problems


def _report(locale: str, problems: list[str]) -> str:
    return f"{len(problems)} problems in {locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", DUTCH_INSTALLATION)
def test_every_page_of_a_dutch_installation_is_translated(
    app: Flask, client: FlaskClient, db_session: Session, locale: str
) -> None:
    pages = _make_pages(app)

    problems = _untranslated(client, pages, locale)

    assert problems == [], _report(locale, problems)


@pytest.mark.parametrize("locale", BELGIAN_INSTALLATION)
def test_every_page_of_a_belgian_installation_is_translated(
    belgian_app: Flask, db_session: Session, locale: str
) -> None:
    pages = _make_pages(belgian_app)

    problems = _untranslated(belgian_app.test_client(), pages, locale)

    assert problems == [], _report(locale, problems)


def test_the_check_knows_english_texts_in_every_language() -> None:
    for locale in (*DUTCH_INSTALLATION, *BELGIAN_INSTALLATION):
        assert "Log in to see what you owe" in english_texts(locale)


def test_the_check_finds_english_split_by_markup_and_in_attributes() -> None:
    split = "<p>Log in to see <strong>what you owe</strong></p>"
    labelled = '<button aria-label="Log in to see what you owe">x</button>'
    danish = "<p>Log ind for at se <strong>hvad du skylder</strong></p>"

    assert english_on_page(split, "da") == ["Log in to see what you owe"]
    assert english_on_page(labelled, "da") == ["Log in to see what you owe"]
    assert english_on_page(danish, "da") == []


def test_the_check_finds_english_rule_pack_names_as_whole_words(belgian_app: Flask) -> None:
    names = english_names(belgian_app.config["RULE_PACK"], "nl_BE")
    flemish = belgian_app.config["RULE_PACK"].claim_types[0].name("nl_BE")

    assert english_on_page("<p>Tax on empty homes</p>", "nl_BE", names) == ["Tax on empty homes"]
    assert english_on_page(f"<p>{flemish}</p>", "nl_BE", names) == []
    assert "Tax on empty homes" not in english_names(belgian_app.config["RULE_PACK"], "en")


def test_the_check_ignores_scripts_and_styles() -> None:
    html = '<script src="/x.js">var s = "Log in to see what you owe";</script><p>Saldo</p>'

    assert english_on_page(html, "da") == []


def test_every_staff_page_is_shown_by_an_allowed_role_and_every_role_is_used() -> None:
    by_role = staff_page_roles()

    assert sorted(path for paths in by_role.values() for path in paths) == sorted(STAFF_PAGES)
    assert all(by_role.values()), by_role
    for role, paths in by_role.items():
        assert all(role_has_permission(role, STAFF_PAGES[path]) for path in paths), role


def test_the_check_finds_english_on_a_page_shown_in_english(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)

    assert "Log in to see what you owe" in english_on_page(html, "da")
