"""Help and coming-soon pages: public, with real contact details and a next step."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.citizen.presenters import COMING_SOON
from portal.citizen.presenters import feature_url
from tests.support.page_checks import assert_page_ok


def test_help_page_is_public_and_shows_how_to_reach_us(app: Flask, client: FlaskClient) -> None:
    client.get("/language/en?next=/help")

    response = client.get("/help")

    assert response.status_code == 200
    page = assert_page_ok(response, lang="en")
    saldo = app.config["SALDO"]
    for value in (
        saldo.contact_phone,
        saldo.contact_email,
        saldo.contact_address,
        saldo.desk_hours,
    ):
        assert value in page.text
    assert page.find("a", href=f"mailto:{saldo.contact_email}") is not None
    assert page.find("a", href="tel:" + saldo.contact_phone.replace(" ", "")) is not None
    assert page.find("a", href="/plan") is not None  # the plan pages (issue 4)
    assert page.find("a", href="/remission") is not None  # remission has its pages (issue 5)
    assert page.find("a", href="/soon/debt-help") is not None


@pytest.mark.parametrize(
    ("rules", "locale", "name"),
    [
        ("nl", "nl", "schuldhulpverlening"),
        ("dk", "da", "gældsrådgivning"),
        ("be", "en", "debt mediation"),
    ],
)
def test_help_page_names_debt_help_as_the_rule_pack_does(
    make_app,
    db_session: Session,
    rules: str,
    locale: str,
    name: str,  # type: ignore[no-untyped-def]
) -> None:
    client = make_app(rules=rules).test_client()
    client.get(f"/language/{locale}?next=/help")

    page = assert_page_ok(client.get("/help"), lang=locale)

    assert name in page.text


@pytest.mark.parametrize("feature", sorted(COMING_SOON))
def test_coming_soon_pages_say_what_comes_and_what_to_do_now(
    app: Flask, client: FlaskClient, feature: str
) -> None:
    client.get(f"/language/en?next=/soon/{feature}")

    response = client.get(f"/soon/{feature}")

    assert response.status_code == 200
    page = assert_page_ok(response, lang="en")
    assert "Coming soon" in page.text
    assert "What you can do now" in page.text
    assert app.config["SALDO"].contact_phone in page.text


def test_pay_coming_soon_page_gives_the_account_to_pay_to(app: Flask, client: FlaskClient) -> None:
    page = assert_page_ok(client.get("/soon/pay"))

    iban = page.find("dd", class_="reference")
    assert iban is not None
    assert iban.text == "NL91 ABNA 0417 1643 00"
    assert iban.text.replace(" ", "") == app.config["SALDO"].payee_iban


def test_an_unknown_feature_is_not_found(client: FlaskClient) -> None:
    assert client.get("/soon/teleport").status_code == 404


def test_feature_links_fall_back_to_coming_soon_until_their_page_exists(app: Flask) -> None:
    with app.test_request_context():
        assert feature_url("plan") == "/plan"  # landed (issue 4)
        assert feature_url("debt-help") == "/soon/debt-help"
        assert feature_url("pay", claim_id=7) == "/claims/7/pay"
        assert feature_url("pay") == "/soon/pay"  # no claim: the bank-transfer explanation
