"""The issue's "done when" on the seeded demo data, with each pack's policy numbers:

- "six_arrears": one plan for all six arrears, approved at once;
- "large_debt": the proposal waits, a caseworker approves it with a changed amount (a second
  one too where the total needs four eyes), the citizen accepts, pays the first installment,
  and the progress shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo.seed import seed_demo
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.models import Debtor
from portal.models import DemoPersona
from portal.models import StaffUser
from portal.services import plan_decisions as decisions
from portal.services import plans
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.plan_scope import plan_scope

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERSONAS_ONLY = 8


def _seeded(session: Session, app: Flask) -> RulePack:
    rules: RulePack = app.config["RULE_PACK"]
    seed_demo(session, app.config["SALDO"], rules, debtors=PERSONAS_ONLY, today=TODAY, now=NOW)
    return rules


def _persona(session: Session, situation: str) -> Debtor:
    debtor = session.scalar(
        select(Debtor).join(DemoPersona).where(DemoPersona.situation == situation)
    )
    assert debtor is not None
    return debtor


def _staff(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    return user


@pytest.mark.parametrize("pack", ["nl", "dk", "be"])
def test_six_arrears_get_one_plan_for_all_of_them_approved_at_once(
    make_app: Callable[..., Flask], db_session: Session, pack: str
) -> None:
    app = make_app(rules=pack)
    with app.app_context():
        rules = _seeded(db_session, app)
        debtor = _persona(db_session, "six_arrears")
        scope = plan_scope(db_session, rules, debtor.id, as_of=TODAY)
        assert len(scope.candidates) == 6
        assert scope.excluded == []
        assert scope.total <= rules.plan_policy.auto_approve_total_limit

        quote = plans.quote_plan(
            db_session, rules, debtor.id, monthly=None, capacity=None, as_of=TODAY
        )
        plan = plans.propose_plan(
            db_session,
            rules,
            debtor.id,
            monthly=quote.monthly,
            basis="own_offer",
            statement_id=None,
            submission_key=f"demo-six-{pack}",
            as_of=TODAY,
            actor=Actor.citizen(debtor.id),
        )

        assert plan.state == PlanState.ACTIVE
        assert len(plan.claims) == 6
        assert plan.months <= rules.plan_policy.max_months
        assert plan.monthly_amount >= rules.plan_policy.minimum_installment
        assert sum(i.amount for i in plan.installments) == plan.total == scope.total


@pytest.mark.parametrize("pack", ["nl", "dk", "be"])
def test_large_debt_waits_is_counter_proposed_accepted_and_the_first_installment_paid(
    make_app: Callable[..., Flask], db_session: Session, pack: str
) -> None:
    app = make_app(rules=pack)
    with app.app_context():
        rules = _seeded(db_session, app)
        policy = rules.plan_policy
        debtor = _persona(db_session, "large_debt")
        quote = plans.quote_plan(
            db_session, rules, debtor.id, monthly=None, capacity=None, as_of=TODAY
        )
        assert quote.total > policy.auto_approve_total_limit

        plan = plans.propose_plan(
            db_session,
            rules,
            debtor.id,
            monthly=quote.monthly,
            basis="own_offer",
            statement_id=None,
            submission_key=f"demo-large-{pack}",
            as_of=TODAY,
            actor=Actor.citizen(debtor.id),
        )
        assert plan.state == PlanState.PENDING_REVIEW
        assert [row.plan for row in decisions.review_queue(db_session, as_of=TODAY)] == [plan]

        caseworker, supervisor = _staff(db_session, "caseworker"), _staff(db_session, "supervisor")
        changed = quote.monthly * 3 // 4
        decisions.counter_propose(
            db_session,
            rules,
            plan.id,
            staff_user_id=caseworker.id,
            monthly=changed,
            note="A somewhat lower amount leaves you enough to live on.",
            expected_state=PlanState.PENDING_REVIEW.value,
            as_of=TODAY,
        )
        if quote.total > policy.four_eyes_total_limit:
            assert plan.state == PlanState.AWAITING_SECOND_APPROVAL
            decisions.approve_plan(
                db_session,
                rules,
                plan.id,
                staff_user_id=supervisor.id,
                expected_state=PlanState.AWAITING_SECOND_APPROVAL.value,
                as_of=TODAY,
            )
        assert plan.state == PlanState.COUNTER_PROPOSED

        plans.accept_counter(
            db_session,
            rules,
            plan.id,
            debtor_id=debtor.id,
            today=TODAY,
            actor=Actor.citizen(debtor.id),
        )
        assert plan.state == PlanState.ACTIVE
        first = plan.installments[0]
        assert first.amount == changed

        book_payment(
            db_session,
            rules,
            IncomingPayment(
                provider="sandbox",
                provider_reference=f"demo-first-installment-{pack}",
                amount=first.amount,
                currency=rules.currency,
                method="card",
                debtor_id=debtor.id,
                received_on=TODAY,
                plan_id=plan.id,
            ),
            actor=Actor.citizen(debtor.id),
        )

        progress = plans.plan_progress(db_session, plan, as_of=TODAY)
        assert first.state == "paid"
        assert progress.paid == changed
        assert progress.next_due is plan.installments[1]
        assert progress.remaining == plan.total - changed
