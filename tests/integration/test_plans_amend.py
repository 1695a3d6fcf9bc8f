"""A bill issued while a plan runs is offered as an amendment; progress of a running plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from portal.domain.plans import PlanState
from portal.services import holds
from portal.services import plans
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.plans import debtor_with_debt
from tests.support.plans import pay_plan
from tests.support.plans import plan_holds
from tests.support.plans import propose
from tests.support.plans import rules


def test_a_claim_issued_while_the_plan_runs_is_an_amendment_candidate(
    db_session: Session,
) -> None:
    debtor = debtor_with_debt(db_session, 40_000)
    plan = propose(db_session, debtor, monthly=10_000)
    assert plans.amendment_candidates(db_session, plan, as_of=TODAY) == []

    new_bill = make_claim(
        db_session, debtor, 6_000, issue_date=TODAY, due_date=TODAY + timedelta(days=10)
    )

    assert plans.amendment_candidates(db_session, plan, as_of=TODAY) == [new_bill]


def test_proposing_with_the_new_claim_supersedes_the_active_plan(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 40_000)
    old = propose(db_session, debtor, monthly=10_000)
    pay_plan(db_session, old, 10_000)
    new_bill = make_claim(
        db_session, debtor, 6_000, issue_date=TODAY, due_date=TODAY + timedelta(days=10)
    )
    later = TODAY + timedelta(days=5)

    quote = plans.quote_plan(
        db_session, rules(), debtor.id, monthly=10_000, capacity=None, as_of=later
    )
    assert quote.replaces_plan_id == old.id
    assert quote.total == 30_000 + 6_000

    amended = propose(db_session, debtor, monthly=10_000, as_of=later)

    assert amended.state == PlanState.ACTIVE
    assert amended.replaces_plan_id == old.id
    assert amended.is_replan is False
    assert amended.total == 36_000
    assert {c.claim_id for c in amended.claims} == {old.claims[0].claim_id, new_bill.id}
    assert old.state == PlanState.SUPERSEDED
    assert all(h.ends_on == later for h in plan_holds(db_session, old))
    assert holds.collection_paused(db_session, new_bill.id, later)
    assert holds.collection_paused(db_session, old.claims[0].claim_id, later)
    assert plans.open_plan(db_session, debtor.id) is amended


def test_an_active_plan_without_new_claims_cannot_be_proposed_again(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 40_000)
    plan = propose(db_session, debtor, monthly=10_000)

    with pytest.raises(plans.PlanAlreadyOpen) as caught:
        plans.quote_plan(db_session, rules(), debtor.id, monthly=None, capacity=None, as_of=TODAY)
    assert caught.value.plan is plan


def test_progress_shows_paid_remaining_next_and_missed(db_session: Session) -> None:
    debtor = debtor_with_debt(db_session, 40_000)
    plan = propose(db_session, debtor, monthly=10_000)
    pay_plan(db_session, plan, 12_500)
    late = plan.installments[1].due_date + timedelta(days=rules().plan_policy.grace_days + 1)

    progress = plans.plan_progress(db_session, plan, as_of=late)

    assert (progress.paid, progress.remaining) == (12_500, 27_500)
    assert progress.next_due is plan.installments[1]
    assert progress.missed == 1
    assert len(progress.installments) == 4
