"""Installment plans, reading: errors, value objects and the queries every plan page asks
(split out of services/plans.py, which re-exports all of it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.affordability import CapacityResult
from portal.domain.allocation import AllocationLine
from portal.domain.plans import HOLDING_STATES
from portal.domain.plans import ApprovalDecision
from portal.domain.plans import PlanState
from portal.domain.plans import broken_plan_cutoff
from portal.domain.plans import installment_missed
from portal.domain.rules.base import RulePack
from portal.domain.schedule import Schedule
from portal.models import Claim
from portal.models import Plan
from portal.models import PlanClaim
from portal.models import PlanInstallment
from portal.models.base import utcnow
from portal.services.plan_scope import plan_scope

#: Days from activation to the first installment's due date.
FIRST_INSTALLMENT_DAYS = 14
#: A caseworker may agree to more than the self-service limits (never more than this).
CASEWORKER_MAX_MONTHS = 60
PLAN_BASES = ("statement", "own_offer")


# -- errors -----------------------------------------------------------------------------------


class PlanServiceError(Exception):
    """Base class of the plan service errors."""


class PlanNotFound(PlanServiceError):
    """No such plan, or not this debtor's."""


class NothingToPlan(PlanServiceError):
    """There is no open claim that can go into a plan."""


class PlanAlreadyOpen(PlanServiceError):
    """The debtor already has a plan that is pending or active (and nothing to amend)."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"debtor {plan.debtor_id} already has plan {plan.id} ({plan.state})")
        self.plan = plan


class StaleDecision(PlanServiceError):
    """The plan changed since the form was shown (another caseworker, or the citizen)."""

    def __init__(self, plan: Plan, expected: str) -> None:
        super().__init__(f"plan {plan.id} is {plan.state}, the form showed {expected}")
        self.plan = plan
        self.expected = expected


class InvalidPlanInput(PlanServiceError):
    """A basis, statement or amount the service cannot use (the form should have caught it)."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


# -- value objects ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanQuote:
    total: int
    currency: str
    monthly: int
    months: int
    schedule: Schedule
    #: the lowest monthly amount the policy accepts for this total
    minimum_monthly: int
    max_months: int
    #: what the page proposes first (from the capacity when there is one)
    suggested_monthly: int
    capacity: CapacityResult | None
    decision: ApprovalDecision
    #: the claims the plan would cover (extra, not in the contract's minimum)
    claims: tuple[Claim, ...] = ()
    #: an amendment or re-plan replaces this plan when it becomes active
    replaces_plan_id: int | None = None
    is_replan: bool = False


@dataclass(frozen=True)
class PlanProgress:
    paid: int
    remaining: int
    installments: list[PlanInstallment]
    next_due: PlanInstallment | None
    missed: int


@dataclass(frozen=True)
class PlanPaymentResult:
    #: what was booked on which claim and component
    lines: tuple[AllocationLine, ...]
    #: the sum of `lines` (≤ the amount given)
    booked: int
    #: of the amount, what the plan's claims could not take (the caller books it elsewhere)
    unallocated: int
    #: what was added to the installments' paid amounts (≤ booked)
    applied_to_installments: int


@dataclass(frozen=True)
class _Basis:
    claims: list[Claim]
    replaces: Plan | None
    is_replan: bool


# -- reading ----------------------------------------------------------------------------------


def _holding_values() -> list[str]:
    return [state.value for state in HOLDING_STATES]


def _today_here(rules: RulePack) -> date:
    return utcnow().astimezone(ZoneInfo(rules.timezone)).date()


def get_plan(session: Session, plan_id: int, *, debtor_id: int | None = None) -> Plan:
    """The plan; with `debtor_id`, only if it is that debtor's. Raises PlanNotFound."""
    plan = session.get(Plan, plan_id)
    if plan is None or (debtor_id is not None and plan.debtor_id != debtor_id):
        raise PlanNotFound(f"no plan {plan_id}")
    return plan


def holding_plans(session: Session, debtor_id: int) -> list[Plan]:
    """The debtor's plans that are pending or active, newest first."""
    return list(
        session.scalars(
            select(Plan)
            .where(Plan.debtor_id == debtor_id, Plan.state.in_(_holding_values()))
            .order_by(Plan.id.desc())
        )
    )


def _latest_defaulted(session: Session, debtor_id: int) -> Plan | None:
    return session.scalar(
        select(Plan)
        .where(Plan.debtor_id == debtor_id, Plan.state == PlanState.DEFAULTED.value)
        .order_by(Plan.id.desc())
        .limit(1)
    )


