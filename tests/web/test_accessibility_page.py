"""The accessibility statement (/accessibility): public, in every language, linked from every
page footer, with the parts the EU Web Accessibility Directive's model statement asks for."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.citizen.accessibility import STATEMENT_DATE
from tests.support.page_checks import assert_page_ok
from tests.support.workspace import logged_in_staff

PAGE = "/accessibility"


def test_the_statement_is_public_and_has_every_required_part(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get(PAGE)

    assert response.status_code == 200
    page = assert_page_ok(response, lang="en")
    assert page.find("p", **{"data-status": "partially-conformant"}) is not None
    assert "WCAG 2.1" in page.text
    issues = page.find("ul", **{"data-known-issues": ""})
    assert issues is not None
    assert "PDF/UA-1" in issues.text
    saldo = app.config["SALDO"]
    assert page.find("a", href=f"mailto:{saldo.contact_email}") is not None
    assert saldo.contact_phone in page.text
    assert page.find("p", **{"data-statement-date": STATEMENT_DATE.isoformat()}) is not None


@pytest.mark.parametrize(
    ("rules", "body"),
    [
        ("nl", "https://www.nationaleombudsman.nl"),
        ("dk", "https://digst.dk/digital-inklusion/tilgaengelighed/"),
        ("be", "https://www.federaalombudsman.be"),
    ],
)
def test_the_enforcement_procedure_follows_the_country(
    make_app,
    db_session: Session,
    rules: str,
    body: str,  # type: ignore[no-untyped-def]
) -> None:
    client = make_app(rules=rules).test_client()

    page = assert_page_ok(client.get(PAGE))

    assert page.find("a", href=body) is not None


@pytest.mark.parametrize("locale", ["da", "nl", "en"])
def test_the_statement_renders_in_every_language(client: FlaskClient, locale: str) -> None:
    client.get(f"/language/{locale}?next={PAGE}")

    response = client.get(PAGE)

    assert response.status_code == 200
    assert_page_ok(response, lang=locale)


@pytest.mark.parametrize("path", ["/help", "/login", "/no-such-page", "/staff/"])
def test_every_page_footer_links_to_the_statement(
    client: FlaskClient, db_session: Session, path: str
) -> None:
    if path.startswith("/staff"):
        logged_in_staff(client, db_session, "finance")

    page = client.get(path).get_data(as_text=True)

    assert '<footer class="site-footer">' in page
    footer = page.split('<footer class="site-footer">', 1)[1]
    assert f'href="{PAGE}"' in footer
