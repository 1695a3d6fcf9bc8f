"""Security headers on every response; errors are friendly pages, never stack traces."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.log_privacy import mask


def test_security_headers_are_set(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_outside_demo_mode(make_app, db_session) -> None:  # type: ignore[no-untyped-def]
    from cryptography.fernet import Fernet

    production_like = make_app(
        demo=False,
        testing=False,
        secret_key="s" * 40,
        id_encryption_key=Fernet.generate_key().decode(),
    )
    response = production_like.test_client().get("/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_unknown_page_is_a_friendly_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"<h1>" in response.data
    assert b"Traceback" not in response.data


@pytest.mark.parametrize("code", ["da", "nl", "en"])
def test_error_page_is_in_the_chosen_language(client: FlaskClient, code: str) -> None:
    client.get(f"/language/{code}?next=/")
    response = client.get("/no-such-page")
    assert f'lang="{code}"'.encode() in response.data


def test_unknown_language_is_404_and_open_redirect_is_refused(client: FlaskClient) -> None:
    assert client.get("/language/xx").status_code == 404
    response = client.get("/language/en?next=https://evil.example/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    response = client.get("/language/en?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_an_unexpected_error_is_a_500_page_without_details(make_app, db_session) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"secret internal detail" not in response.data
    assert b"Traceback" not in response.data


def test_log_filter_masks_national_ids_and_ibans(caplog: pytest.LogCaptureFixture) -> None:
    assert mask("bsn 111222333 paid from NL91ABNA0417164300") == "bsn [id] paid from [iban]"
    assert mask("cpr 010190-1234 and 0101901234") == "cpr [id] and [id]"
    assert mask("claim 42 of debtor 7") == "claim 42 of debtor 7"
    logger = logging.getLogger("portal.test")
    from portal.log_privacy import PrivacyFilter

    logger.addFilter(PrivacyFilter())
    with caplog.at_level(logging.INFO, logger="portal.test"):
        logger.info("looking up %s", "111222333")
    assert "111222333" not in caplog.text
