"""Paying a plan installment online or by bank transfer: booked once, over the plan's claims."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CheckoutAttempt
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import Plan
from portal.models import PlanInstallment
from portal.payments.providers import CheckoutRequest
from portal.payments.sandbox import SandboxProvider
from portal.payments.stripe_provider import StripeProvider
from portal.services import online_payments as svc
from portal.services import plans
from tests.support.bank import camt_fixture
from tests.support.bank import run_import
from tests.support.payments import payments_count
from tests.support.plans import make_plan
from tests.support.plans import pay_plan

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _first(plan: Plan) -> PlanInstallment:
    return plan.installments[0]


def _sandbox_installment_payment(
    session: Session, app: Flask, installment: PlanInstallment, amount: int | None = None
) -> tuple[svc.EventResult, svc.EventResult]:
    """Start a sandbox checkout for the installment, press "pay", and deliver the event twice."""
    payable = svc.installment_payable(session, installment)
    amount = amount or payable.amount
    provider = SandboxProvider(app.config["SALDO"])
    attempt = svc.start_attempt(
        session,
        payable.claim,
        provider="sandbox",
        amount=amount,
        now=NOW,
        installment_id=installment.id,
        maximum=payable.amount,
    )
    svc.attach_session(session, attempt, f"sbx_cs_{attempt.public_id}")
    received = provider.button_event(
        public_id=attempt.public_id,
        session_id=attempt.provider_session_id or "",
        action="paid",
        amount=amount,
        currency=attempt.currency,
    )
    results = []
    for _ in range(2):
        event, _created = svc.record_event(
            session,
            provider="sandbox",
            event_id=received.event_id,
            event_type=received.event_type,
            payload=received.payload,
            now=NOW,
        )
        results.append(
            svc.process_event(session, app.config["RULE_PACK"], provider, event, now=NOW)
        )
    return results[0], results[1]


def test_a_sandbox_installment_payment_is_booked_once_over_the_plans_claims(
    app: Flask, db_session: Session
) -> None:
    plan = make_plan(db_session)
    installment = _first(plan)
    before_total = plans.total_now(db_session, plan)
    before_payments = payments_count(db_session)

    first, replay = _sandbox_installment_payment(db_session, app, installment)

    assert first.outcome == "booked"
    assert replay.outcome == "duplicate"
    assert payments_count(db_session) == before_payments + 1
    payment = first.payment
    assert payment is not None
    assert payment.plan_id == plan.id
    assert payment.amount == installment.amount
    booked = db_session.scalar(
        select(func.sum(LedgerEntry.amount)).where(LedgerEntry.payment_id == payment.id)
    )
    assert booked == -installment.amount
    claim_ids = {row.claim_id for row in plan.claims}
    touched = set(
        db_session.scalars(select(LedgerEntry.claim_id).where(LedgerEntry.payment_id == payment.id))
    )
    assert touched <= claim_ids
    db_session.expire_all()
    assert db_session.get(PlanInstallment, installment.id).state == "paid"  # type: ignore[union-attr]
    assert plans.total_now(db_session, plan) == before_total - installment.amount


def test_a_part_of_an_installment_is_applied_without_marking_it_paid(
    app: Flask, db_session: Session
) -> None:
    plan = make_plan(db_session)
    installment = _first(plan)
    first, _replay = _sandbox_installment_payment(db_session, app, installment, amount=1_000)
    assert first.outcome == "booked"
    db_session.expire_all()
    refreshed = db_session.get(PlanInstallment, installment.id)
    assert refreshed is not None
    assert refreshed.paid_amount == 1_000
    assert refreshed.state == "due"
    assert svc.installment_payable(db_session, refreshed).amount == refreshed.amount - 1_000


def test_more_than_the_installment_cannot_be_started(app: Flask, db_session: Session) -> None:
    plan = make_plan(db_session)
    installment = _first(plan)
    payable = svc.installment_payable(db_session, installment)
    with pytest.raises(svc.AmountRejected):
        svc.start_attempt(
            db_session,
            payable.claim,
            provider="sandbox",
            amount=payable.amount + 1,
            now=NOW,
            installment_id=installment.id,
            maximum=payable.amount,
        )


def test_a_paid_installment_or_a_plan_that_is_not_active_has_nothing_to_pay(
    db_session: Session,
) -> None:
    plan = make_plan(db_session)
    installment = _first(plan)
    pay_plan(db_session, plan, installment.amount)
    with pytest.raises(svc.NotPayable):
        svc.installment_payable(db_session, installment)
    plan.state = "defaulted"
    db_session.flush()
    with pytest.raises(svc.NotPayable):
        svc.installment_payable(db_session, plan.installments[1])


def test_the_payable_installment_uses_the_oldest_open_plan_claims_reference(
    db_session: Session,
) -> None:
    plan = make_plan(db_session)
    payable = svc.installment_payable(db_session, _first(plan))
    claims = plans.plan_claims(db_session, plan)
    assert payable.claim.id == claims[0].id
    assert payable.claim.reference


def test_the_pending_state_is_per_installment(app: Flask, db_session: Session) -> None:
    plan = make_plan(db_session)
    installment = _first(plan)
    payable = svc.installment_payable(db_session, installment)
    assert not svc.installment_pending(db_session, installment.id, NOW)
    svc.start_attempt(
        db_session,
        payable.claim,
        provider="sandbox",
        amount=payable.amount,
        now=NOW,
        installment_id=installment.id,
        maximum=payable.amount,
    )
    assert svc.installment_pending(db_session, installment.id, NOW)
    attempt = db_session.scalar(
        select(CheckoutAttempt).where(CheckoutAttempt.installment_id == installment.id)
    )
    assert attempt is not None
    assert attempt.claim_id == payable.claim.id


def test_stripe_checkout_metadata_carries_the_plan_and_the_installment(app: Flask) -> None:
    provider = StripeProvider(app.config["SALDO"])
    params = provider.checkout_params(
        CheckoutRequest(
            attempt_id=7,
            attempt_public_id="pub",
            claim_id=3,
            amount=2_500,
            currency="EUR",
            country="NL",
            description="Gemeente Voorbeeld: plan",
            payment_reference="5000056789012345",
            success_url="https://example.test/ok",
            cancel_url="https://example.test/cancel",
            expires_at=NOW,
            plan_id=11,
            installment_id=42,
        )
    )
    assert params["metadata"]["plan_id"] == "11"
    assert params["metadata"]["installment_id"] == "42"
    assert params["payment_intent_data"]["metadata"]["installment_id"] == "42"
    assert params["line_items"][0]["price_data"]["unit_amount"] == 2_500


def test_a_bank_transfer_with_a_plan_claims_reference_pays_the_plan(
    app: Flask, db_session: Session
) -> None:
    plan = make_plan(db_session)
    installment = _first(plan)
    claim = db_session.get(Claim, plans.plan_claims(db_session, plan)[0].id)
    assert claim is not None
    summary = run_import(db_session, camt_fixture("single_credit.053.v02.xml", ref1=claim))
    assert summary is not None
    payment = db_session.scalar(select(Payment).where(Payment.plan_id == plan.id))
    assert payment is not None
    assert payment.amount == 10_000  # the fixture's 100.00
    db_session.expire_all()
    refreshed = db_session.get(PlanInstallment, installment.id)
    assert refreshed is not None
    assert refreshed.paid_amount == min(10_000, installment.amount)
