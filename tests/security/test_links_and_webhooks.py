"""Forged and replayed payment links, and webhooks with signatures that are not right.

Already covered elsewhere and not repeated: an unknown, expired or revoked link
(tests/web/test_payment_links_page.py); a webhook with a wrong secret, a tampered body, no
header, a garbage header or a signature older than the tolerance, and a replayed event
(tests/web/test_stripe_webhook.py). Here: tokens that look like a real one (the stored hash,
one character changed, absurd lengths and characters), a link used again after its claim or
installment was paid, and signatures in the wrong scheme or with a re-dated timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import ProviderEvent
from portal.services import plans
from portal.services.payment_links import create_payment_link
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.fake_stripe import SECRET_KEY
from tests.support.fake_stripe import WEBHOOK_SECRET
from tests.support.fake_stripe import checkout_event
from tests.support.fake_stripe import sign
from tests.support.payments import attempts_count
from tests.support.payments import count
from tests.support.payments import csrf_from
from tests.support.plans import make_plan
from tests.support.plans import pay_plan
from tests.support.security import new_bsn

WEBHOOK = "/payments/stripe/webhook"


def _link(app: Flask, session: Session, amount: int | None = None) -> tuple[Claim, str]:
    debtor = make_debtor(session, "Linda Link-Privé", national_id=new_bsn())
    claim = make_claim(session, debtor, 8_000, description="Link Secret Bill")
    issued = create_payment_link(
        session, app.config["SALDO"], claim_id=claim.id, now=datetime.now(UTC), amount=amount
    )
    session.commit()
    return claim, issued.token


def _forgeries(token: str) -> dict[str, str]:
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    return {
        "stored_hash_as_token": hashlib.sha256(token.encode()).hexdigest(),
        "one_character_changed": flipped,
        "truncated": token[:-1],
        "extended": token + "A",
        "very_long": "A" * 5_000,
        "sql": "' OR 1=1 --",
        "unicode": "ÅØÆ-𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "dots": "..%2f..%2fetc%2fpasswd",
    }


def test_forged_link_tokens_are_not_found_and_show_nothing(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    _claim, token = _link(app, db_session)
    assert client.get(f"/p/{token}").status_code == 200  # the real one works
    wrong = []
    for name, forged in _forgeries(token).items():
        for path in (f"/p/{forged}", f"/p/{forged}/qr.png"):
            response = client.get(path)
            body = response.get_data(as_text=True)
            if response.status_code != 404 or "Link Secret Bill" in body or "Linda" in body:
                wrong.append(f"{name} {path}: {response.status_code}")
    assert wrong == []


def test_a_link_used_again_after_the_claim_is_paid_starts_no_payment(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    claim, token = _link(app, db_session)
    csrf = csrf_from(client, f"/p/{token}")
    pay(db_session, claim.debtor, 8_000, claim=claim)
    db_session.commit()
    before = attempts_count(db_session)
    page = client.get(f"/p/{token}")
    assert page.status_code == 200
    assert "Continue to pay online" not in page.get_data(as_text=True)
    replay = client.post(f"/p/{token}", data={"csrf_token": csrf})
    assert replay.status_code == 200
    assert client.get(f"/p/{token}/qr.png").status_code == 404
    assert attempts_count(db_session) == before


def test_an_installment_link_used_again_after_the_installment_is_paid_starts_no_payment(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    plan = make_plan(db_session)
    installment = plan.installments[0]
    issued = create_payment_link(
        db_session,
        app.config["SALDO"],
        claim_id=plans.plan_claims(db_session, plan)[0].id,
        now=datetime.now(UTC),
        installment_id=installment.id,
        due_on=installment.due_date,
    )
    db_session.commit()
    csrf = csrf_from(client, f"/p/{issued.token}")
    pay_plan(db_session, plan, installment.amount)
    db_session.commit()
    before = attempts_count(db_session)
    replay = client.post(f"/p/{issued.token}", data={"csrf_token": csrf})
    assert replay.status_code == 200
    assert "Continue to pay online" not in replay.get_data(as_text=True)
    assert attempts_count(db_session) == before


# --- webhooks ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stripe_app(make_app: Any) -> Flask:
    app: Flask = make_app(
        payment_provider="stripe",
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secrets=WEBHOOK_SECRET,
        stripe_api_base="http://127.0.0.1:9",  # never called: the signature is checked first
    )
    return app


def _hmac(payload: str, timestamp: int, secret: str = WEBHOOK_SECRET) -> str:
    signed = f"{timestamp}.{payload}".encode()
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _altered(signature: str) -> str:
    """Change the last hex digit: always a different signature (a fixed "00" ending was the
    real signature 1 time in 256)."""
    return signature[:-1] + ("1" if signature[-1] == "0" else "0")


def _bad_headers(payload: str) -> dict[str, str]:
    now = int(time.time())
    good = sign(payload)
    return {
        "v0_scheme_only": f"t={now},v0={_hmac(payload, now)}",
        "re_dated_timestamp": good.replace(good.split(",")[0], f"t={now + 5}"),
        "one_day_old": sign(payload, at=now - 86_400),
        "altered_signature": f"t={now},v1={_altered(_hmac(payload, now))}",
        "secret_as_signature": f"t={now},v1={WEBHOOK_SECRET}",
        "empty_v1": f"t={now},v1=",
    }


def test_webhooks_with_a_wrong_scheme_or_re_dated_signature_are_refused(
    stripe_app: Flask, db_session: Session
) -> None:
    claim = make_claim(db_session, make_debtor(db_session, "Hook Person"), 10_000)
    db_session.commit()
    payload = checkout_event("checkout.session.completed", "cs_test_forged", amount=10_000)
    client = stripe_app.test_client()
    events_before = count(db_session, ProviderEvent)
    wrong = []
    control = client.post(
        WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": sign(payload)},
        content_type="application/json",
    )
    assert control.status_code == 200  # the right signature is taken (an unknown session)
    events_before = count(db_session, ProviderEvent)
    for name, header in _bad_headers(payload).items():
        response = client.post(
            WEBHOOK,
            data=payload,
            headers={"Stripe-Signature": header},
            content_type="application/json",
        )
        if response.status_code != 400:
            wrong.append(f"{name}: {response.status_code}")
    assert wrong == []
    db_session.expire_all()
    assert count(db_session, ProviderEvent) == events_before
    assert db_session.get(Claim, claim.id).balance == 10_000  # type: ignore[union-attr]
