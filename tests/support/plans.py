"""Factories for plan tests, made through the real services (so holds, work items, letters
and the audit trail are real). Reusable by the page tests:

    plan = make_plan(db_session, debtor, state="pending_review")
    record = make_statement(db_session, debtor, net_income=250_000)
"""

from __future__ import annotations

import itertools
from datetime import date
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.models import CollectionHold
from portal.models import Debtor
from portal.models import HouseholdStatementRecord
from portal.models import Plan
from portal.models import StaffUser
from portal.models import WorkItem
from portal.services import plan_decisions
from portal.services import plans
from portal.services.audit import Actor
from portal.services.booking import BookingResult
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.plan_statements import StatementInput
from portal.services.plan_statements import save_statement
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff

_keys = itertools.count(1)


def rules() -> RulePack:
    pack: RulePack = current_app.config["RULE_PACK"]
    return pack


def new_key() -> str:
    return f"test-submission-{next(_keys)}"


def make_statement(
    session: Session,
    debtor: Debtor,
    *,
    adults: int = 1,
    children_ages: tuple[int, ...] = (),
    net_income: int = 300_000,
    submit: bool = True,
    **costs: int,
) -> HouseholdStatementRecord:
    """A submitted (or draft) household statement; costs default to 0."""
    return save_statement(
        session,
        debtor.id,
        StatementInput(
            adults=adults,
            children_ages=children_ages,
            net_income=net_income,
            submit=submit,
            **costs,
        ),
        actor=Actor.citizen(debtor.id),
    )


def debtor_with_debt(session: Session, *amounts: int, name: str = "Plan Person") -> Debtor:
    """A debtor with overdue claims of `amounts` (one claim each), due long ago."""
    debtor = make_debtor(session, name)
    for i, amount in enumerate(amounts):
        make_claim(
            session,
            debtor,
            amount,
            issue_date=TODAY - timedelta(days=120 + i),
            due_date=TODAY - timedelta(days=60 + i),
        )
    return debtor


def debtor_of(session: Session, plan: Plan) -> Debtor:
    debtor = session.get(Debtor, plan.debtor_id)
    if debtor is None:
        raise AssertionError(f"plan {plan.id} has no debtor")
    return debtor


def propose(
    session: Session,
    debtor: Debtor,
    *,
    monthly: int | None = None,
    as_of: date = TODAY,
    key: str | None = None,
    statement: HouseholdStatementRecord | None = None,
    actor: Actor | None = None,
) -> Plan:
    """Propose a plan for all plannable claims; `monthly` None takes the suggested amount."""
    pack = rules()
    if monthly is None:
        quote = plans.quote_plan(session, pack, debtor.id, monthly=None, capacity=None, as_of=as_of)
        monthly = quote.monthly
    return plans.propose_plan(
        session,
        pack,
        debtor.id,
        monthly=monthly,
        basis="statement" if statement is not None else "own_offer",
        statement_id=statement.id if statement is not None else None,
        submission_key=key or new_key(),
        as_of=as_of,
        actor=actor or Actor.citizen(debtor.id),
    )


def make_plan(
    session: Session,
    debtor: Debtor | None = None,
    *,
    state: str = PlanState.ACTIVE.value,
    as_of: date = TODAY,
    monthly: int | None = None,
    staff: StaffUser | None = None,
) -> Plan:
    """A plan in `state`, reached through the services. Without `debtor`, one is made with
    debt that fits the state (within the auto-approval limit for "active", above it for the
    review states, above the four-eyes limit for "awaiting_second_approval")."""
    pack = rules()
    policy = pack.plan_policy
    target = PlanState(state)
    if debtor is None:
        if target is PlanState.AWAITING_SECOND_APPROVAL:
            debtor = debtor_with_debt(session, policy.four_eyes_total_limit + 10_000)
        elif target in (PlanState.ACTIVE, PlanState.COMPLETED, PlanState.DEFAULTED):
            debtor = debtor_with_debt(session, 60_000, 30_000)
        else:
            debtor = debtor_with_debt(session, policy.auto_approve_total_limit + 10_000)
    plan = propose(session, debtor, monthly=monthly, as_of=as_of)
    staff = staff or make_staff(session)
    if target is PlanState.ACTIVE:
        _expect(plan, PlanState.ACTIVE)
    elif target is PlanState.PENDING_REVIEW:
        _expect(plan, PlanState.PENDING_REVIEW)
    elif target is PlanState.AWAITING_SECOND_APPROVAL:
        plan_decisions.approve_plan(
            session,
            pack,
            plan.id,
            staff_user_id=staff.id,
            expected_state=plan.state,
            as_of=as_of,
        )
    elif target is PlanState.COUNTER_PROPOSED:
        plan_decisions.counter_propose(
            session,
            pack,
            plan.id,
            staff_user_id=staff.id,
            monthly=plan.monthly_amount // 2 or 1,
            note="We think a lower amount works better for you.",
            expected_state=plan.state,
            as_of=as_of,
        )
    elif target is PlanState.REJECTED:
        plan_decisions.reject_plan(
            session,
            pack,
            plan.id,
            staff_user_id=staff.id,
            reason_code="can_pay_more",
            note="Your income allows a higher amount.",
            expected_state=plan.state,
            as_of=as_of,
        )
    elif target is PlanState.CANCELLED:
        plans.cancel_plan(
            session, plan.id, debtor_id=debtor.id, today=as_of, actor=Actor.citizen(debtor.id)
        )
    elif target is PlanState.DEFAULTED:
        plans.default_plan(session, pack, plan, on=as_of, actor=Actor.system())
    elif target is PlanState.COMPLETED:
        pay_plan(session, plan, plans.total_now(session, plan), on=as_of)
    else:
        raise ValueError(f"make_plan cannot make a {state} plan")
    _expect(plan, target)
    return plan


def _expect(plan: Plan, state: PlanState) -> None:
    if plan.state != state.value:
        raise AssertionError(f"plan {plan.id} is {plan.state}, expected {state.value}")


def pay_plan(
    session: Session, plan: Plan, amount: int, *, on: date = TODAY, reference: str | None = None
) -> BookingResult:
    """An installment payment through booking (a payment with `plan_id`)."""
    pack = rules()
    return book_payment(
        session,
        pack,
        IncomingPayment(
            provider="test",
            provider_reference=reference or f"plan-pay-{next(_keys)}",
            amount=amount,
            currency=pack.currency,
            method="bank_transfer",
            debtor_id=plan.debtor_id,
            received_on=on,
            plan_id=plan.id,
        ),
        actor=Actor.system(),
    )


def plan_holds(session: Session, plan: Plan) -> list[CollectionHold]:
    return list(
        session.scalars(
            select(CollectionHold)
            .where(CollectionHold.source == f"plan:{plan.id}")
            .order_by(CollectionHold.id)
        )
    )


def work_items(session: Session, plan: Plan, **filters: Any) -> list[WorkItem]:
    query = select(WorkItem).where(WorkItem.subject_type == "plan", WorkItem.subject_id == plan.id)
    for name, value in filters.items():
        query = query.where(getattr(WorkItem, name) == value)
    return list(session.scalars(query.order_by(WorkItem.id)))


__all__ = [
    "debtor_of",
    "debtor_with_debt",
    "make_plan",
    "make_statement",
    "new_key",
    "pay_plan",
    "plan_holds",
    "propose",
    "rules",
    "work_items",
]
