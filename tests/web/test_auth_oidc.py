"""eID login end to end against a real local OpenID Connect provider (oidc-provider-mock)."""

from __future__ import annotations

import base64
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from urllib.parse import urlsplit

import httpx
import oidc_provider_mock
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import AuditEvent
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import session_value
from tests.support.factories import make_debtor

pytestmark = pytest.mark.usefixtures("isolated_requests")

KNOWN_BSN = "111222333"
UNKNOWN_BSN = "123456782"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def eid_app(make_app: Any, issuer: str, db_session: Session) -> Flask:
    app: Flask = make_app(
        oidc_issuer=issuer, oidc_client_id="saldo", oidc_client_secret="s3cret-for-tests"
    )
    return app


def _person(issuer: str, sub: str, claims: dict[str, Any]) -> None:
    response = httpx.put(f"{issuer}/users/{quote(sub)}", json=claims)
    assert response.status_code == 204


def _eid_login(client: FlaskClient, sub: str, next_path: str | None = None) -> TestResponse:
    """Start at Saldo, 'log in' at the provider as `sub`, and come back with the code."""
    start = client.get("/login/eid" + (f"?next={quote(next_path)}" if next_path else ""))
    assert start.status_code == 302, start.status_code
    at_provider = httpx.post(start.headers["Location"], data={"sub": sub})
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/login/eid/callback"
    return client.get(f"{back.path}?{back.query}")


def _id_token_claims(issuer: str, sub: str) -> dict[str, Any]:
    """What the provider puts in the ID token itself (not the userinfo endpoint)."""
    with httpx.Client(follow_redirects=False) as http:
        authorize = http.get(
            f"{issuer}/oauth2/authorize",
            params={
                "client_id": "probe",
                "redirect_uri": "http://127.0.0.1/cb",
                "response_type": "code",
                "scope": "openid",
                "nonce": "n",
            },
        )
        assert authorize.status_code == 200
        redirect = http.post(str(authorize.url), data={"sub": sub}).headers["Location"]
        code = dict(part.split("=") for part in urlsplit(redirect).query.split("&"))["code"]
        token = http.post(
            f"{issuer}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1/cb",
            },
            auth=("probe", "x"),
        ).json()
    payload = token["id_token"].split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_the_provider_puts_the_national_id_claim_in_the_id_token(issuer: str) -> None:
    _person(issuer, "probe-person", {"bsn": KNOWN_BSN})
    assert _id_token_claims(issuer, "probe-person")["bsn"] == KNOWN_BSN


def test_eid_login_finds_the_debtor_by_national_id_with_full_scope(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Petra de Vries", national_id=KNOWN_BSN)
    # Name and e-mail of someone else: only the national id claim may decide.
    _person(issuer, "petra", {"bsn": KNOWN_BSN, "email": "x@example.org", "name": "Not Petra"})
    client = eid_app.test_client()
    response = _eid_login(client, "petra")
    assert response.status_code == 302
    assert response.headers["Location"] == "/overview"
    assert session_value(client, "_user_id") == f"c:{debtor.id}"
    assert session_value(client, "citizen") == {
        "method": "oidc",
        "scope": None,
        "acting_staff_id": None,
    }
    db_session.expire_all()
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "citizen.login"))
    assert event is not None
    assert event.debtor_id == debtor.id
    assert event.details == {"method": "oidc"}


def test_eid_login_returns_to_the_page_asked_for(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    make_debtor(db_session, "Petra de Vries", national_id=KNOWN_BSN)
    _person(issuer, "petra-next", {"bsn": KNOWN_BSN})
    response = _eid_login(eid_app.test_client(), "petra-next", next_path="/help")
    assert response.headers["Location"] == "/help"
    response = _eid_login(eid_app.test_client(), "petra-next", next_path="https://evil.example/")
    assert response.headers["Location"] == "/overview"


def test_a_national_id_with_spaces_is_normalised(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Petra de Vries", national_id=KNOWN_BSN)
    _person(issuer, "petra-spaced", {"bsn": "1112.22.333"})
    client = eid_app.test_client()
    assert _eid_login(client, "petra-spaced").status_code == 302
    assert session_value(client, "_user_id") == f"c:{debtor.id}"


def test_someone_without_bills_gets_a_friendly_page_and_no_login(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    make_debtor(db_session, "Petra de Vries", national_id=KNOWN_BSN)
    _person(issuer, "no-bills", {"bsn": UNKNOWN_BSN, "email": "petra@example.org"})
    client = eid_app.test_client()
    response = _eid_login(client, "no-bills")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "We have no bills for you" in page
    assert UNKNOWN_BSN not in page
    assert session_value(client, "_user_id") is None


@pytest.mark.parametrize(
    "claims", [{}, {"bsn": "123456789"}, {"bsn": ["111222333"]}, {"bsn": "1" * 10_000}]
)
def test_a_missing_or_invalid_national_id_claim_is_a_clear_400(
    eid_app: Flask, issuer: str, db_session: Session, claims: dict[str, Any]
) -> None:
    sub = f"bad-{abs(hash(json.dumps(claims)))}"
    _person(issuer, sub, claims)
    client = eid_app.test_client()
    response = _eid_login(client, sub)
    assert response.status_code == 400
    assert "did not give us a valid citizen number" in response.get_data(as_text=True)
    assert session_value(client, "_user_id") is None


def test_a_callback_that_we_did_not_start_is_refused(eid_app: Flask, db_session: Session) -> None:
    client = eid_app.test_client()
    response = client.get("/login/eid/callback?code=stolen&state=forged")
    assert response.status_code == 400
    assert "We could not finish your login with DigiD" in response.get_data(as_text=True)
    cancelled = client.get("/login/eid/callback?error=access_denied&state=x")
    assert cancelled.status_code == 400


def test_an_unreachable_provider_is_a_friendly_503(make_app: Any, db_session: Session) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    app = make_app(oidc_issuer=f"http://127.0.0.1:{closed_port}", oidc_client_id="saldo")
    response = app.test_client().get("/login/eid")
    assert response.status_code == 503
    assert "DigiD is not available right now" in response.get_data(as_text=True)


def test_eid_routes_do_not_exist_without_oidc_configuration(client: FlaskClient) -> None:
    assert client.get("/login/eid").status_code == 404
    assert client.get("/login/eid/callback?code=x&state=y").status_code == 404


def test_the_login_page_links_to_eid_when_configured(eid_app: Flask) -> None:
    page = eid_app.test_client().get("/login").get_data(as_text=True)
    assert 'href="/login/eid"' in page
    assert "Log in with DigiD" in page


def test_no_national_id_reaches_the_logs(
    eid_app: Flask, issuer: str, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    make_debtor(db_session, "Petra de Vries", national_id=KNOWN_BSN)
    _person(issuer, "petra-logs", {"bsn": KNOWN_BSN})
    _person(issuer, "unknown-logs", {"bsn": UNKNOWN_BSN})
    _person(issuer, "invalid-logs", {"bsn": "123456789"})
    for sub in ("petra-logs", "unknown-logs", "invalid-logs"):
        _eid_login(eid_app.test_client(), sub)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "eID login without a valid national id claim" in text
    for number in (KNOWN_BSN, UNKNOWN_BSN, "123456789"):
        assert number not in text
