"""Installment plans, quoting: what a plan for the debtor's claims would look like
(split out of services/plans.py, which re-exports it)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from sqlalchemy.orm import Session

from portal.domain.affordability import CapacityResult
from portal.domain.plans import ApprovalDecision
from portal.domain.plans import PlanProposal
from portal.domain.plans import PlanState
from portal.domain.plans import auto_approval
from portal.domain.rules.base import RulePack
from portal.domain.schedule import build_schedule
from portal.domain.schedule import lowest_monthly
from portal.domain.schedule import suggest_monthly
from portal.models import Claim
from portal.models import Plan
from portal.services import holds
from portal.services.plan_reads import CASEWORKER_MAX_MONTHS
from portal.services.plan_reads import FIRST_INSTALLMENT_DAYS
from portal.services.plan_reads import NothingToPlan
from portal.services.plan_reads import PlanAlreadyOpen
from portal.services.plan_reads import PlanQuote
from portal.services.plan_reads import _Basis
from portal.services.plan_reads import _latest_defaulted
from portal.services.plan_reads import can_replan
from portal.services.plan_reads import holding_plans
from portal.services.plan_reads import plan_claims
from portal.services.plan_reads import recent_broken_plans
from portal.services.plan_reads import total_now
from portal.services.plan_scope import exclusion_reason
from portal.services.plan_scope import plan_scope

# -- quoting ----------------------------------------------------------------------------------


def _plan_basis(session: Session, rules: RulePack, debtor_id: int, *, as_of: date) -> _Basis:
    """Which claims a new proposal covers, and which plan it would replace."""
    current = holding_plans(session, debtor_id)
    scope = plan_scope(session, rules, debtor_id, as_of=as_of)
    if current:
        newest = current[0]
        if newest.state != PlanState.ACTIVE.value or not scope.candidates:
            raise PlanAlreadyOpen(newest)
        # An amendment: what is left of the active plan plus the new claims.
        kept = [
            c
            for c in plan_claims(session, newest)
            if c.balance > 0 and _may_stay(session, rules, c, as_of=as_of)
        ]
        claims = sorted([*kept, *scope.candidates], key=lambda c: (c.due_date, c.id))
        return _Basis(claims, newest, is_replan=False)
    if not scope.candidates:
        raise NothingToPlan(f"debtor {debtor_id} has no claim that can go into a plan")
    defaulted = _latest_defaulted(session, debtor_id)
    if defaulted is not None:
        return _Basis(scope.candidates, defaulted, is_replan=can_replan(session, debtor_id))
    return _Basis(scope.candidates, None, is_replan=False)


def _may_stay(session: Session, rules: RulePack, claim: Claim, *, as_of: date) -> bool:
    """May a claim of the active plan go on into its amendment? (Not when it went to a
    read-only collector or another hold paused it since.)"""
    reasons = holds.active_hold_reasons(session, [claim.id], as_of).get(claim.id, frozenset())
    found = exclusion_reason(rules, claim, as_of=as_of, in_plan=False, hold_reasons=reasons)
    return found is None or found == "ongoing"


def _first_due(on: date) -> date:
    return on + timedelta(days=FIRST_INSTALLMENT_DAYS)


def quote_plan(
    session: Session,
    rules: RulePack,
    debtor_id: int,
    *,
    monthly: int | None,
    capacity: CapacityResult | None,
    as_of: date,
) -> PlanQuote:
    """The schedule and the auto-approval decision for paying the debtor's plannable claims
    `monthly` a month (None: the suggested amount). Raises NothingToPlan, PlanAlreadyOpen,
    and the domain's InstallmentBelowMinimum / ScheduleTooLong / InstallmentNotPositive."""
    basis = _plan_basis(session, rules, debtor_id, as_of=as_of)
    return _quote(session, rules, debtor_id, basis, monthly=monthly, capacity=capacity, as_of=as_of)


def _quote(
    session: Session,
    rules: RulePack,
    debtor_id: int,
    basis: _Basis,
    *,
    monthly: int | None,
    capacity: CapacityResult | None,
    as_of: date,
) -> PlanQuote:
    policy = rules.plan_policy
    total = sum(c.balance for c in basis.claims)
    if total <= 0:
        raise NothingToPlan(f"debtor {debtor_id}: nothing left to pay")
    minimum = lowest_monthly(
        total, max_months=policy.max_months, minimum_installment=policy.minimum_installment
    )
    suggested = minimum
    if capacity is not None:
        suggested = (
            suggest_monthly(
                total,
                capacity.capacity,
                max_months=policy.max_months,
                minimum_installment=policy.minimum_installment,
            )
            or minimum
        )
    chosen = suggested if monthly is None else monthly
    schedule = build_schedule(
        total,
        chosen,
        _first_due(as_of),
        max_months=policy.max_months,
        # a debt below the minimum installment is paid in one go
        minimum_installment=min(policy.minimum_installment, total),
    )
    decision = auto_approval(
        PlanProposal(total=total, monthly=chosen),
        policy,
        capacity=capacity.capacity if capacity is not None else None,
        recent_broken_plans=recent_broken_plans(session, rules, debtor_id, as_of=as_of),
        is_first_self_service_replan=basis.is_replan,
    )
    return PlanQuote(
        total=total,
        currency=rules.currency,
        monthly=chosen,
        months=schedule.months,
        schedule=schedule,
        minimum_monthly=minimum,
        max_months=policy.max_months,
        suggested_monthly=suggested,
        capacity=capacity,
        decision=decision,
        claims=tuple(basis.claims),
        replaces_plan_id=basis.replaces.id if basis.replaces is not None else None,
        is_replan=basis.is_replan,
    )


def counter_quote(session: Session, rules: RulePack, plan: Plan, *, as_of: date) -> PlanQuote:
    """The terms the citizen gets by accepting the counter-proposal on `as_of`: today's total
    of the plan's claims at the caseworker's monthly amount, first installment
    FIRST_INSTALLMENT_DAYS after `as_of` (exactly what `accept_counter` then makes)."""
    total = total_now(session, plan)
    if total <= 0:
        raise NothingToPlan(f"plan {plan.id}: nothing left to pay")
    monthly = plan.counter_monthly or plan.monthly_amount
    schedule = build_schedule(
        total,
        monthly,
        _first_due(as_of),
        max_months=CASEWORKER_MAX_MONTHS,
        minimum_installment=1,
    )
    policy = rules.plan_policy
    return PlanQuote(
        total=total,
        currency=plan.currency,
        monthly=monthly,
        months=schedule.months,
        schedule=schedule,
        minimum_monthly=lowest_monthly(
            total, max_months=policy.max_months, minimum_installment=policy.minimum_installment
        ),
        max_months=policy.max_months,
        suggested_monthly=monthly,
        capacity=None,
        decision=ApprovalDecision(approved=True, reasons=()),
        claims=tuple(plan_claims(session, plan)),
        replaces_plan_id=plan.replaces_plan_id,
        is_replan=plan.is_replan,
    )
