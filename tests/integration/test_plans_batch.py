"""Keeping the plan: the daily check is idempotent per installment and catches up after a gap;
default raises a signal and opens the citizen's one self-service re-plan."""

from __future__ import annotations

import dataclasses
from datetime import date
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.plans import ApprovalReason
from portal.domain.plans import PlanState
from portal.models import Letter
from portal.models import Plan
from portal.models import Signal
from portal.models import SuppressedCharge
from portal.services import holds
from portal.services import plans
from portal.services.plan_batch import deliver_plan_letters
from portal.services.plan_batch import run_plan_checks
from tests.support.factories import TODAY
from tests.support.factories import pay
from tests.support.plans import debtor_of
from tests.support.plans import debtor_with_debt
from tests.support.plans import make_plan
from tests.support.plans import pay_plan
from tests.support.plans import plan_holds
from tests.support.plans import propose
from tests.support.plans import rules
from tests.support.plans import work_items


def _letters(session: Session, debtor_id: int, kind: str) -> int:
    return int(
        session.scalar(
            select(func.count(Letter.id)).where(Letter.debtor_id == debtor_id, Letter.kind == kind)
        )
        or 0
    )


def _after_grace(due: date) -> date:
    return due + timedelta(days=rules().plan_policy.grace_days + 1)


def _only(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v and k != "plans_checked"}


def test_a_missed_installment_gets_one_friendly_reminder_and_an_avoided_fee(
    db_session: Session,
) -> None:
    plan = make_plan(db_session)
    first = plan.installments[0]

    on_grace_day = run_plan_checks(
        db_session, rules(), as_of=first.due_date + timedelta(days=rules().plan_policy.grace_days)
    )
    assert _only(on_grace_day) == {}

    day = _after_grace(first.due_date)
    counts = run_plan_checks(db_session, rules(), as_of=day)

    assert _only(counts) == {"installments_missed": 1, "reminders": 1, "fees_suppressed": 1}
    assert first.state == "missed"
    assert first.reminded_on == day
    assert plan.state == PlanState.ACTIVE
    assert _letters(db_session, plan.debtor_id, "plan_reminder") == 1
    avoided = db_session.scalars(select(SuppressedCharge)).all()
    assert [(s.reason, s.action_key) for s in avoided] == [
        ("plan_reminder", f"plan:{plan.id}:installment:1")
    ]
    assert avoided[0].amount > 0
    assert all(c.fee_due == 0 for c in plans.plan_claims(db_session, plan))


def test_running_twice_for_the_same_date_changes_nothing_the_second_time(
    db_session: Session,
) -> None:
    plan = make_plan(db_session)
    day = _after_grace(plan.installments[0].due_date)
    run_plan_checks(db_session, rules(), as_of=day)

    again = run_plan_checks(db_session, rules(), as_of=day)

    assert _only(again) == {}
    assert _letters(db_session, plan.debtor_id, "plan_reminder") == 1
    assert db_session.scalar(select(func.count(SuppressedCharge.id))) == 1


def test_after_a_gap_the_batch_catches_up_defaults_and_raises_a_signal(
    db_session: Session,
) -> None:
    policy = rules().plan_policy
    plan = make_plan(db_session)
    n = policy.missed_installments_before_default
    day = _after_grace(plan.installments[n - 1].due_date)

    counts = run_plan_checks(db_session, rules(), as_of=day)

    assert counts["installments_missed"] == n
    assert counts["reminders"] == 1  # one letter for the catch-up, not one per installment
    assert counts["defaulted"] == 1
    assert plan.state == PlanState.DEFAULTED
    assert plan.defaulted_on == day
    signal = db_session.scalar(select(Signal).where(Signal.debtor_id == plan.debtor_id))
    assert signal is not None
    assert (signal.reason, signal.state) == ("plan_defaulted", "open")
    # the holds end after the re-plan window, then collection may resume
    window_end = day + timedelta(days=policy.counter_proposal_days)
    assert {h.ends_on for h in plan_holds(db_session, plan)} == {window_end}
    claim_id = plan.claims[0].claim_id
    assert holds.collection_paused(db_session, claim_id, window_end - timedelta(days=1))
    assert not holds.collection_paused(db_session, claim_id, window_end)

    assert _only(run_plan_checks(db_session, rules(), as_of=day)) == {}


def test_a_paid_installment_is_not_missed(db_session: Session) -> None:
    plan = make_plan(db_session)
    first = plan.installments[0]
    pay_plan(db_session, plan, first.amount, on=first.due_date)

    counts = run_plan_checks(db_session, rules(), as_of=_after_grace(first.due_date))

    assert first.state == "paid"
    assert _only(counts) == {}


def test_a_plan_paid_off_without_plan_payments_is_completed_by_the_batch(
    db_session: Session,
) -> None:
    plan = make_plan(db_session)
    debtor = debtor_of(db_session, plan)
    pay(db_session, debtor, plans.total_now(db_session, plan))

    counts = run_plan_checks(db_session, rules(), as_of=TODAY + timedelta(days=1))

    assert counts["completed"] == 1
    assert plan.state == PlanState.COMPLETED
    assert all(h.ends_on == TODAY + timedelta(days=1) for h in plan_holds(db_session, plan))


