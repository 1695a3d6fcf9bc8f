"""Proposing a plan: auto-approval, the caseworker queue, double submission, scope, statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.affordability import ImplausibleStatement
from portal.domain.plans import ApprovalReason
from portal.domain.plans import PlanState
from portal.domain.schedule import InstallmentBelowMinimum
from portal.domain.schedule import ScheduleTooLong
from portal.models import AuditEvent
from portal.models import Letter
from portal.models import Plan
from portal.services import holds
from portal.services import plans
from portal.services.audit import Actor
from portal.services.plan_scope import plan_scope
from portal.services.plan_statements import IncompleteStatement
from portal.services.plan_statements import StatementInput
from portal.services.plan_statements import draft_statement
from portal.services.plan_statements import save_statement
from portal.services.plan_statements import statement_capacity
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.plans import debtor_with_debt
from tests.support.plans import make_statement
from tests.support.plans import new_key
from tests.support.plans import plan_holds
from tests.support.plans import propose
from tests.support.plans import rules
from tests.support.plans import work_items


def test_a_proposal_within_policy_is_active_at_once_with_installments_holds_and_a_letter(
    db_session: Session,
) -> None:
    debtor = debtor_with_debt(db_session, 60_000, 30_123)
    plan = propose(db_session, debtor, monthly=10_000)

    assert plan.state == PlanState.ACTIVE
    assert plan.decision_reason == "auto_approved"
    assert plan.total == 90_123
    assert [i.amount for i in plan.installments] == [10_000] * 9 + [123]
    assert sum(i.amount for i in plan.installments) == plan.total
    assert plan.installments[0].due_date == TODAY + timedelta(days=plans.FIRST_INSTALLMENT_DAYS)
    assert {h.claim_id for h in plan_holds(db_session, plan)} == {c.claim_id for c in plan.claims}
    assert all(holds.collection_paused(db_session, c.claim_id, TODAY) for c in plan.claims)
    letters = db_session.scalars(select(Letter).where(Letter.debtor_id == debtor.id)).all()
    assert [letter.kind for letter in letters] == ["plan_confirmation"]
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "plan")
    ).all()
    assert {"plan.proposed", "plan.auto_approve", "plan.activated"} <= set(actions)
    assert work_items(db_session, plan) == []


def test_a_proposal_above_the_auto_approval_limit_waits_for_a_caseworker(
    db_session: Session,
) -> None:
    limit = rules().plan_policy.auto_approve_total_limit
    debtor = debtor_with_debt(db_session, limit + 1)
    quote = plans.quote_plan(
        db_session, rules(), debtor.id, monthly=None, capacity=None, as_of=TODAY
    )
    assert quote.decision.reasons == (ApprovalReason.TOTAL_OVER_LIMIT,)

    plan = propose(db_session, debtor)

    assert plan.state == PlanState.PENDING_REVIEW
    assert plan.installments == []
    items = work_items(db_session, plan)
    assert [(i.kind, i.state) for i in items] == [("plan_decision", "open")]
    # collection pauses while the plan waits, too
    assert len(plan_holds(db_session, plan)) == 1
    assert plans.open_plan(db_session, debtor.id) is plan


def test_the_same_submission_key_twice_gives_the_first_plan(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 50_000)
    key = new_key()
    first = propose(db_session, debtor, monthly=10_000, key=key)
    second = propose(db_session, debtor, monthly=10_000, key=key)

    assert second.id == first.id
    assert db_session.scalar(select(Plan.id).where(Plan.debtor_id == debtor.id).offset(1)) is None


def test_a_second_proposal_while_a_plan_is_open_is_refused(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 50_000)
    propose(db_session, debtor, monthly=10_000)

    with pytest.raises(plans.PlanAlreadyOpen):
        propose(db_session, debtor, monthly=10_000)


def test_a_debtor_without_open_claims_has_nothing_to_plan(db_session: Session) -> None:
    debtor = make_debtor(db_session, "Nothing Owed")

    with pytest.raises(plans.NothingToPlan):
        plans.quote_plan(db_session, rules(), debtor.id, monthly=None, capacity=None, as_of=TODAY)


def test_a_monthly_amount_below_the_minimum_or_too_long_is_refused(db_session: Session) -> None:
    policy = rules().plan_policy
    debtor = debtor_with_debt(db_session, 300_000)

    with pytest.raises(InstallmentBelowMinimum):
        propose(db_session, debtor, monthly=policy.minimum_installment - 1)
    with pytest.raises(ScheduleTooLong):
        propose(db_session, debtor, monthly=300_000 // (policy.max_months + 1))
    assert db_session.scalar(select(Plan.id).where(Plan.debtor_id == debtor.id)) is None


def test_scope_takes_all_open_claims_and_explains_the_ones_left_out(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 40_000, 20_000)
    disputed = make_claim(db_session, debtor, 5_000)
    holds.place_hold(db_session, disputed.id, holds.DISPUTE, starts_on=TODAY, source="staff:1")
    ongoing_type = next(t for t in rules().claim_types if t.ongoing)
    not_yet_due = make_claim(
        db_session,
        debtor,
        7_000,
        claim_type_code=ongoing_type.code,
        issue_date=TODAY - timedelta(days=2),
        due_date=TODAY + timedelta(days=20),
    )

    scope = plan_scope(db_session, rules(), debtor.id, as_of=TODAY)

    assert scope.total == 60_000
    assert len(scope.candidates) == 2
    assert {(e.claim.id, e.reason) for e in scope.excluded} == {
        (disputed.id, "on_hold"),
        (not_yet_due.id, "ongoing"),
    }


def test_claims_in_an_open_plan_are_excluded_as_in_another_plan(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 40_000)
    propose(db_session, debtor, monthly=10_000)

    scope = plan_scope(db_session, rules(), debtor.id, as_of=TODAY)

    assert scope.candidates == []
    assert [e.reason for e in scope.excluded] == ["in_other_plan"]


def test_a_statement_is_saved_as_a_draft_and_resumed(db_session: Session) -> None:
    debtor = make_debtor(db_session, "Draft Person")
    first = save_statement(
        db_session,
        debtor.id,
        StatementInput(adults=2, net_income=None),
        actor=Actor.citizen(debtor.id),
    )
    again = save_statement(
        db_session,
        debtor.id,
        StatementInput(adults=2, children_ages=(3, 7), net_income=320_000),
        actor=Actor.citizen(debtor.id),
    )

    assert again.id == first.id
    assert again.state == "draft"
    assert draft_statement(db_session, debtor.id) is again
    assert again.children_ages == "3,7"


def test_an_incomplete_statement_cannot_be_submitted_and_gives_no_capacity(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session, "Gaps")
    record = make_statement(db_session, debtor, submit=False)
    record.net_income = None

    with pytest.raises(IncompleteStatement):
        statement_capacity(rules(), record, as_of=TODAY)
    with pytest.raises(IncompleteStatement):
        save_statement(
            db_session, debtor.id, StatementInput(adults=1, submit=True), actor=Actor.system()
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("net_income", -1), ("housing_cost", 100_000_001), ("childcare", "12")],
)
def test_negative_absurd_or_non_numeric_statement_values_are_refused(
    db_session: Session, field: str, value: object
) -> None:
    debtor = make_debtor(db_session, "Odd Values")

    with pytest.raises(ImplausibleStatement):
        save_statement(
            db_session,
            debtor.id,
            StatementInput(adults=1, **{field: value}),  # type: ignore[arg-type]
            actor=Actor.citizen(debtor.id),
        )
    assert draft_statement(db_session, debtor.id) is None


def test_a_statement_proposal_stores_the_capacity(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 60_000)
    record = make_statement(db_session, debtor, net_income=400_000)
    capacity = statement_capacity(rules(), record, as_of=TODAY)

    plan = propose(db_session, debtor, monthly=10_000, statement=record)

    assert plan.basis == "statement"
    assert plan.statement_id == record.id
    assert plan.capacity == capacity.capacity


def test_a_statement_of_another_debtor_is_refused(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 60_000)
    other = make_debtor(db_session, "Someone Else")
    record = make_statement(db_session, other)

    with pytest.raises(plans.InvalidPlanInput):
        propose(db_session, debtor, monthly=10_000, statement=record)