def open_plan(session: Session, debtor_id: int) -> Plan | None:
    """The debtor's plan in HOLDING_STATES (the newest: a pending amendment before the active
    plan it would replace), else a defaulted one that may be re-planned, else None.

    One query (the overview asks on every view): holding and defaulted plans, newest first."""
    holding = _holding_values()
    candidates = list(
        session.scalars(
            select(Plan)
            .where(
                Plan.debtor_id == debtor_id,
                Plan.state.in_([*holding, PlanState.DEFAULTED.value]),
            )
            .order_by(Plan.id.desc())
        )
    )
    return next(
        (plan for plan in candidates if plan.state in holding),
        next((plan for plan in candidates if plan.state == PlanState.DEFAULTED.value), None),
    )


def latest_plan(session: Session, debtor_id: int) -> Plan | None:
    """The debtor's newest plan in any state (e.g. a rejected one, to show its reason)."""
    return session.scalar(
        select(Plan).where(Plan.debtor_id == debtor_id).order_by(Plan.id.desc()).limit(1)
    )


def active_plan(session: Session, debtor_id: int) -> Plan | None:
    """The debtor's ACTIVE plan, if any (installments are paid to this one)."""
    return session.scalar(
        select(Plan)
        .where(Plan.debtor_id == debtor_id, Plan.state == PlanState.ACTIVE.value)
        .order_by(Plan.id.desc())
        .limit(1)
    )


def plan_claims(session: Session, plan: Plan) -> list[Claim]:
    """The plan's claims, oldest due date first."""
    return list(
        session.scalars(
            select(Claim)
            .join(PlanClaim, PlanClaim.claim_id == Claim.id)
            .where(PlanClaim.plan_id == plan.id)
            .order_by(Claim.due_date, Claim.id)
        )
    )


def total_at_proposal(plan: Plan) -> int:
    return sum(row.balance_at_proposal for row in plan.claims)


def total_now(session: Session, plan: Plan) -> int:
    """What the plan's claims add up to today (payments, fees and remission included)."""
    return sum(claim.balance for claim in plan_claims(session, plan))


def can_replan(session: Session, debtor_id: int) -> bool:
    """A defaulted plan waits, and the citizen has not used their one re-plan (proposed by
    themselves or at the desk with staff beside them; a re-plan that was withdrawn or
    rejected does not count)."""
    if _latest_defaulted(session, debtor_id) is None:
        return False
    used = session.scalar(
        select(func.count(Plan.id)).where(
            Plan.debtor_id == debtor_id,
            Plan.is_replan.is_(True),
            Plan.state.not_in([PlanState.CANCELLED.value, PlanState.REJECTED.value]),
        )
    )
    return not used


def recent_broken_plans(session: Session, rules: RulePack, debtor_id: int, *, as_of: date) -> int:
    """Plans of the debtor defaulted on or after the policy's look-back cutoff."""
    cutoff = broken_plan_cutoff(as_of, rules.plan_policy)
    return int(
        session.scalar(
            select(func.count(Plan.id)).where(
                Plan.debtor_id == debtor_id,
                Plan.defaulted_on.is_not(None),
                Plan.defaulted_on >= cutoff,
            )
        )
        or 0
    )


def amendment_candidates(
    session: Session, plan: Plan, *, as_of: date | None = None, rules: RulePack | None = None
) -> list[Claim]:
    """Open claims of the plan's debtor that could be added to this active plan: typically a
    bill issued while the plan runs. Empty when the plan is not active."""
    if plan.state != PlanState.ACTIVE.value:
        return []
    rules = rules or current_app.config["RULE_PACK"]
    on = as_of or _today_here(rules)
    return plan_scope(session, rules, plan.debtor_id, as_of=on).candidates


def plan_progress(session: Session, plan: Plan, *, as_of: date) -> PlanProgress:
    """Paid and remaining of the schedule; the next installment to pay; how many are missed."""
    installments = list(plan.installments)
    policy = current_app.config["RULE_PACK"].plan_policy
    paid = sum(i.paid_amount for i in installments)
    scheduled = sum(i.amount for i in installments)
    next_due = next((i for i in installments if i.state != "paid"), None)
    missed = sum(
        1
        for i in installments
        if i.state == "missed"
        or installment_missed(i.due_date, paid=i.state == "paid", today=as_of, policy=policy)
    )
    return PlanProgress(
        paid=paid,
        remaining=scheduled - paid,
        installments=installments,
        next_due=next_due,
        missed=missed,
    )