def test_with_fees_during_plan_the_reminder_fee_is_charged_instead(db_session: Session) -> None:
    plan = make_plan(db_session)
    day = _after_grace(plan.installments[0].due_date)
    charging = dataclasses.replace(rules(), fees_during_plan=True)

    counts = run_plan_checks(db_session, charging, as_of=day)

    assert counts["fees_charged"] == 1
    assert counts["fees_suppressed"] == 0
    assert sum(c.fee_due for c in plans.plan_claims(db_session, plan)) > 0
    assert db_session.scalar(select(func.count(SuppressedCharge.id))) == 0


def test_an_unanswered_counter_proposal_expires_and_releases_the_holds(
    db_session: Session,
) -> None:
    plan = make_plan(db_session, state="counter_proposed")
    assert plan.counter_expires_on is not None

    on_last_day = run_plan_checks(db_session, rules(), as_of=plan.counter_expires_on)
    assert on_last_day["counter_proposals_expired"] == 0

    day = plan.counter_expires_on + timedelta(days=1)
    counts = run_plan_checks(db_session, rules(), as_of=day)

    assert counts["counter_proposals_expired"] == 1
    assert plan.state == PlanState.CANCELLED
    assert all(h.ends_on == day for h in plan_holds(db_session, plan))
    assert [i.state for i in work_items(db_session, plan)] == ["done", "done"]


def test_after_default_the_citizen_may_re_plan_once_exempt_from_the_broken_plan_rule(
    db_session: Session,
) -> None:
    policy = rules().plan_policy
    plan = make_plan(db_session)
    day = _after_grace(plan.installments[policy.missed_installments_before_default - 1].due_date)
    run_plan_checks(db_session, rules(), as_of=day)
    assert plan.state == PlanState.DEFAULTED
    assert plans.open_plan(db_session, plan.debtor_id) is plan
    assert plans.can_replan(db_session, plan.debtor_id)

    debtor = debtor_of(db_session, plan)
    replan = propose(db_session, debtor, as_of=day)

    assert replan.is_replan
    assert replan.replaces_plan_id == plan.id
    assert replan.state == PlanState.ACTIVE
    assert plan.state == PlanState.SUPERSEDED
    assert plans.can_replan(db_session, plan.debtor_id) is False
    # the new plan's holds cover the claims again; the old ones ended on the re-plan day
    claim_id = plan.claims[0].claim_id
    assert all(h.ends_on == day for h in plan_holds(db_session, plan))
    assert holds.collection_paused(db_session, claim_id, day + timedelta(days=60))

    # a second default: no self-service exemption any more, the proposal goes to review
    later = _after_grace(
        replan.installments[policy.missed_installments_before_default - 1].due_date
    )
    run_plan_checks(db_session, rules(), as_of=later)
    assert replan.state == PlanState.DEFAULTED
    quote = plans.quote_plan(
        db_session, rules(), plan.debtor_id, monthly=None, capacity=None, as_of=later
    )
    assert quote.is_replan is False
    assert ApprovalReason.RECENT_BROKEN_PLAN in quote.decision.reasons
    third = propose(db_session, debtor, as_of=later)
    assert third.state == PlanState.PENDING_REVIEW
    assert db_session.scalar(select(func.count(Plan.id)).where(Plan.debtor_id == debtor.id)) == 3


def test_only_the_batch_day_matters_not_the_number_of_runs(db_session: Session) -> None:
    """Daily runs over a period end in the same state as one run at its end."""
    daily = make_plan(db_session)
    end = _after_grace(daily.installments[0].due_date) + timedelta(days=3)
    day = TODAY
    while day <= end:
        run_plan_checks(db_session, rules(), as_of=day)
        day += timedelta(days=1)
    fresh = make_plan(db_session)
    run_plan_checks(db_session, rules(), as_of=end)

    assert [(i.state, i.reminded_on is not None) for i in daily.installments] == [
        (i.state, i.reminded_on is not None) for i in fresh.installments
    ]
    assert daily.state == fresh.state == PlanState.ACTIVE


def test_a_debtor_with_another_debtors_payment_is_unaffected(db_session: Session) -> None:
    plan = make_plan(db_session)
    other = debtor_with_debt(db_session, 20_000, name="Other Debtor")
    before = plans.total_now(db_session, plan)

    pay(db_session, other, 20_000)

    assert plans.total_now(db_session, plan) == before


def test_plan_letters_are_delivered_once_by_their_own_step(db_session: Session) -> None:
    plan = make_plan(db_session)
    run_plan_checks(db_session, rules(), as_of=_after_grace(plan.installments[0].due_date))

    first = deliver_plan_letters(db_session, rules(), as_of=TODAY)
    again = deliver_plan_letters(db_session, rules(), as_of=TODAY)

    assert first == {"delivered": 2, "failed": 0}  # the confirmation and the reminder
    assert again == {"delivered": 0, "failed": 0}
    letters = db_session.scalars(select(Letter).where(Letter.debtor_id == plan.debtor_id)).all()
    assert all(letter.delivered_at is not None for letter in letters)
