"""Citizen login with the code from a letter, the login page, logout and session safety."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.references import make_reference
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Debtor
from portal.models.base import utcnow
from tests.support.auth_helpers import csrf_token
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import letter_code
from tests.support.auth_helpers import post_form
from tests.support.auth_helpers import session_value
from tests.support.factories import make_claim
from tests.support.factories import make_debtor

pytestmark = pytest.mark.usefixtures("isolated_requests")

BSN = "111222333"
TOO_MANY = "You have tried too many times. Please wait an hour, or call us on"


def _debtor_with_letter(
    session: Session, *, claims: int = 1, days_ago: int = 0
) -> tuple[Debtor, list[Claim], str]:
    debtor = make_debtor(session, "Petra de Vries", national_id=BSN)
    made = [make_claim(session, debtor) for _ in range(claims)]
    issued = letter_code(session, debtor, made, now=utcnow() - timedelta(days=days_ago))
    return debtor, made, issued.plain_code


def _log_in(client: FlaskClient, reference: str, code: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return post_form(client, "/login/code", {"reference": reference, "code": code}, **kwargs)  # type: ignore[arg-type]


def test_login_page_offers_the_letter_code_and_the_demo(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert page.count("<h1>") == 1
    assert "Log in with the code from your letter" in page
    assert 'href="/login/demo"' in page
    assert "DigiD" not in page  # OIDC is not configured on the default test app


@pytest.mark.parametrize(
    ("rules", "name"), [("nl", "DigiD"), ("dk", "MitID"), ("be", "itsme / eID")]
)
def test_login_page_shows_the_countrys_eid_first_when_configured(
    make_app,
    db_session: Session,
    rules: str,
    name: str,  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(rules=rules, oidc_issuer="http://127.0.0.1:9", oidc_client_id="saldo")
    page = app.test_client().get("/login").get_data(as_text=True)
    assert f"Log in with {name}" in page
    assert page.index(f"Log in with {name}") < page.index("Log in with the code from your letter")


def test_the_letter_code_logs_in_to_the_letters_claims_only(
    client: FlaskClient, db_session: Session
) -> None:
    debtor, claims, code = _debtor_with_letter(db_session, claims=2)
    make_claim(db_session, debtor)  # a claim that is not on the letter
    response = _log_in(client, claims[1].reference or "", code)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/claims/{min(c.id for c in claims)}"
    assert session_value(client, "_user_id") == f"c:{debtor.id}"
    assert session_value(client, "citizen")["scope"] == sorted(c.id for c in claims)
    assert session_value(client, "citizen")["method"] == "login_code"
    db_session.expire_all()
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "citizen.login"))
    assert event is not None
    assert event.actor_kind == "citizen"
    assert event.debtor_id == debtor.id
    assert event.details == {"method": "login_code"}


def test_the_reference_and_code_may_be_typed_loosely(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    _, claims, code = _debtor_with_letter(db_session)
    ref = claims[0].reference or ""
    loose_ref = " ".join(ref[i : i + 4] for i in range(0, len(ref), 4)) + " "
    response = _log_in(client, loose_ref, code.lower().replace("-", " "))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("reference", "code", "message"),
    [
        ("", "", "Enter the payment reference from your letter."),
        ("1234", "", "Enter the login code from your letter."),
        ("9" * 10_000, "ABCDE-FGHJK", "This is too long for a payment reference."),
        ("1234", "A" * 10_000, "This is too long for a login code."),
    ],
)
def test_bad_input_is_a_400_with_the_message_next_to_the_field(
    client: FlaskClient, db_session: Session, reference: str, code: str, message: str
) -> None:
    response = _log_in(client, reference, code)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert page.count(message) == 2
    assert session_value(client, "_user_id") is None


@pytest.mark.parametrize("case", ["wrong_code", "expired", "used", "other_debtors_reference"])
def test_a_code_that_does_not_open_anything_gets_one_generic_message(
    client: FlaskClient, db_session: Session, case: str
) -> None:
    _, claims, code = _debtor_with_letter(db_session, days_ago=61 if case == "expired" else 0)
    reference = claims[0].reference or ""
    if case == "wrong_code":
        code = "ABCDE-FGHJK"
    if case == "used":
        assert _log_in(client, reference, code).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    if case == "other_debtors_reference":
        other = make_debtor(db_session, "Someone Else")
        reference = make_claim(db_session, other).reference or ""
    response = _log_in(client, reference, code)
    assert response.status_code == 400
    assert "The payment reference and the login code do not match." in response.get_data(
        as_text=True
    )
    assert session_value(client, "_user_id") is None


def test_after_five_failures_for_a_reference_even_the_right_code_gets_429(
    client: FlaskClient, db_session: Session
) -> None:
    _, claims, code = _debtor_with_letter(db_session)
    reference = claims[0].reference or ""
    token = csrf_token(client, "/login/code")
    for _ in range(5):
        assert _log_in(client, reference, "ABCDE-FGHJK", token=token).status_code == 400
    response = _log_in(client, reference, code, token=token)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert TOO_MANY in page
    assert "14 020" in page
    assert session_value(client, "_user_id") is None


def test_after_twenty_failures_from_one_address_every_reference_gets_429(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    _, claims, code = _debtor_with_letter(db_session)
    scheme = app.config["RULE_PACK"].reference_scheme
    token = csrf_token(client, "/login/code")
    for sequence in range(900_000, 900_020):
        response = _log_in(client, make_reference(scheme, sequence), "ABCDE-FGHJK", token=token)
        assert response.status_code == 400
    response = _log_in(client, claims[0].reference or "", code, token=token)
    assert response.status_code == 429
    other_address = {"REMOTE_ADDR": "198.51.100.7"}
    response = _log_in(client, claims[0].reference or "", code, environ_base=other_address)
    assert response.status_code == 302


def test_a_post_without_csrf_token_is_a_clear_400(client: FlaskClient, db_session: Session) -> None:
    _, claims, code = _debtor_with_letter(db_session)
    response = client.post("/login/code", data={"reference": claims[0].reference, "code": code})
    assert response.status_code == 400
    assert "This form had expired or was sent twice. Nothing was changed." in response.get_data(
        as_text=True
    )
    assert session_value(client, "_user_id") is None


def test_login_starts_a_fresh_session_but_keeps_the_language(
    client: FlaskClient, db_session: Session
) -> None:
    _, claims, code = _debtor_with_letter(db_session)
    client.get("/language/da?next=/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    assert _log_in(client, claims[0].reference or "", code).status_code == 302
    assert session_value(client, "planted") is None
    assert session_value(client, "locale") == "da"


def test_the_session_cookie_is_httponly(client: FlaskClient, db_session: Session) -> None:
    _, claims, code = _debtor_with_letter(db_session)
    response = _log_in(client, claims[0].reference or "", code)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


def test_logout_is_a_post_that_clears_the_session(client: FlaskClient, db_session: Session) -> None:
    debtor, claims, code = _debtor_with_letter(db_session)
    _log_in(client, claims[0].reference or "", code)
    assert client.get("/logout").status_code == 405
    response = post_form(client, "/logout", {}, form_url="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert session_value(client, "_user_id") is None
    assert session_value(client, "citizen") is None
    db_session.expire_all()
    assert db_session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "citizen.logout", AuditEvent.debtor_id == debtor.id
        )
    )


def test_logout_without_csrf_token_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    debtor, claims, code = _debtor_with_letter(db_session)
    _log_in(client, claims[0].reference or "", code)
    response = client.post("/logout")
    assert response.status_code == 400
    assert session_value(client, "_user_id") == f"c:{debtor.id}"


def test_no_national_id_or_code_reaches_the_logs(
    client: FlaskClient, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, claims, code = _debtor_with_letter(db_session)
    reference = claims[0].reference or ""
    _log_in(client, reference, "ABCDE-FGHJK")
    _log_in(client, reference, code)
    assert caplog.records, "expected the refused code to be logged (by reason only)"
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (BSN, code, code.replace("-", ""), "ABCDE-FGHJK", reference):
        assert secret not in text
