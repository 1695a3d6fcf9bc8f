"""Stripe refunds: `charge.refunded` webhooks signed with the stripe library's real scheme are
booked once per refund id (credit first, then "refund" entries on the claims the payment
paid); a refund Saldo made through Stripe's refund API is not booked twice by its webhook."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import Debtor
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import Refund
from portal.models import WorkItem
from portal.payments.providers import provider_by_name
from portal.services import refunds as svc
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.credit import apply_credit_to_claim
from portal.services.credit import credit_balance
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.fake_stripe import SECRET_KEY
from tests.support.fake_stripe import WEBHOOK_SECRET
from tests.support.fake_stripe import FakeStripe
from tests.support.fake_stripe import fake_stripe_server
from tests.support.fake_stripe import sign
from tests.support.login import login_staff
from tests.support.primitives import make_staff
from tests.support.workspace import staff_token

WEBHOOK = "/payments/stripe/webhook"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    with fake_stripe_server() as server:
        yield server


@pytest.fixture(scope="module")
def stripe_app(make_app: Any, fake: FakeStripe) -> Flask:
    app: Flask = make_app(
        payment_provider="stripe",
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secrets=WEBHOOK_SECRET,
        stripe_api_base=fake.url,
    )
    return app


@pytest.fixture
def web(stripe_app: Flask, db_session: Session) -> FlaskClient:
    return stripe_app.test_client()


def card_payment(session: Session, app: Flask, owed: int, paid: int) -> tuple[Claim, Payment]:
    claim = make_claim(session, make_debtor(session, "Card Payer"), owed)
    payment = book_payment(
        session,
        app.config["RULE_PACK"],
        IncomingPayment(
            provider="stripe",
            provider_reference=f"pi_refund_{next(_ids)}",
            amount=paid,
            currency="EUR",
            method="card",
            debtor_id=claim.debtor_id,
            received_on=date(2026, 11, 20),
            earmarked_claim_id=claim.id,
        ),
        actor=Actor.system(),
    ).payment
    session.commit()
    return claim, payment


def refunded_event(payment: Payment, refunds: list[tuple[str, int]], *, listed: bool = True) -> str:
    """A charge.refunded event as Stripe sends it (the fields we read)."""
    charge: dict[str, Any] = {
        "id": f"ch_test_{payment.id}",
        "object": "charge",
        "amount": payment.amount,
        "amount_refunded": sum(amount for _id, amount in refunds),
        "currency": "eur",
        "refunded": sum(amount for _id, amount in refunds) == payment.amount,
        "payment_intent": payment.provider_reference,
    }
    if listed:
        charge["refunds"] = {
            "object": "list",
            "data": [
                {"id": rid, "object": "refund", "amount": amount, "status": "succeeded"}
                for rid, amount in refunds
            ],
        }
    return json.dumps(
        {
            "id": f"evt_refund_{next(_ids)}",
            "object": "event",
            "type": "charge.refunded",
            "data": {"object": charge},
        }
    )


def post(web: FlaskClient, payload: str) -> tuple[int, str]:
    response = web.post(
        WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": sign(payload), "Content-Type": "application/json"},
    )
    body = response.get_json() or {}
    return response.status_code, str(body.get("outcome", body.get("error", "")))


def refund_entries(session: Session, claim: Claim) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.claim_id == claim.id, LedgerEntry.cause == "refund"
            )
        )
        or 0
    )


def test_a_dashboard_refund_puts_the_money_back_on_the_claim_once(
    web: FlaskClient, stripe_app: Flask, db_session: Session
) -> None:
    claim, payment = card_payment(db_session, stripe_app, owed=10_000, paid=4_000)
    event = refunded_event(payment, [("re_dash_1", 4_000)])
    assert post(web, event) == (200, "refunded")
    assert post(web, event) == (200, "duplicate")
    # Stripe sends the list again with a later event: the same refund id is not booked twice.
    assert post(web, refunded_event(payment, [("re_dash_1", 4_000)])) == (200, "refunded")
    db_session.expire_all()
    assert refund_entries(db_session, claim) == 4_000
    assert db_session.get(Claim, claim.id).balance == 10_000  # type: ignore[union-attr]
    assert db_session.get(Payment, payment.id).state == "refunded"  # type: ignore[union-attr]
    assert db_session.scalar(select(func.count()).where(Refund.payment_id == payment.id)) == 1


def test_a_partial_refund_takes_the_credit_first_then_the_claim(
    web: FlaskClient, stripe_app: Flask, db_session: Session
) -> None:
    claim, payment = card_payment(db_session, stripe_app, owed=10_000, paid=12_000)
    assert post(web, refunded_event(payment, [("re_part_1", 3_000)])) == (200, "refunded")
    db_session.expire_all()
    assert credit_balance(db_session, claim.debtor_id, "EUR") == 0
    assert refund_entries(db_session, claim) == 1_000
    assert db_session.get(Payment, payment.id).state == "allocated"  # type: ignore[union-attr]


def test_without_a_refund_list_the_amount_refunded_is_booked_once(
    web: FlaskClient, stripe_app: Flask, db_session: Session
) -> None:
    claim, payment = card_payment(db_session, stripe_app, owed=10_000, paid=5_000)
    first = refunded_event(payment, [("x", 2_000)], listed=False)
    assert post(web, first)[0] == 200
    assert post(web, refunded_event(payment, [("x", 2_000)], listed=False))[0] == 200
    db_session.expire_all()
    assert refund_entries(db_session, claim) == 2_000
    # a second partial refund: amount_refunded grows to 3000, only the difference is new
    assert post(web, refunded_event(payment, [("x", 3_000)], listed=False))[0] == 200
    db_session.expire_all()
    assert refund_entries(db_session, claim) == 3_000


def test_a_refund_saldo_made_through_the_stripe_api_is_not_booked_again_by_its_webhook(
    web: FlaskClient, stripe_app: Flask, db_session: Session, fake: FakeStripe
) -> None:
    claim, payment = card_payment(db_session, stripe_app, owed=10_000, paid=12_000)
    caseworker, supervisor = make_staff(db_session), make_staff(db_session, "supervisor")
    refund = svc.request_refund(
        db_session,
        debtor_id=claim.debtor_id,
        amount=2_000,
        currency="EUR",
        method="provider",
        staff_user_id=caseworker.id,
        submission_key=f"stripe-refund-{next(_ids)}",
        now=NOW,
        payment_id=payment.id,
    )
    svc.approve_refund(
        db_session, refund.id, staff_user_id=supervisor.id, expected_state="requested", now=NOW
    )
    db_session.commit()
    provider = provider_by_name(stripe_app.config["SALDO"], "stripe")
    with stripe_app.app_context():
        svc.execute_provider_refund(
            db_session,
            refund.id,
            refunder=lambda ref, amount, k: provider.refund(ref, amount, idempotency_key=k),
            staff_user_id=supervisor.id,
            now=NOW,
        )
    db_session.commit()
    seen = fake.requests[-1]
    assert seen.path == "/v1/refunds"
    assert seen.form["payment_intent"] == [payment.provider_reference]
    assert seen.form["amount"] == ["2000"]
    assert seen.headers.get("Idempotency-Key") == f"saldo-refund-{refund.id}"
    assert refund.provider_refund_id is not None
    assert refund.provider_refund_id.startswith("re_test_")
    assert credit_balance(db_session, claim.debtor_id, "EUR") == 0

    assert post(web, refunded_event(payment, [(refund.provider_refund_id, 2_000)]))[0] == 200
    db_session.expire_all()
    assert credit_balance(db_session, claim.debtor_id, "EUR") == 0
    assert refund_entries(db_session, claim) == 0


def test_a_refund_of_credit_already_used_opens_a_work_item_instead_of_going_negative(
    web: FlaskClient, stripe_app: Flask, db_session: Session
) -> None:
    claim, payment = card_payment(db_session, stripe_app, owed=1_000, paid=3_000)
    other = make_claim(db_session, _debtor(db_session, claim), 2_000)
    apply_credit_to_claim(
        db_session,
        stripe_app.config["RULE_PACK"],
        debtor_id=claim.debtor_id,
        claim_id=other.id,
        amount=2_000,
        actor=Actor.system(),
        on=date(2026, 11, 21),
    )
    db_session.commit()
    assert post(web, refunded_event(payment, [("re_used_1", 3_000)])) == (200, "refunded")
    db_session.expire_all()
    assert credit_balance(db_session, claim.debtor_id, "EUR") == 0
    assert refund_entries(db_session, claim) == 1_000
    item = db_session.scalar(select(WorkItem).where(WorkItem.kind == "refund_review"))
    assert item is not None
    assert item.debtor_id == claim.debtor_id


def _debtor(session: Session, claim: Claim) -> Debtor:
    debtor = session.get(Debtor, claim.debtor_id)
    assert debtor is not None
    return debtor


def test_a_refund_webhook_with_a_bad_signature_changes_nothing(
    web: FlaskClient, stripe_app: Flask, db_session: Session
) -> None:
    claim, payment = card_payment(db_session, stripe_app, owed=10_000, paid=4_000)
    payload = refunded_event(payment, [("re_bad_1", 4_000)])
    response = web.post(
        WEBHOOK,
        data=payload,
        headers={
            "Stripe-Signature": sign(payload, "whsec_wrong"),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400
    db_session.expire_all()
    assert refund_entries(db_session, claim) == 0


def test_when_stripe_is_down_the_approved_refund_waits_and_a_retry_pays_it_once(
    web: FlaskClient, stripe_app: Flask, db_session: Session, fake: FakeStripe
) -> None:
    claim, payment = card_payment(db_session, stripe_app, owed=10_000, paid=11_000)
    caseworker = make_staff(db_session)
    refund = svc.request_refund(
        db_session,
        debtor_id=claim.debtor_id,
        amount=1_000,
        currency="EUR",
        method="provider",
        staff_user_id=caseworker.id,
        submission_key=f"stripe-down-{next(_ids)}",
        now=NOW,
        payment_id=payment.id,
    )
    supervisor = make_staff(db_session, "supervisor")
    db_session.commit()
    login_staff(web, supervisor.id)
    token = staff_token(web)
    fake.fail_with = 500
    try:
        response = web.post(
            f"/staff/refunds/{refund.id}/approve",
            data={"csrf_token": token, "expected_state": "requested"},
        )
    finally:
        fake.fail_with = None
    assert response.status_code == 303
    db_session.expire_all()
    waiting = db_session.get(Refund, refund.id)
    assert waiting is not None
    assert (waiting.state, waiting.provider_refund_id) == ("approved", None)
    assert credit_balance(db_session, claim.debtor_id, "EUR") == 1_000
    assert f"/staff/refunds/{refund.id}/retry" in web.get("/staff/refunds").get_data(as_text=True)

    retried = web.post(f"/staff/refunds/{refund.id}/retry", data={"csrf_token": token})
    assert retried.status_code == 303
    db_session.expire_all()
    done = db_session.get(Refund, refund.id)
    assert done is not None
    assert done.state == "executed"
    assert credit_balance(db_session, claim.debtor_id, "EUR") == 0
    assert fake.requests[-1].headers.get("Idempotency-Key") == f"saldo-refund-{refund.id}"


def test_a_webhook_that_overtakes_our_own_refund_books_it_once_as_ours(
    web: FlaskClient, stripe_app: Flask, db_session: Session
) -> None:
    claim, payment = card_payment(db_session, stripe_app, owed=10_000, paid=12_000)
    caseworker, supervisor = make_staff(db_session), make_staff(db_session, "supervisor")
    refund = svc.request_refund(
        db_session,
        debtor_id=claim.debtor_id,
        amount=2_000,
        currency="EUR",
        method="provider",
        staff_user_id=caseworker.id,
        submission_key=f"overtaken-{next(_ids)}",
        now=NOW,
        payment_id=payment.id,
    )
    svc.approve_refund(
        db_session, refund.id, staff_user_id=supervisor.id, expected_state="requested", now=NOW
    )
    db_session.commit()
    # Stripe made the refund and its webhook arrives before our API call was booked.
    assert post(web, refunded_event(payment, [("re_overtaking_1", 2_000)]))[0] == 200
    db_session.expire_all()
    adopted = db_session.get(Refund, refund.id)
    assert adopted is not None
    assert (adopted.state, adopted.provider_refund_id) == ("executed", "re_overtaking_1")
    assert credit_balance(db_session, claim.debtor_id, "EUR") == 0
    assert refund_entries(db_session, claim) == 0
    assert db_session.scalar(select(func.count()).where(Refund.payment_id == payment.id)) == 1
