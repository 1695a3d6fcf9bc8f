"""The caseworker's decisions and the citizen's answers: every transition through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from portal.domain.plans import CounterProposalExpired
from portal.domain.plans import IllegalPlanTransition
from portal.domain.plans import PlanState
from portal.domain.plans import SameApproverRefused
from portal.models import Plan
from portal.services import holds
from portal.services import plan_decisions as decisions
from portal.services import plans
from portal.services.audit import Actor
from tests.support.factories import TODAY
from tests.support.factories import pay
from tests.support.plans import debtor_of
from tests.support.plans import debtor_with_debt
from tests.support.plans import make_plan
from tests.support.plans import plan_holds
from tests.support.plans import propose
from tests.support.plans import rules
from tests.support.plans import work_items
from tests.support.primitives import make_staff


def _approve(session: Session, plan_id: int, staff_id: int, expected: str) -> Plan:
    return decisions.approve_plan(
        session, rules(), plan_id, staff_user_id=staff_id, expected_state=expected, as_of=TODAY
    )


def test_a_caseworker_approves_a_pending_plan_below_the_four_eyes_limit(
    db_session: Session,
) -> None:
    plan = make_plan(db_session, state="pending_review")
    staff = make_staff(db_session)

    _approve(db_session, plan.id, staff.id, "pending_review")

    assert plan.state == PlanState.ACTIVE
    assert plan.decided_by_id == staff.id
    assert sum(i.amount for i in plan.installments) == plan.total
    assert [(i.kind, i.state, i.outcome) for i in work_items(db_session, plan)] == [
        ("plan_decision", "done", "approved")
    ]


def test_above_the_four_eyes_limit_a_second_different_person_must_approve(
    db_session: Session,
) -> None:
    plan = make_plan(db_session, state="awaiting_second_approval")
    first = plan.first_approver_id
    assert first is not None

    with pytest.raises(SameApproverRefused):
        _approve(db_session, plan.id, first, "awaiting_second_approval")
    assert plan.state == PlanState.AWAITING_SECOND_APPROVAL

    second = make_staff(db_session)
    _approve(db_session, plan.id, second.id, "awaiting_second_approval")

    assert plan.state == PlanState.ACTIVE
    assert plan.decided_by_id == second.id
    assert plan.first_approver_id == first


def test_a_decision_on_a_plan_that_changed_meanwhile_is_stale(db_session: Session) -> None:
    plan = make_plan(db_session, state="pending_review")
    one, two = make_staff(db_session), make_staff(db_session)
    _approve(db_session, plan.id, one.id, "pending_review")

    with pytest.raises(plans.StaleDecision):
        decisions.reject_plan(
            db_session,
            rules(),
            plan.id,
            staff_user_id=two.id,
            reason_code="can_pay_more",
            note="Too late",
            expected_state="pending_review",
            as_of=TODAY,
        )
    assert plan.state == PlanState.ACTIVE


def test_a_payment_while_pending_shows_as_a_difference_and_the_schedule_uses_todays_total(
    db_session: Session,
) -> None:
    plan = make_plan(db_session, state="pending_review")
    at_proposal = plan.total
    debtor = debtor_of(db_session, plan)
    pay(db_session, debtor, 100_000)

    context = decisions.decision_context(db_session, rules(), plan.id, as_of=TODAY)

    assert context.total_at_proposal == at_proposal
    assert context.total_now == at_proposal - 100_000
    assert context.difference == -100_000
    assert context.schedule is not None
    assert context.schedule.total == at_proposal - 100_000

    _approve(db_session, plan.id, make_staff(db_session).id, "pending_review")
    assert plan.total == at_proposal - 100_000
    assert sum(i.amount for i in plan.installments) == plan.total


def test_counter_proposal_waits_for_the_citizen_who_accepts_with_one_click(
    db_session: Session,
) -> None:
    plan = make_plan(db_session, state="counter_proposed")
    policy = rules().plan_policy
    assert plan.counter_expires_on == TODAY + timedelta(days=policy.counter_proposal_days)
    assert [(i.kind, i.state) for i in work_items(db_session, plan)] == [
        ("plan_decision", "done"),
        ("counter_proposal", "open"),
    ]

    answer_day = TODAY + timedelta(days=1)
    terms = plans.counter_quote(db_session, rules(), plan, as_of=answer_day)

    plans.accept_counter(
        db_session,
        rules(),
        plan.id,
        debtor_id=plan.debtor_id,
        today=answer_day,
        actor=Actor.citizen(plan.debtor_id),
    )

    assert plan.state == PlanState.ACTIVE
    assert [(i.sequence, i.due_date, i.amount) for i in plan.installments] == [
        (i.number, i.due_date, i.amount) for i in terms.schedule.installments
    ]
    assert plan.monthly_amount == plan.counter_monthly
    assert plan.installments[0].amount == plan.counter_monthly
    assert all(i.state == "done" for i in work_items(db_session, plan))


def test_a_counter_proposal_cannot_be_accepted_after_its_expiry(db_session: Session) -> None:
    plan = make_plan(db_session, state="counter_proposed")
    assert plan.counter_expires_on is not None

    with pytest.raises(CounterProposalExpired):
        plans.accept_counter(
            db_session,
            rules(),
            plan.id,
            debtor_id=plan.debtor_id,
            today=plan.counter_expires_on + timedelta(days=1),
            actor=Actor.citizen(plan.debtor_id),
        )
    assert plan.state == PlanState.COUNTER_PROPOSED


def test_declining_a_counter_proposal_cancels_the_plan_and_releases_the_holds(
    db_session: Session,
) -> None:
    plan = make_plan(db_session, state="counter_proposed")

    plans.decline_counter(
        db_session,
        plan.id,
        debtor_id=plan.debtor_id,
        today=TODAY,
        actor=Actor.citizen(plan.debtor_id),
    )

    assert plan.state == PlanState.CANCELLED
    assert all(h.ends_on == TODAY for h in plan_holds(db_session, plan))
    assert not holds.collection_paused(db_session, plan.claims[0].claim_id, TODAY)
    assert all(i.state == "done" for i in work_items(db_session, plan))


def test_another_debtor_cannot_answer_a_counter_proposal(db_session: Session) -> None:
    plan = make_plan(db_session, state="counter_proposed")
    other = debtor_with_debt(db_session, 10_000, name="Other")

    with pytest.raises(plans.PlanNotFound):
        plans.accept_counter(
            db_session,
            rules(),
            plan.id,
            debtor_id=other.id,
            today=TODAY,
            actor=Actor.citizen(other.id),
        )


def test_a_counter_proposal_above_the_four_eyes_limit_needs_a_second_person_first(
    db_session: Session,
) -> None:
    debtor = debtor_with_debt(db_session, rules().plan_policy.four_eyes_total_limit + 10_000)
    plan = propose(db_session, debtor)
    one, two = make_staff(db_session), make_staff(db_session)

    decisions.counter_propose(
        db_session,
        rules(),
        plan.id,
        staff_user_id=one.id,
        monthly=50_000,
        note="Lower amount",
        expected_state="pending_review",
        as_of=TODAY,
    )
    assert plan.state == PlanState.AWAITING_SECOND_APPROVAL
    assert plan.counter_monthly == 50_000

    _approve(db_session, plan.id, two.id, "awaiting_second_approval")

    assert plan.state == PlanState.COUNTER_PROPOSED
    assert plan.counter_expires_on is not None


def test_rejecting_needs_a_note_and_a_known_reason_and_releases_the_holds(
    db_session: Session,
) -> None:
    plan = make_plan(db_session, state="pending_review")
    staff = make_staff(db_session)

    for code, note in (("can_pay_more", "  "), ("no_such_reason", "A note")):
        with pytest.raises(plans.InvalidPlanInput):
            decisions.reject_plan(
                db_session,
                rules(),
                plan.id,
                staff_user_id=staff.id,
                reason_code=code,
                note=note,
                expected_state="pending_review",
                as_of=TODAY,
            )
    assert plan.state == PlanState.PENDING_REVIEW

    decisions.reject_plan(
        db_session,
        rules(),
        plan.id,
        staff_user_id=staff.id,
        reason_code="can_pay_more",
        note="You can pay more each month.",
        expected_state="pending_review",
        as_of=TODAY,
    )

    assert plan.state == PlanState.REJECTED
    assert plan.decision_note == "You can pay more each month."
    assert plans.open_plan(db_session, plan.debtor_id) is None
    assert plans.latest_plan(db_session, plan.debtor_id) is plan
    assert all(h.ends_on == TODAY for h in plan_holds(db_session, plan))
    assert [(i.state, i.outcome) for i in work_items(db_session, plan)] == [("done", "reject")]


def test_the_citizen_may_withdraw_a_pending_proposal_but_not_cancel_an_active_plan(
    db_session: Session,
) -> None:
    pending = make_plan(db_session, state="cancelled")
    assert all(h.ends_on == TODAY for h in plan_holds(db_session, pending))

    active = make_plan(db_session, state="active")
    with pytest.raises(IllegalPlanTransition):
        plans.cancel_plan(
            db_session,
            active.id,
            debtor_id=active.debtor_id,
            today=TODAY,
            actor=Actor.citizen(active.debtor_id),
        )


def test_the_review_queue_lists_waiting_plans_oldest_first_with_their_age(
    db_session: Session,
) -> None:
    newer = make_plan(db_session, state="pending_review", as_of=TODAY - timedelta(days=1))
    older = make_plan(db_session, state="awaiting_second_approval", as_of=TODAY - timedelta(days=5))
    make_plan(db_session, state="active")

    rows = [r for r in decisions.review_queue(db_session, as_of=TODAY) if r.plan in (newer, older)]

    assert [(r.plan.id, r.age_days) for r in rows] == [(older.id, 5), (newer.id, 1)]
    assert rows[0].total_now == older.total


def test_the_decision_context_shows_the_statement_capacity_claims_and_history(
    db_session: Session,
) -> None:
    from tests.support.plans import make_statement

    debtor = debtor_with_debt(db_session, rules().plan_policy.auto_approve_total_limit + 1)
    record = make_statement(db_session, debtor, net_income=500_000)
    plan = propose(db_session, debtor, statement=record)

    context = decisions.decision_context(db_session, rules(), plan.id, as_of=TODAY)

    assert context.statement is record
    assert context.capacity is not None
    assert [c.id for c in context.claims] == [c.claim_id for c in plan.claims]
    assert any(event.action == "plan.proposed" for event in context.history)
    assert context.needs_second_approval is False


@pytest.mark.parametrize(
    "state", ["pending_review", "awaiting_second_approval", "counter_proposed"]
)
def test_the_citizen_may_withdraw_a_plan_in_every_waiting_state(
    db_session: Session, state: str
) -> None:
    plan = make_plan(db_session, state=state)

    plans.cancel_plan(
        db_session,
        plan.id,
        debtor_id=plan.debtor_id,
        today=TODAY,
        actor=Actor.citizen(plan.debtor_id),
    )

    assert plan.state == PlanState.CANCELLED
    assert all(h.ends_on == TODAY for h in plan_holds(db_session, plan))
    assert all(i.state == "done" for i in work_items(db_session, plan))
    assert plans.open_plan(db_session, plan.debtor_id) is None


def test_a_plan_awaiting_its_second_approval_can_be_rejected(db_session: Session) -> None:
    plan = make_plan(db_session, state="awaiting_second_approval")

    decisions.reject_plan(
        db_session,
        rules(),
        plan.id,
        staff_user_id=make_staff(db_session).id,
        reason_code="incomplete_statement",
        note="Please send us your income statement.",
        expected_state="awaiting_second_approval",
        as_of=TODAY,
    )

    assert plan.state == PlanState.REJECTED


@pytest.mark.parametrize("state", ["active", "rejected", "cancelled", "completed", "defaulted"])
def test_decisions_on_a_plan_that_is_not_waiting_are_refused(
    db_session: Session, state: str
) -> None:
    plan = make_plan(db_session, state=state)

    with pytest.raises(IllegalPlanTransition):
        _approve(db_session, plan.id, make_staff(db_session).id, state)
    assert plan.state == state
