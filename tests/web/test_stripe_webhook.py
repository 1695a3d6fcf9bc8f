"""Stripe Checkout end to end against a fake Stripe API, and the signed webhook that books
each payment exactly once (events signed with the stripe library's own scheme)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CheckoutAttempt
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import ProviderEvent
from portal.services import online_payments as svc
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.fake_stripe import OLD_WEBHOOK_SECRET
from tests.support.fake_stripe import SECRET_KEY
from tests.support.fake_stripe import WEBHOOK_SECRET
from tests.support.fake_stripe import FakeStripe
from tests.support.fake_stripe import charge_refunded_event
from tests.support.fake_stripe import checkout_event
from tests.support.fake_stripe import fake_stripe_server
from tests.support.fake_stripe import sign
from tests.support.login import login_citizen
from tests.support.payments import count
from tests.support.payments import csrf_from

WEBHOOK = "/payments/stripe/webhook"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    with fake_stripe_server() as server:
        yield server


@pytest.fixture(scope="module")
def stripe_app(make_app: Any, fake: FakeStripe) -> Flask:
    app: Flask = make_app(
        payment_provider="stripe",
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secrets=f"{WEBHOOK_SECRET}, {OLD_WEBHOOK_SECRET}",
        stripe_api_base=fake.url,
    )
    return app


@pytest.fixture
def web(stripe_app: Flask, db_session: Session) -> FlaskClient:
    return stripe_app.test_client()


@pytest.fixture
def claim(db_session: Session) -> Claim:
    claim = make_claim(db_session, make_debtor(db_session), 10_000, description="OZB 2026")
    db_session.commit()
    return claim


def _attempt(db_session: Session, claim: Claim, amount: int = 4_000) -> CheckoutAttempt:
    attempt = svc.start_attempt(
        db_session, claim, provider="stripe", amount=amount, now=datetime.now(UTC)
    )
    svc.attach_session(db_session, attempt, f"cs_test_att_{attempt.id}_{claim.id}")
    db_session.commit()
    return attempt


def _post(web: FlaskClient, payload: str, header: str | None = None) -> tuple[int, dict[str, Any]]:
    response = web.post(
        WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": header if header is not None else sign(payload)},
        content_type="application/json",
    )
    return response.status_code, response.get_json(silent=True) or {}


def _payment_entries(db_session: Session, payment_id: int) -> list[LedgerEntry]:
    return list(db_session.scalars(select(LedgerEntry).where(LedgerEntry.payment_id == payment_id)))


def test_paying_online_creates_a_stripe_checkout_and_sends_the_citizen_there(
    web: FlaskClient, db_session: Session, claim: Claim, fake: FakeStripe
) -> None:
    login_citizen(web, claim.debtor_id)
    token = csrf_from(web, f"/claims/{claim.id}/pay")
    response = web.post(
        f"/claims/{claim.id}/pay", data={"csrf_token": token, "choice": "part", "amount": "25,50"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://checkout.stripe.test/pay/cs_test_")
    form = fake.last_form()
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][unit_amount]"] == "2550"
    assert [form["payment_method_types[0]"], form["payment_method_types[1]"]] == ["ideal", "card"]
    assert form["metadata[claim_id]"] == str(claim.id)
    assert form["metadata[payment_reference]"] == claim.reference
    assert 30 * 60 <= int(form["expires_at"]) - time.time() <= 32 * 60
    attempt = db_session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.claim_id == claim.id))
    assert attempt is not None
    assert attempt.provider == "stripe"
    assert form["metadata[checkout_attempt_id]"] == str(attempt.id)
    assert attempt.provider_session_id
    assert response.headers["Location"].endswith(attempt.provider_session_id)
    assert form["success_url"].endswith(f"/payments/return/{attempt.public_id}")


def test_stripe_down_gives_a_clear_message_and_stores_nothing(
    web: FlaskClient, db_session: Session, claim: Claim, fake: FakeStripe
) -> None:
    login_citizen(web, claim.debtor_id)
    token = csrf_from(web, f"/claims/{claim.id}/pay")
    fake.fail_with = 500
    try:
        response = web.post(f"/claims/{claim.id}/pay", data={"csrf_token": token, "choice": "full"})
    finally:
        fake.fail_with = None
    assert response.status_code == 503
    assert "Paying online did not work just now. Nothing was paid." in response.get_data(
        as_text=True
    )
    assert (
        db_session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.claim_id == claim.id))
        is None
    )


def test_a_paid_checkout_is_booked_once_and_a_replay_changes_nothing(
    web: FlaskClient, db_session: Session, claim: Claim
) -> None:
    attempt = _attempt(db_session, claim)
    payload = checkout_event(
        "checkout.session.completed", attempt.provider_session_id or "", amount=4_000
    )
    status, body = _post(web, payload)
    assert (status, body["outcome"]) == (200, "booked")
    db_session.expire_all()
    payment = db_session.scalar(select(Payment).where(Payment.earmarked_claim_id == claim.id))
    assert payment is not None
    assert (payment.provider, payment.provider_reference) == (
        "stripe",
        f"pi_test_{attempt.provider_session_id}",
    )
    entries = _payment_entries(db_session, payment.id)
    assert sum(-e.amount for e in entries) == 4_000
    assert db_session.get(Claim, claim.id).balance == 6_000  # type: ignore[union-attr]
    assert db_session.get(CheckoutAttempt, attempt.id).state == "paid"  # type: ignore[union-attr]

    for _ in range(2):
        status, body = _post(web, payload)  # Stripe retries: same event id
        assert (status, body["outcome"]) == (200, "duplicate")
    db_session.expire_all()
    assert len(_payment_entries(db_session, payment.id)) == len(entries)
    assert db_session.get(Claim, claim.id).balance == 6_000  # type: ignore[union-attr]
    assert (
        len(db_session.scalars(select(Payment).where(Payment.earmarked_claim_id == claim.id)).all())
        == 1
    )


def test_a_second_event_for_the_same_payment_intent_books_nothing(
    web: FlaskClient, db_session: Session, claim: Claim
) -> None:
    attempt = _attempt(db_session, claim)
    session_id = attempt.provider_session_id or ""
    _post(web, checkout_event("checkout.session.completed", session_id, amount=4_000))
    status, body = _post(
        web, checkout_event("checkout.session.async_payment_succeeded", session_id, amount=4_000)
    )
    assert (status, body["outcome"]) == (200, "duplicate")
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).balance == 6_000  # type: ignore[union-attr]


def test_the_previous_webhook_secret_is_still_accepted_during_a_rotation(
    web: FlaskClient, db_session: Session, claim: Claim
) -> None:
    attempt = _attempt(db_session, claim)
    payload = checkout_event(
        "checkout.session.completed", attempt.provider_session_id or "", amount=4_000
    )
    status, body = _post(web, payload, sign(payload, OLD_WEBHOOK_SECRET))
    assert (status, body["outcome"]) == (200, "booked")


@pytest.mark.parametrize(
    "case", ["wrong_secret", "tampered_body", "not_json", "no_header", "too_old", "garbage_header"]
)
def test_a_bad_signature_is_400_and_nothing_is_stored(
    web: FlaskClient, db_session: Session, claim: Claim, case: str
) -> None:
    attempt = _attempt(db_session, claim)
    payload = checkout_event(
        "checkout.session.completed", attempt.provider_session_id or "", amount=4_000
    )
    events_before = count(db_session, ProviderEvent)
    header = {
        "wrong_secret": sign(payload, "whsec_someone_else"),
        "tampered_body": sign(payload),
        "not_json": sign("not json"),
        "no_header": "",
        "too_old": sign(payload, at=int(time.time()) - 3600),
        "garbage_header": "t=abc,v1=zzz",
    }[case]
    body = {"tampered_body": payload.replace("4000", "1"), "not_json": "not json"}.get(
        case, payload
    )
    status, _ = _post(web, body, header)
    assert status == 400
    db_session.expire_all()
    assert count(db_session, ProviderEvent) == events_before
    assert db_session.get(Claim, claim.id).balance == 10_000  # type: ignore[union-attr]


def test_an_unpaid_completion_waits_for_async_success(
    web: FlaskClient, db_session: Session, claim: Claim
) -> None:
    attempt = _attempt(db_session, claim)
    session_id = attempt.provider_session_id or ""
    status, body = _post(
        web,
        checkout_event(
            "checkout.session.completed", session_id, amount=4_000, payment_status="unpaid"
        ),
    )
    assert (status, body["outcome"]) == (200, "ignored")
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).balance == 10_000  # type: ignore[union-attr]
    status, body = _post(
        web, checkout_event("checkout.session.async_payment_succeeded", session_id, amount=4_000)
    )
    assert (status, body["outcome"]) == (200, "booked")
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).balance == 6_000  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("event_type", "state"),
    [("checkout.session.async_payment_failed", "failed"), ("checkout.session.expired", "expired")],
)
def test_a_failed_or_expired_checkout_clears_payment_pending(
    web: FlaskClient, db_session: Session, claim: Claim, event_type: str, state: str
) -> None:
    attempt = _attempt(db_session, claim)
    now = datetime.now(UTC)
    assert claim.id in svc.pending_claim_ids(db_session, claim.debtor_id, now)
    status, body = _post(
        web,
        checkout_event(
            event_type, attempt.provider_session_id or "", amount=4_000, payment_status="unpaid"
        ),
    )
    assert (status, body["outcome"]) == (200, state)
    db_session.expire_all()
    assert db_session.get(CheckoutAttempt, attempt.id).state == state  # type: ignore[union-attr]
    assert claim.id not in svc.pending_claim_ids(db_session, claim.debtor_id, now)
    assert db_session.get(Claim, claim.id).balance == 10_000  # type: ignore[union-attr]


def test_an_unknown_session_is_logged_and_answered_200(
    web: FlaskClient, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    payload = checkout_event("checkout.session.completed", "cs_test_never_seen", amount=999)
    status, body = _post(web, payload)
    assert (status, body["outcome"]) == (200, "unknown_session")
    assert "unknown checkout session" in caplog.text


def test_a_refund_marks_the_payment_refunded(
    web: FlaskClient, db_session: Session, claim: Claim
) -> None:
    attempt = _attempt(db_session, claim)
    session_id = attempt.provider_session_id or ""
    _post(web, checkout_event("checkout.session.completed", session_id, amount=4_000))
    status, body = _post(web, charge_refunded_event(f"pi_test_{session_id}", amount=4_000))
    assert (status, body["outcome"]) == (200, "refunded")
    db_session.expire_all()
    payment = db_session.scalar(select(Payment).where(Payment.earmarked_claim_id == claim.id))
    assert payment is not None
    assert payment.state == "refunded"


def test_an_event_stored_before_a_crash_is_booked_when_stripe_retries(
    web: FlaskClient, db_session: Session, claim: Claim
) -> None:
    attempt = _attempt(db_session, claim)
    payload = checkout_event(
        "checkout.session.completed", attempt.provider_session_id or "", amount=4_000
    )
    import json

    event_id = json.loads(payload)["id"]
    svc.record_event(
        db_session,
        provider="stripe",
        event_id=event_id,
        event_type="checkout.session.completed",
        payload=payload,
        now=datetime.now(UTC),
    )
    db_session.commit()  # stored; the process "crashed" before booking
    status, body = _post(web, payload)
    assert (status, body["outcome"]) == (200, "booked")
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).balance == 6_000  # type: ignore[union-attr]


def test_cancelling_at_stripe_expires_the_session_and_ends_pending(
    web: FlaskClient, db_session: Session, claim: Claim, fake: FakeStripe
) -> None:
    attempt = _attempt(db_session, claim)
    response = web.get(f"/payments/return/{attempt.public_id}?cancelled=1")
    assert response.status_code == 200
    assert "You stopped the payment. Nothing was paid." in response.get_data(as_text=True)
    assert fake.requests[-1].path == f"/v1/checkout/sessions/{attempt.provider_session_id}/expire"
    db_session.expire_all()
    assert db_session.get(CheckoutAttempt, attempt.id).state == "cancelled"  # type: ignore[union-attr]


def test_the_success_page_says_we_are_checking_until_the_webhook_booked_it(
    web: FlaskClient, db_session: Session, claim: Claim
) -> None:
    attempt = _attempt(db_session, claim)
    page = web.get(f"/payments/return/{attempt.public_id}").get_data(as_text=True)
    assert "We are checking your payment" in page
    _post(
        web,
        checkout_event(
            "checkout.session.completed", attempt.provider_session_id or "", amount=4_000
        ),
    )
    page = web.get(f"/payments/return/{attempt.public_id}").get_data(as_text=True)
    assert "Thank you, we have received your payment" in page
