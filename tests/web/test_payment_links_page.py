"""Payment links: a public page with only what is needed to pay; friendly pages otherwise."""

from __future__ import annotations

import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CheckoutAttempt
from portal.models import PaymentLink
from portal.services.audit import Actor
from portal.services.payment_links import create_payment_link
from portal.services.payment_links import revoke_payment_link
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.payments import csrf_from


def _link(app: Flask, db_session: Session, *, amount: int | None = None) -> tuple[int, str]:
    debtor = make_debtor(db_session, "Jan Jansen")
    claim = make_claim(db_session, debtor, 8_000, description="Parkeerbelasting 2026")
    issued = create_payment_link(
        db_session, app.config["SALDO"], claim_id=claim.id, now=datetime.now(UTC), amount=amount
    )
    db_session.commit()
    return claim.id, issued.token


def test_a_link_shows_municipality_description_amount_and_reference_only(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    _claim_id, token = _link(app, db_session)
    response = client.get(f"/p/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Gemeente Voorbeeld" in html
    assert "Parkeerbelasting 2026" in html
    assert 'data-amount="8000"' in html
    assert "Jan Jansen" not in html  # no name, no other debts
    assert "Continue to pay online" in html
    assert "NL91 ABNA 0417 1643 00" in html
    assert html.count("<h1") == 1


def test_a_link_with_a_fixed_amount_pays_that_amount(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    claim_id, token = _link(app, db_session, amount=2_500)
    html = client.get(f"/p/{token}").get_data(as_text=True)
    assert 'data-amount="2500"' in html
    csrf = csrf_from(client, f"/p/{token}")
    response = client.post(f"/p/{token}", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/payments/sandbox/")
    attempt = db_session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.claim_id == claim_id))
    assert attempt is not None
    assert attempt.amount == 2_500
    assert attempt.payment_link_id is not None


def test_paying_through_a_link_with_the_sandbox_books_the_payment(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    claim_id, token = _link(app, db_session)
    csrf = csrf_from(client, f"/p/{token}")
    sandbox = client.post(f"/p/{token}", data={"csrf_token": csrf}).headers["Location"]
    csrf = csrf_from(client, sandbox)
    result = client.post(sandbox, data={"csrf_token": csrf, "action": "paid"})
    html = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "Thank you, we have received your payment" in html
    assert "/receipt" not in html  # no login: no receipt link, no claim link
    after = client.get(f"/p/{token}")
    assert "Nothing to pay here" in after.get_data(as_text=True)


def test_the_link_qr_code_is_an_epc_payload(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    _claim_id, token = _link(app, db_session)
    response = client.get(f"/p/{token}/qr.png")
    assert response.status_code == 200
    lines = (
        zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))[0].bytes.decode().split("\n")
    )
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[7] == "EUR80.00"
    assert client.get("/p/not-a-token/qr.png").status_code == 404


def test_an_unknown_link_is_a_friendly_404(client: FlaskClient) -> None:
    response = client.get("/p/this-token-does-not-exist")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "We cannot find this payment link" in html
    assert "14 020" in html


def test_an_expired_link_is_410_with_how_to_get_a_new_one(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    _claim_id, token = _link(app, db_session)
    link = db_session.scalar(select(PaymentLink).order_by(PaymentLink.id.desc()))
    assert link is not None
    link.expires_at = datetime.now(UTC) - timedelta(days=1)
    db_session.commit()
    response = client.get(f"/p/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "has expired" in html
    assert "Call us on 14 020" in html


def test_a_revoked_link_is_410_and_cannot_start_a_payment(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    claim_id, token = _link(app, db_session)
    link = db_session.scalar(select(PaymentLink).order_by(PaymentLink.id.desc()))
    assert link is not None
    revoke_payment_link(db_session, link, now=datetime.now(UTC), actor=Actor.system())
    db_session.commit()
    response = client.get(f"/p/{token}")
    assert response.status_code == 410
    assert "We replaced this link" in response.get_data(as_text=True)
    refused = client.post(f"/p/{token}", data={})
    assert refused.status_code in (400, 410)
    assert (
        db_session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.claim_id == claim_id))
        is None
    )
