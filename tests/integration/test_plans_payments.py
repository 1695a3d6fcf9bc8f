"""Paying a plan: money goes to the plan's claims in the rule pack's order and fills the
installments oldest first; a payment without a plan books exactly as before."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.plans import PlanState
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.services import plans
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.ledger import append_entry
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.plans import debtor_with_debt
from tests.support.plans import make_plan
from tests.support.plans import pay_plan
from tests.support.plans import plan_holds
from tests.support.plans import propose
from tests.support.plans import rules

_refs = itertools.count(1)


def _booked(session: Session, payment_id: int) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(LedgerEntry.claim_id, LedgerEntry.component, LedgerEntry.amount).where(
            LedgerEntry.payment_id == payment_id
        )
    ).all()
    found: dict[int, dict[str, int]] = {}
    for claim_id, component, amount in rows:
        found.setdefault(claim_id, {})[component] = -amount
    return found


def test_an_installment_payment_goes_to_the_plans_claims_in_the_packs_order(
    db_session: Session,
) -> None:
    debtor = debtor_with_debt(db_session, 30_000, 20_000)
    plan = propose(db_session, debtor, monthly=10_000)
    older, newer = plans.plan_claims(db_session, plan)
    append_entry(
        db_session,
        newer,
        component="fee",
        amount=1_500,
        cause="reminder_fee",
        effective_date=TODAY,
    )
    outside = make_claim(db_session, debtor, 9_000, issue_date=TODAY - timedelta(days=400))

    result = pay_plan(db_session, plan, 12_000)

    booked = _booked(db_session, result.payment.id)
    assert outside.id not in booked  # an older claim outside the plan is not touched
    assert booked == {older.id: {"principal": 12_000}}
    assert result.payment.plan_id == plan.id
    assert [i.paid_amount for i in plan.installments[:2]] == [10_000, 2_000]
    assert [i.state for i in plan.installments[:2]] == ["paid", "due"]


def test_component_order_applies_within_the_plan_claims(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 30_000)
    plan = propose(db_session, debtor, monthly=10_000)
    (claim,) = plans.plan_claims(db_session, plan)
    append_entry(
        db_session, claim, component="fee", amount=700, cause="reminder_fee", effective_date=TODAY
    )

    result = pay_plan(db_session, plan, 1_000)

    first = rules().component_order[0]
    assert first == "fee"
    assert _booked(db_session, result.payment.id) == {claim.id: {"fee": 700, "principal": 300}}


def test_paying_the_whole_plan_completes_it_and_releases_the_holds(db_session: Session) -> None:
    plan = make_plan(db_session)

    pay_plan(db_session, plan, plan.total)

    assert plan.state == PlanState.COMPLETED
    assert all(i.state == "paid" for i in plan.installments)
    assert all(h.ends_on == TODAY for h in plan_holds(db_session, plan))


def test_money_beyond_the_plan_goes_to_other_claims_then_to_credit(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 30_000)
    plan = propose(db_session, debtor, monthly=10_000)
    later = make_claim(
        db_session, debtor, 5_000, issue_date=TODAY, due_date=TODAY + timedelta(days=30)
    )

    result = pay_plan(db_session, plan, 36_000)

    booked = _booked(db_session, result.payment.id)
    assert sum(booked[later.id].values()) == 5_000
    credit = db_session.scalar(
        select(func.sum(DebtorAccountEntry.amount)).where(
            DebtorAccountEntry.payment_id == result.payment.id
        )
    )
    assert credit == 1_000
    assert sum(i.paid_amount for i in plan.installments) == 30_000


def test_a_replayed_plan_payment_is_booked_once(db_session: Session) -> None:
    plan = make_plan(db_session)

    first = pay_plan(db_session, plan, 5_000, reference="same-event")
    second = pay_plan(db_session, plan, 5_000, reference="same-event")

    assert second.created is False
    assert second.payment.id == first.payment.id
    assert plan.installments[0].paid_amount == 5_000


def test_a_plan_id_of_another_debtor_is_ignored_and_the_payment_books_as_usual(
    db_session: Session,
) -> None:
    plan = make_plan(db_session)
    other = debtor_with_debt(db_session, 8_000, name="Other Payer")
    result = book_payment(
        db_session,
        rules(),
        IncomingPayment(
            provider="test",
            provider_reference="wrong-plan",
            amount=8_000,
            currency=rules().currency,
            method="bank_transfer",
            debtor_id=other.id,
            received_on=TODAY,
            plan_id=plan.id,
        ),
        actor=Actor.system(),
    )

    assert result.payment.plan_id is None
    assert all(i.paid_amount == 0 for i in plan.installments)
    assert plans.total_now(db_session, plan) == plan.total


def test_apply_plan_payment_never_books_more_than_paid_and_installments_match(
    db_session: Session,
) -> None:
    """Property: for any series of payments, each books at most its amount (the rest is
    returned), and the installments' paid sum equals what was applied to them."""
    debtor = debtor_with_debt(db_session, 41_234, 17_001)
    plan = propose(db_session, debtor, monthly=9_999)
    scheduled = sum(i.amount for i in plan.installments)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(st.integers(min_value=1, max_value=70_000), min_size=1, max_size=6))
    def check(amounts: list[int]) -> None:
        nested = db_session.begin_nested()
        try:
            applied_total = 0
            for amount in amounts:
                payment = Payment(
                    provider="property",
                    provider_reference=f"p-{next(_refs)}",
                    amount=amount,
                    currency=plan.currency,
                    method="bank_transfer",
                    debtor_id=plan.debtor_id,
                    plan_id=plan.id,
                    received_on=TODAY,
                    state="received",
                )
                db_session.add(payment)
                db_session.flush()
                result = plans.apply_plan_payment(
                    db_session, rules(), plan, payment, amount, on=TODAY
                )
                booked = sum(
                    -e.amount
                    for e in db_session.scalars(
                        select(LedgerEntry).where(LedgerEntry.payment_id == payment.id)
                    )
                )
                assert booked == result.booked <= amount
                assert result.booked + result.unallocated == amount
                assert 0 <= result.applied_to_installments <= result.booked
                applied_total += result.applied_to_installments
                paid = sum(i.paid_amount for i in plan.installments)
                assert paid == applied_total <= scheduled
                assert all(0 <= i.paid_amount <= i.amount for i in plan.installments)
                assert all(
                    (i.state == "paid") == (i.paid_amount == i.amount) for i in plan.installments
                )
        finally:
            nested.rollback()
            db_session.expire_all()

    check()
