"""Auto-approval never approves outside policy (issue 4 "Tests that must exist")."""

from __future__ import annotations

import dataclasses
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from portal.domain.plans import ApprovalReason
from portal.domain.plans import PlanPolicy
from portal.domain.plans import PlanProposal
from portal.domain.plans import auto_approval
from portal.domain.rules import RULE_PACKS
from portal.domain.schedule import build_schedule
from portal.domain.schedule import months_needed

BASE = RULE_PACKS["nl"].plan_policy
BASE_FIRST_DUE = date(2026, 1, 31)
R = ApprovalReason


@st.composite
def policies(draw: st.DrawFn) -> PlanPolicy:
    auto_limit = draw(st.integers(min_value=1, max_value=5_000_000))
    return dataclasses.replace(
        BASE,
        max_months=draw(st.integers(min_value=1, max_value=36)),
        minimum_installment=draw(st.integers(min_value=1, max_value=50_000)),
        auto_approve_total_limit=auto_limit,
        four_eyes_total_limit=draw(st.integers(min_value=auto_limit, max_value=10_000_000)),
        broken_plan_lookback_months=draw(st.integers(min_value=0, max_value=24)),
    )


proposals = st.builds(
    PlanProposal,
    total=st.integers(min_value=1, max_value=10_000_000),
    monthly=st.integers(min_value=1, max_value=1_000_000),
)
capacities = st.one_of(st.none(), st.integers(min_value=0, max_value=1_000_000))
broken_counts = st.integers(min_value=0, max_value=3)


@given(proposals, policies(), capacities, broken_counts, st.booleans())
def test_auto_approval_never_approves_outside_policy(
    proposal: PlanProposal,
    policy: PlanPolicy,
    capacity: int | None,
    broken: int,
    replan: bool,
) -> None:
    decision = auto_approval(
        proposal,
        policy,
        capacity=capacity,
        recent_broken_plans=broken,
        is_first_self_service_replan=replan,
    )
    assert decision.approved == (decision.reasons == ())
    if not decision.approved:
        assert len(set(decision.reasons)) == len(decision.reasons)
        return
    months = months_needed(proposal.total, proposal.monthly)
    assert proposal.total <= policy.auto_approve_total_limit
    assert proposal.total <= policy.four_eyes_total_limit  # never skips four eyes
    assert months <= policy.max_months
    assert proposal.monthly >= policy.minimum_installment
    assert (capacity is not None and proposal.monthly >= capacity) or months <= policy.max_months
    assert broken == 0 or replan
    # An approved proposal always makes a valid schedule.
    schedule = build_schedule(
        proposal.total,
        proposal.monthly,
        BASE_FIRST_DUE,
        max_months=policy.max_months,
        minimum_installment=policy.minimum_installment,
    )
    assert sum(i.amount for i in schedule.installments) == proposal.total


@given(proposals, policies(), capacities, broken_counts, st.booleans())
def test_each_reason_matches_its_failed_condition(
    proposal: PlanProposal,
    policy: PlanPolicy,
    capacity: int | None,
    broken: int,
    replan: bool,
) -> None:
    reasons = set(
        auto_approval(
            proposal,
            policy,
            capacity=capacity,
            recent_broken_plans=broken,
            is_first_self_service_replan=replan,
        ).reasons
    )
    months = months_needed(proposal.total, proposal.monthly)
    assert (R.TOTAL_OVER_LIMIT in reasons) == (proposal.total > policy.auto_approve_total_limit)
    assert (R.TOO_LONG in reasons) == (months > policy.max_months)
    assert (R.BELOW_MINIMUM in reasons) == (proposal.monthly < policy.minimum_installment)
    pays_capacity = capacity is not None and proposal.monthly >= capacity
    assert (R.BELOW_CAPACITY_AND_NOT_CLEARING_IN_TIME in reasons) == (
        not pays_capacity and months > policy.max_months
    )
    assert (R.RECENT_BROKEN_PLAN in reasons) == (broken > 0 and not replan)


@given(proposals, policies(), capacities, st.integers(min_value=1, max_value=3))
def test_first_self_service_replan_is_exempt_only_from_the_broken_plan_rule(
    proposal: PlanProposal, policy: PlanPolicy, capacity: int | None, broken: int
) -> None:
    def reasons(replan: bool) -> set[ApprovalReason]:
        return set(
            auto_approval(
                proposal,
                policy,
                capacity=capacity,
                recent_broken_plans=broken,
                is_first_self_service_replan=replan,
            ).reasons
        )

    assert reasons(False) - reasons(True) == {ApprovalReason.RECENT_BROKEN_PLAN}
    assert reasons(True) <= reasons(False)
