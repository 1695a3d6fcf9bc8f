"""Plan state machine, four eyes, counter-proposal expiry and auto-approval (issue 4)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from portal.domain.plans import FINAL_STATES
from portal.domain.plans import HOLDING_STATES
from portal.domain.plans import TRANSITIONS
from portal.domain.plans import ApprovalReason
from portal.domain.plans import CounterProposalExpired
from portal.domain.plans import IllegalPlanTransition
from portal.domain.plans import PlanEvent
from portal.domain.plans import PlanPolicy
from portal.domain.plans import PlanProposal
from portal.domain.plans import PlanState
from portal.domain.plans import SameApproverRefused
from portal.domain.plans import accept_counter_proposal
from portal.domain.plans import allowed_events
from portal.domain.plans import auto_approval
from portal.domain.plans import broken_plan_cutoff
from portal.domain.plans import counter_proposal_expired
from portal.domain.plans import counter_proposal_expires_on
from portal.domain.plans import installment_missed
from portal.domain.plans import needs_four_eyes
from portal.domain.plans import record_approval
from portal.domain.plans import should_default
from portal.domain.plans import transition
from portal.domain.rules import RULE_PACKS
from portal.domain.rules import get_rule_pack

S, E = PlanState, PlanEvent
POLICY = get_rule_pack("nl").plan_policy  # €5,000 auto, €10,000 four eyes, 12 months, €25 min

LEGAL = [
    (S.PROPOSED, E.AUTO_APPROVE, S.ACTIVE),
    (S.PROPOSED, E.SUBMIT, S.PENDING_REVIEW),
    (S.PROPOSED, E.CANCEL, S.CANCELLED),
    (S.PENDING_REVIEW, E.APPROVE, S.ACTIVE),
    (S.PENDING_REVIEW, E.REQUEST_SECOND_APPROVAL, S.AWAITING_SECOND_APPROVAL),
    (S.PENDING_REVIEW, E.COUNTER_PROPOSE, S.COUNTER_PROPOSED),
    (S.PENDING_REVIEW, E.REJECT, S.REJECTED),
    (S.PENDING_REVIEW, E.CANCEL, S.CANCELLED),
    (S.AWAITING_SECOND_APPROVAL, E.APPROVE, S.ACTIVE),
    (S.AWAITING_SECOND_APPROVAL, E.COUNTER_PROPOSE, S.COUNTER_PROPOSED),
    (S.AWAITING_SECOND_APPROVAL, E.REJECT, S.REJECTED),
    (S.AWAITING_SECOND_APPROVAL, E.CANCEL, S.CANCELLED),
    (S.COUNTER_PROPOSED, E.ACCEPT_COUNTER, S.ACTIVE),
    (S.COUNTER_PROPOSED, E.DECLINE_COUNTER, S.CANCELLED),
    (S.COUNTER_PROPOSED, E.EXPIRE_COUNTER, S.CANCELLED),
    (S.COUNTER_PROPOSED, E.CANCEL, S.CANCELLED),
    (S.ACTIVE, E.COMPLETE, S.COMPLETED),
    (S.ACTIVE, E.DEFAULT, S.DEFAULTED),
    (S.ACTIVE, E.SUPERSEDE, S.SUPERSEDED),
    (S.ACTIVE, E.CANCEL, S.CANCELLED),
    (S.DEFAULTED, E.SUPERSEDE, S.SUPERSEDED),
]

ILLEGAL_SAMPLE = [
    (S.PROPOSED, E.APPROVE),  # a caseworker cannot approve what was never submitted
    (S.PROPOSED, E.COMPLETE),
    (S.PENDING_REVIEW, E.AUTO_APPROVE),
    (S.PENDING_REVIEW, E.ACCEPT_COUNTER),
    (S.AWAITING_SECOND_APPROVAL, E.REQUEST_SECOND_APPROVAL),
    (S.COUNTER_PROPOSED, E.APPROVE),  # only the citizen can accept a counter-proposal
    (S.ACTIVE, E.APPROVE),
    (S.ACTIVE, E.SUBMIT),
    (S.DEFAULTED, E.COMPLETE),
    (S.DEFAULTED, E.CANCEL),
    (S.COMPLETED, E.DEFAULT),
    (S.REJECTED, E.APPROVE),
    (S.CANCELLED, E.ACCEPT_COUNTER),
    (S.SUPERSEDED, E.SUPERSEDE),
]


def policy(**overrides: int) -> PlanPolicy:
    return dataclasses.replace(POLICY, **overrides)  # type: ignore[arg-type]


# -- state machine ----------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "event", "expected"), LEGAL)
def test_legal_transition(state: PlanState, event: PlanEvent, expected: PlanState) -> None:
    assert transition(state, event) is expected


def test_the_table_is_exactly_the_legal_list() -> None:
    assert dict(TRANSITIONS) == {(s, e): t for s, e, t in LEGAL}


@pytest.mark.parametrize(("state", "event"), ILLEGAL_SAMPLE)
def test_illegal_transition_is_refused(state: PlanState, event: PlanEvent) -> None:
    with pytest.raises(IllegalPlanTransition) as error:
        transition(state, event)
    assert (error.value.state, error.value.event) == (state, event)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
@pytest.mark.parametrize("event", list(PlanEvent))
def test_nothing_leaves_a_final_state(state: PlanState, event: PlanEvent) -> None:
    with pytest.raises(IllegalPlanTransition):
        transition(state, event)


def test_unknown_event_string_is_an_illegal_transition() -> None:
    with pytest.raises(IllegalPlanTransition):
        transition(S.ACTIVE, "explode")  # type: ignore[arg-type]


def test_stored_strings_work() -> None:
    assert transition("pending_review", "approve") is S.ACTIVE  # type: ignore[arg-type]


def test_every_state_is_reachable_from_proposed() -> None:
    seen, frontier = {S.PROPOSED}, [S.PROPOSED]
    while frontier:
        state = frontier.pop()
        for event in allowed_events(state):
            target = transition(state, event)
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(PlanState)


def test_allowed_events_of_active() -> None:
    assert allowed_events(S.ACTIVE) == {E.COMPLETE, E.DEFAULT, E.SUPERSEDE, E.CANCEL}


def test_holding_states_are_pending_or_active() -> None:
    assert not HOLDING_STATES & FINAL_STATES
    assert S.ACTIVE in HOLDING_STATES
    assert S.DEFAULTED not in HOLDING_STATES


# -- four eyes --------------------------------------------------------------------------------


def test_approval_within_the_four_eyes_limit_is_active_at_once() -> None:
    state = record_approval(S.PENDING_REVIEW, total=1_000_000, policy=POLICY, approver_id=7)
    assert state is S.ACTIVE
    assert not needs_four_eyes(1_000_000, POLICY)


def test_approval_above_the_limit_waits_for_a_second_person() -> None:
    state = record_approval(S.PENDING_REVIEW, total=1_000_001, policy=POLICY, approver_id=7)
    assert state is S.AWAITING_SECOND_APPROVAL
    state = record_approval(
        state, total=1_000_001, policy=POLICY, approver_id=8, first_approver_id=7
    )
    assert state is S.ACTIVE


def test_the_same_person_cannot_give_the_second_approval() -> None:
    with pytest.raises(SameApproverRefused) as error:
        record_approval(
            S.AWAITING_SECOND_APPROVAL,
            total=2_000_000,
            policy=POLICY,
            approver_id=7,
            first_approver_id=7,
        )
    assert error.value.staff_user_id == 7


def test_second_approval_needs_the_first_approver() -> None:
    with pytest.raises(ValueError, match="first approver"):
        record_approval(S.AWAITING_SECOND_APPROVAL, total=1, policy=POLICY, approver_id=7)


@pytest.mark.parametrize(
    ("total", "first_step"),
    [(500_000, S.COUNTER_PROPOSED), (5_000_000, S.AWAITING_SECOND_APPROVAL)],
)
def test_counter_proposal_follows_the_same_four_eyes_rule(
    total: int, first_step: PlanState
) -> None:
    state = record_approval(
        S.PENDING_REVIEW, total=total, policy=POLICY, approver_id=1, with_changes=True
    )
    assert state is first_step
    if state is S.AWAITING_SECOND_APPROVAL:
        state = record_approval(
            state,
            total=total,
            policy=POLICY,
            approver_id=2,
            first_approver_id=1,
            with_changes=True,
        )
    assert state is S.COUNTER_PROPOSED


@pytest.mark.parametrize("state", [S.PROPOSED, S.ACTIVE, S.COUNTER_PROPOSED, S.REJECTED])
def test_approval_outside_review_is_illegal(state: PlanState) -> None:
    with pytest.raises(IllegalPlanTransition):
        record_approval(state, total=1, policy=POLICY, approver_id=1)


# -- counter-proposal expiry ------------------------------------------------------------------


def test_counter_proposal_can_be_accepted_until_the_expiry_day() -> None:
    made = date(2026, 2, 20)
    expires = counter_proposal_expires_on(made, POLICY)
    assert expires == date(2026, 3, 6)  # 14 days
    assert not counter_proposal_expired(expires, today=expires)
    assert counter_proposal_expired(expires, today=date(2026, 3, 7))
    assert accept_counter_proposal(S.COUNTER_PROPOSED, expires_on=expires, today=expires) is (
        S.ACTIVE
    )


def test_accepting_an_expired_counter_proposal_is_refused() -> None:
    with pytest.raises(CounterProposalExpired) as error:
        accept_counter_proposal(
            S.COUNTER_PROPOSED, expires_on=date(2026, 3, 6), today=date(2026, 3, 7)
        )
    assert error.value.expires_on == date(2026, 3, 6)


def test_accepting_in_another_state_is_illegal() -> None:
    with pytest.raises(IllegalPlanTransition):
        accept_counter_proposal(S.ACTIVE, expires_on=date(2026, 3, 6), today=date(2026, 3, 1))


# -- keeping the plan -------------------------------------------------------------------------


def test_installment_is_missed_only_after_the_grace_period() -> None:
    due = date(2026, 3, 1)
    assert not installment_missed(due, paid=False, today=date(2026, 3, 15), policy=POLICY)
    assert installment_missed(due, paid=False, today=date(2026, 3, 16), policy=POLICY)
    assert not installment_missed(due, paid=True, today=date(2026, 6, 1), policy=POLICY)


def test_default_after_the_packs_number_of_missed_installments() -> None:
    assert not should_default(1, POLICY)
    assert should_default(2, POLICY)
    assert should_default(3, POLICY)


def test_broken_plan_cutoff_looks_back_whole_months() -> None:
    assert broken_plan_cutoff(date(2026, 3, 31), POLICY) == date(2025, 3, 31)
    assert broken_plan_cutoff(date(2024, 2, 29), policy(broken_plan_lookback_months=1)) == (
        date(2024, 1, 29)
    )


# -- auto-approval ----------------------------------------------------------------------------


def decide(
    total: int,
    monthly: int,
    *,
    capacity: int | None = None,
    broken: int = 0,
    replan: bool = False,
) -> tuple[bool, tuple[ApprovalReason, ...]]:
    decision = auto_approval(
        PlanProposal(total=total, monthly=monthly),
        POLICY,
        capacity=capacity,
        recent_broken_plans=broken,
        is_first_self_service_replan=replan,
    )
    return decision.approved, decision.reasons


R = ApprovalReason


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"total": 300_000, "monthly": 25_000}, (True, ())),
        ({"total": 500_000, "monthly": 50_000, "capacity": 60_000}, (True, ())),
        ({"total": 500_001, "monthly": 50_000}, (False, (R.TOTAL_OVER_LIMIT,))),
        (
            {"total": 300_000, "monthly": 20_000, "capacity": 10_000},
            (False, (R.TOO_LONG,)),  # pays above capacity, but 15 months
        ),
        (
            {"total": 300_000, "monthly": 20_000, "capacity": 30_000},
            (False, (R.TOO_LONG, R.BELOW_CAPACITY_AND_NOT_CLEARING_IN_TIME)),
        ),
        ({"total": 20_000, "monthly": 2_000}, (False, (R.BELOW_MINIMUM,))),
        (
            {"total": 300_000, "monthly": 2_000},
            (False, (R.TOO_LONG, R.BELOW_MINIMUM, R.BELOW_CAPACITY_AND_NOT_CLEARING_IN_TIME)),
        ),
        ({"total": 300_000, "monthly": 25_000, "broken": 1}, (False, (R.RECENT_BROKEN_PLAN,))),
        ({"total": 300_000, "monthly": 25_000, "broken": 1, "replan": True}, (True, ())),
        (
            {"total": 900_000, "monthly": 2_000, "broken": 2},
            (
                False,
                (
                    R.TOTAL_OVER_LIMIT,
                    R.TOO_LONG,
                    R.BELOW_MINIMUM,
                    R.BELOW_CAPACITY_AND_NOT_CLEARING_IN_TIME,
                    R.RECENT_BROKEN_PLAN,
                ),
            ),
        ),
    ],
)
def test_auto_approval(
    kwargs: dict[str, int | bool], expected: tuple[bool, tuple[ApprovalReason, ...]]
) -> None:
    assert decide(**kwargs) == expected  # type: ignore[arg-type]


def test_offer_below_capacity_that_clears_in_time_is_approved() -> None:
    # "I know what I can pay" with less than the statement suggests, but done in 12 months.
    assert decide(300_000, 25_000, capacity=90_000) == (True, ())


def test_auto_approval_refuses_bad_counts() -> None:
    with pytest.raises(ValueError, match="recent_broken_plans"):
        decide(1_000, 2_500, broken=-1)
    with pytest.raises(ValueError, match="capacity"):
        decide(1_000, 2_500, capacity=-1)


@pytest.mark.parametrize(("total", "monthly"), [(0, 1), (1, 0), (-5, 1)])
def test_proposal_needs_positive_amounts(total: int, monthly: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        PlanProposal(total=total, monthly=monthly)


def test_proposal_amounts_are_int_minor_units() -> None:
    with pytest.raises(TypeError):
        PlanProposal(total=True, monthly=1)


# -- policy -----------------------------------------------------------------------------------


def test_policy_refuses_auto_approval_above_four_eyes() -> None:
    with pytest.raises(ValueError, match="four-eyes"):
        policy(auto_approve_total_limit=2_000_000, four_eyes_total_limit=1_000_000)


@pytest.mark.parametrize(
    "field",
    [
        "max_months",
        "minimum_installment",
        "auto_approve_total_limit",
        "missed_installments_before_default",
        "counter_proposal_days",
    ],
)
def test_policy_refuses_zero_limits(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        policy(**{field: 0})


def test_policy_refuses_negative_grace() -> None:
    with pytest.raises(ValueError, match="grace_days"):
        policy(grace_days=-1)


@pytest.mark.parametrize("code", sorted(RULE_PACKS))
def test_every_pack_has_a_sane_plan_policy(code: str) -> None:
    pack = get_rule_pack(code)
    p = pack.plan_policy
    assert 1 <= p.max_months <= 24
    assert p.minimum_installment >= pack.minimum_online_amount
    assert p.auto_approve_total_limit <= p.four_eyes_total_limit
    assert p.missed_installments_before_default == 2
    assert p.capacity_floor.table_on(date(2026, 6, 1))


def test_pack_numbers_per_country() -> None:
    nl, dk, be = (get_rule_pack(c).plan_policy for c in ("nl", "dk", "be"))
    assert (nl.max_months, nl.minimum_installment, nl.auto_approve_total_limit) == (
        12,
        2_500,
        500_000,
    )
    assert (dk.minimum_installment, dk.auto_approve_total_limit, dk.four_eyes_total_limit) == (
        20_000,
        2_500_000,
        7_500_000,
    )
    assert (be.counter_proposal_days, be.grace_days) == (30, 14)


def test_pack_refuses_minimum_installment_below_online_minimum() -> None:
    pack = get_rule_pack("dk")
    low = dataclasses.replace(pack.plan_policy, minimum_installment=100)
    with pytest.raises(ValueError, match="minimum installment"):
        dataclasses.replace(pack, plan_policy=low)
