"""Installment plans: the state machine, the four-eyes rule, and the auto-approval policy.

State machine (issue 4 "Plan states"; style.md #8): one transition table, `transition(state,
event)`; anything not in the table raises IllegalPlanTransition. Approvals go through
`record_approval`, which adds the four-eyes rule on top of the table.

    proposed ──auto_approve──────────────────────────────▶ active ──complete──▶ completed
        │ submit                                          ▲  │ ──default──▶ defaulted
        ▼                                                 │  │ ──supersede─▶ superseded
    pending_review ──approve (≤ four-eyes limit)──────────┘  │ ──cancel────▶ cancelled
        │ request_second_approval (> limit)                  │
        ▼                                                    │
    awaiting_second_approval ──approve (other person)────────┘
        │ counter_propose (pending_review or awaiting_second_approval)
        ▼
    counter_proposed ──accept_counter──▶ active;  ──decline_counter / expire_counter──▶ cancelled
    reject (pending_review, awaiting_second_approval) ──▶ rejected
    defaulted ──supersede (the citizen's re-plan)──▶ superseded

`fees_during_plan` stays on RulePack (decisions.md) and is not repeated in PlanPolicy.
Pure: dates are passed in; amounts are integer minor units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType

from portal.domain.affordability import CapacityFloor
from portal.domain.schedule import add_months
from portal.domain.schedule import months_needed


class PlanState(StrEnum):
    PROPOSED = "proposed"
    PENDING_REVIEW = "pending_review"
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    COUNTER_PROPOSED = "counter_proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    DEFAULTED = "defaulted"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class PlanEvent(StrEnum):
    #: The proposal is within policy (`auto_approval`): active at once.
    AUTO_APPROVE = "auto_approve"
    #: The proposal is outside policy: to the caseworker queue.
    SUBMIT = "submit"
    APPROVE = "approve"
    #: A caseworker approved a plan above the four-eyes limit; a second person must confirm.
    REQUEST_SECOND_APPROVAL = "request_second_approval"
    #: Approve with changes: the citizen accepts with one click, before the expiry.
    COUNTER_PROPOSE = "counter_propose"
    ACCEPT_COUNTER = "accept_counter"
    DECLINE_COUNTER = "decline_counter"
    EXPIRE_COUNTER = "expire_counter"
    REJECT = "reject"
    #: The citizen withdraws, or staff end a plan (e.g. a legal stop).
    CANCEL = "cancel"
    COMPLETE = "complete"
    #: Too many missed installments (`should_default`).
    DEFAULT = "default"
    #: A new plan replaces this one: an amendment of an active plan or a re-plan after default.
    SUPERSEDE = "supersede"


_S, _E = PlanState, PlanEvent

#: (state, event) → next state. Everything else is illegal.
TRANSITIONS: Mapping[tuple[PlanState, PlanEvent], PlanState] = MappingProxyType(
    {
        (_S.PROPOSED, _E.AUTO_APPROVE): _S.ACTIVE,
        (_S.PROPOSED, _E.SUBMIT): _S.PENDING_REVIEW,
        (_S.PROPOSED, _E.CANCEL): _S.CANCELLED,
        (_S.PENDING_REVIEW, _E.APPROVE): _S.ACTIVE,
        (_S.PENDING_REVIEW, _E.REQUEST_SECOND_APPROVAL): _S.AWAITING_SECOND_APPROVAL,
        (_S.PENDING_REVIEW, _E.COUNTER_PROPOSE): _S.COUNTER_PROPOSED,
        (_S.PENDING_REVIEW, _E.REJECT): _S.REJECTED,
        (_S.PENDING_REVIEW, _E.CANCEL): _S.CANCELLED,
        (_S.AWAITING_SECOND_APPROVAL, _E.APPROVE): _S.ACTIVE,
        (_S.AWAITING_SECOND_APPROVAL, _E.COUNTER_PROPOSE): _S.COUNTER_PROPOSED,
        (_S.AWAITING_SECOND_APPROVAL, _E.REJECT): _S.REJECTED,
        (_S.AWAITING_SECOND_APPROVAL, _E.CANCEL): _S.CANCELLED,
        (_S.COUNTER_PROPOSED, _E.ACCEPT_COUNTER): _S.ACTIVE,
        (_S.COUNTER_PROPOSED, _E.DECLINE_COUNTER): _S.CANCELLED,
        (_S.COUNTER_PROPOSED, _E.EXPIRE_COUNTER): _S.CANCELLED,
        (_S.COUNTER_PROPOSED, _E.CANCEL): _S.CANCELLED,
        (_S.ACTIVE, _E.COMPLETE): _S.COMPLETED,
        (_S.ACTIVE, _E.DEFAULT): _S.DEFAULTED,
        (_S.ACTIVE, _E.SUPERSEDE): _S.SUPERSEDED,
        (_S.ACTIVE, _E.CANCEL): _S.CANCELLED,
        (_S.DEFAULTED, _E.SUPERSEDE): _S.SUPERSEDED,
    }
)

#: States from which nothing follows.
FINAL_STATES = frozenset({_S.COMPLETED, _S.SUPERSEDED, _S.REJECTED, _S.CANCELLED})
#: States during which a CollectionHold covers the plan's claims (issue 4, step 6).
HOLDING_STATES = frozenset(
    {_S.PENDING_REVIEW, _S.AWAITING_SECOND_APPROVAL, _S.COUNTER_PROPOSED, _S.ACTIVE}
)
#: States that wait for a caseworker (the queue).
REVIEW_STATES = frozenset({_S.PENDING_REVIEW, _S.AWAITING_SECOND_APPROVAL})


class PlanError(ValueError):
    """Base class of the named plan errors."""


class IllegalPlanTransition(PlanError):
    def __init__(self, state: PlanState, event: PlanEvent) -> None:
        super().__init__(f"a plan in state {state} cannot {event}")
        self.state = state
        self.event = event


class SameApproverRefused(PlanError):
    """Four eyes: the second approval must come from a different staff member."""

    def __init__(self, staff_user_id: int) -> None:
        super().__init__(f"staff user {staff_user_id} already gave the first approval")
        self.staff_user_id = staff_user_id


class CounterProposalExpired(PlanError):
    def __init__(self, expires_on: date) -> None:
        super().__init__(f"the counter-proposal expired after {expires_on.isoformat()}")
        self.expires_on = expires_on


def transition(state: PlanState, event: PlanEvent) -> PlanState:
    """The state after `event`; raises IllegalPlanTransition for a pair not in TRANSITIONS."""
    try:
        return TRANSITIONS[(PlanState(state), PlanEvent(event))]
    except (KeyError, ValueError):
        raise IllegalPlanTransition(state, event) from None


def allowed_events(state: PlanState) -> frozenset[PlanEvent]:
    """The events a plan in `state` accepts (for showing the right buttons)."""
    return frozenset(event for (s, event) in TRANSITIONS if s == state)


# -- policy -----------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class PlanPolicy:
    """A rule pack's plan policy. Amounts are minor units; each value's source is given
    where the pack defines it (or it is marked "example — set by the municipality")."""

    #: Longest plan in months (also the auto-approval length limit).
    max_months: int
    #: Lowest monthly installment; only the last installment may be lower.
    minimum_installment: int
    #: Highest plan total that can become active without a caseworker.
    auto_approve_total_limit: int
    #: Above this total, approval needs a second, different staff member.
    four_eyes_total_limit: int
    #: After this many missed installments the plan is defaulted.
    missed_installments_before_default: int
    #: Days after a due date before an unpaid installment counts as missed.
    grace_days: int
    #: A plan defaulted within this many months blocks auto-approval.
    broken_plan_lookback_months: int
    #: Days the citizen has to accept a counter-proposal.
    counter_proposal_days: int
    #: What the household keeps (NL protected income, DK rådighedsbeløb, BE living allowance).
    capacity_floor: CapacityFloor

    def __post_init__(self) -> None:
        for name in (
            "max_months",
            "minimum_installment",
            "auto_approve_total_limit",
            "four_eyes_total_limit",
            "missed_installments_before_default",
            "counter_proposal_days",
        ):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ValueError(f"plan policy: {name} must be an int >= 1")
        for name in ("grace_days", "broken_plan_lookback_months"):
            value = getattr(self, name)
            if not _is_int(value) or value < 0:
                raise ValueError(f"plan policy: {name} must be an int >= 0")
        if self.auto_approve_total_limit > self.four_eyes_total_limit:
            # Auto-approval has no approver at all; it must never reach four-eyes totals.
            raise ValueError("plan policy: auto-approval limit above the four-eyes limit")


@dataclass(frozen=True)
class PlanProposal:
    """A citizen's (or caseworker's) offer: pay `total` in installments of `monthly`."""

    total: int
    monthly: int

    def __post_init__(self) -> None:
        if not (_is_int(self.total) and _is_int(self.monthly)):
            raise TypeError("plan amounts are int minor units")
        if self.total <= 0 or self.monthly <= 0:
            raise ValueError("a proposal needs a positive total and monthly amount")

    @property
    def months(self) -> int:
        return months_needed(self.total, self.monthly)


class ApprovalReason(StrEnum):
    """Why a proposal is not approved at once; each goes to the caseworker and the citizen."""

    TOTAL_OVER_LIMIT = "total_over_limit"
    TOO_LONG = "too_long"
    BELOW_MINIMUM = "below_minimum"
    BELOW_CAPACITY_AND_NOT_CLEARING_IN_TIME = "below_capacity_and_not_clearing_in_time"
    RECENT_BROKEN_PLAN = "recent_broken_plan"


@dataclass(frozen=True)
class ApprovalDecision:
    """`approved` is True exactly when `reasons` is empty."""

    approved: bool
    reasons: tuple[ApprovalReason, ...]


def auto_approval(
    proposal: PlanProposal,
    policy: PlanPolicy,
    *,
    capacity: int | None,
    recent_broken_plans: int,
    is_first_self_service_replan: bool,
) -> ApprovalDecision:
    """Is `proposal` within the auto-approval policy (issue 4, step 5)? Every failed
    condition gives one reason code, in a fixed order.

    - total ≤ `auto_approve_total_limit`;
    - length ≤ `max_months`;
    - monthly ≥ `minimum_installment`;
    - monthly ≥ the computed `capacity` (None: "I know what I can pay", no statement) OR the
      offer clears the debt within `max_months`. NB: with the length condition above, this one
      only fails together with `too_long`; it is kept as its own code because the issue names
      it and a caseworker reads it differently (the household could pay more);
    - no broken plan in the last `broken_plan_lookback_months` (`recent_broken_plans` counts
      them; the caller looks back) — except the citizen's first self-service re-plan.
    """
    if recent_broken_plans < 0:
        raise ValueError("recent_broken_plans must be >= 0")
    if capacity is not None and capacity < 0:
        raise ValueError("capacity is never negative")
    months = proposal.months
    clears_in_time = months <= policy.max_months
    reasons: list[ApprovalReason] = []
    if proposal.total > policy.auto_approve_total_limit:
        reasons.append(ApprovalReason.TOTAL_OVER_LIMIT)
    if not clears_in_time:
        reasons.append(ApprovalReason.TOO_LONG)
    if proposal.monthly < policy.minimum_installment:
        reasons.append(ApprovalReason.BELOW_MINIMUM)
    pays_capacity = capacity is not None and proposal.monthly >= capacity
    if not (pays_capacity or clears_in_time):
        reasons.append(ApprovalReason.BELOW_CAPACITY_AND_NOT_CLEARING_IN_TIME)
    if recent_broken_plans > 0 and not is_first_self_service_replan:
        reasons.append(ApprovalReason.RECENT_BROKEN_PLAN)
    return ApprovalDecision(approved=not reasons, reasons=tuple(reasons))


# -- four eyes --------------------------------------------------------------------------------


def needs_four_eyes(total: int, policy: PlanPolicy) -> bool:
    """Does approving a plan of `total` need a second, different staff member?"""
    return total > policy.four_eyes_total_limit


def record_approval(
    state: PlanState,
    *,
    total: int,
    policy: PlanPolicy,
    approver_id: int,
    first_approver_id: int | None = None,
    with_changes: bool = False,
) -> PlanState:
    """The state after a caseworker approves (or, `with_changes`, counter-proposes).

    From pending_review: above the four-eyes limit the plan waits for a second approver
    (awaiting_second_approval; the service keeps the first approver and any changed terms),
    otherwise it becomes active (or counter_proposed). From awaiting_second_approval: the
    approver must differ from `first_approver_id` (SameApproverRefused). Other states raise
    IllegalPlanTransition.
    """
    final = _E.COUNTER_PROPOSE if with_changes else _E.APPROVE
    if state == _S.PENDING_REVIEW:
        event = _E.REQUEST_SECOND_APPROVAL if needs_four_eyes(total, policy) else final
        return transition(state, event)
    if state == _S.AWAITING_SECOND_APPROVAL:
        if first_approver_id is None:
            raise ValueError("a second approval needs the first approver's id")
        if approver_id == first_approver_id:
            raise SameApproverRefused(approver_id)
        return transition(state, final)
    raise IllegalPlanTransition(state, final)


# -- counter-proposal expiry ------------------------------------------------------------------


def counter_proposal_expires_on(proposed_on: date, policy: PlanPolicy) -> date:
    """The last day on which the citizen can accept a counter-proposal made on `proposed_on`."""
    return proposed_on + timedelta(days=policy.counter_proposal_days)


def counter_proposal_expired(expires_on: date, *, today: date) -> bool:
    """True from the day after `expires_on` (the expiry day itself still counts)."""
    return today > expires_on


def accept_counter_proposal(state: PlanState, *, expires_on: date, today: date) -> PlanState:
    """The citizen accepts: active, unless the counter-proposal has expired."""
    if state == _S.COUNTER_PROPOSED and counter_proposal_expired(expires_on, today=today):
        raise CounterProposalExpired(expires_on)
    return transition(state, _E.ACCEPT_COUNTER)


# -- keeping the plan -------------------------------------------------------------------------


def installment_missed(due_date: date, *, paid: bool, today: date, policy: PlanPolicy) -> bool:
    """An unpaid installment counts as missed once its grace period has passed."""
    return not paid and today > due_date + timedelta(days=policy.grace_days)


def should_default(missed_installments: int, policy: PlanPolicy) -> bool:
    """Has the plan missed enough installments to be defaulted?"""
    return missed_installments >= policy.missed_installments_before_default


def broken_plan_cutoff(today: date, policy: PlanPolicy) -> date:
    """Plans defaulted on or after this date count as `recent_broken_plans`."""
    return add_months(today, -policy.broken_plan_lookback_months)


__all__ = [
    "FINAL_STATES",
    "HOLDING_STATES",
    "REVIEW_STATES",
    "TRANSITIONS",
    "ApprovalDecision",
    "ApprovalReason",
    "CounterProposalExpired",
    "IllegalPlanTransition",
    "PlanError",
    "PlanEvent",
    "PlanPolicy",
    "PlanProposal",
    "PlanState",
    "SameApproverRefused",
    "accept_counter_proposal",
    "allowed_events",
    "auto_approval",
    "broken_plan_cutoff",
    "counter_proposal_expired",
    "counter_proposal_expires_on",
    "installment_missed",
    "needs_four_eyes",
    "record_approval",
    "should_default",
    "transition",
]
