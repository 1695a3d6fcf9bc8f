"""Which claims can go into a plan (issue 4, step 1): unity of debt — ALL open claims by default.

A claim is left out, with a reason the page explains in plain words, when it is:
- `with_collector`: handed over to the external collector and the rule pack makes such claims
  read-only (DK, BE; decisions.md);
- `ongoing`: a bill of an ongoing kind (monthly daycare, rent) that is not yet due: it is paid
  as usual, and the plan leaves room for it;
- `in_other_plan`: already in a plan that is pending or active;
- `on_hold`: collection is paused for another reason (remission pending, dispute, legal stop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.plans import HOLDING_STATES
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import Plan
from portal.models import PlanClaim
from portal.services import holds

EXCLUSION_REASONS = ("with_collector", "ongoing", "in_other_plan", "on_hold")
#: Holds that do not keep a claim out of a plan: a plan's own, and a payment in progress.
_PLAN_FRIENDLY_HOLDS = frozenset({holds.PLAN, holds.PAYMENT_PENDING})


@dataclass(frozen=True)
class ExcludedClaim:
    claim: Claim
    #: one of EXCLUSION_REASONS
    reason: str


@dataclass(frozen=True)
class PlanScope:
    candidates: list[Claim]
    excluded: list[ExcludedClaim]
    #: the sum of the candidates' balances (minor units of `currency`)
    total: int
    currency: str


def open_claims(session: Session, debtor_id: int) -> list[Claim]:
    """The debtor's claims with something to pay, not cancelled; oldest due date first."""
    return list(
        session.scalars(
            select(Claim)
            .where(
                Claim.debtor_id == debtor_id,
                Claim.cancelled_on.is_(None),
                (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
            )
            .order_by(Claim.due_date, Claim.id)
        )
    )


def claims_in_holding_plans(session: Session, debtor_id: int) -> dict[int, int]:
    """claim id → id of the pending or active plan that holds it."""
    rows = session.execute(
        select(PlanClaim.claim_id, Plan.id)
        .join(Plan, Plan.id == PlanClaim.plan_id)
        .where(Plan.debtor_id == debtor_id, Plan.state.in_([s.value for s in HOLDING_STATES]))
    ).all()
    return {claim_id: plan_id for claim_id, plan_id in rows}


def exclusion_reason(
    rules: RulePack,
    claim: Claim,
    *,
    as_of: date,
    in_plan: bool,
    hold_reasons: frozenset[str],
) -> str | None:
    """Why `claim` cannot go into a new plan, or None when it can."""
    if claim.handed_over_on is not None and rules.collector_claims_read_only:
        return "with_collector"
    if in_plan:
        return "in_other_plan"
    if hold_reasons - _PLAN_FRIENDLY_HOLDS:
        return "on_hold"
    if claim.claim_type.ongoing and claim.due_date > as_of:
        return "ongoing"
    return None


def plan_scope(session: Session, rules: RulePack, debtor_id: int, *, as_of: date) -> PlanScope:
    """Every open claim of the debtor, split into plan candidates and excluded claims."""
    claims = open_claims(session, debtor_id)
    planned = claims_in_holding_plans(session, debtor_id)
    reasons = holds.active_hold_reasons(session, [c.id for c in claims], as_of)
    candidates: list[Claim] = []
    excluded: list[ExcludedClaim] = []
    for claim in claims:
        reason = exclusion_reason(
            rules,
            claim,
            as_of=as_of,
            in_plan=claim.id in planned,
            hold_reasons=reasons.get(claim.id, frozenset()),
        )
        if reason is None:
            candidates.append(claim)
        else:
            excluded.append(ExcludedClaim(claim, reason))
    return PlanScope(
        candidates=candidates,
        excluded=excluded,
        total=sum(c.balance for c in candidates),
        currency=rules.currency,
    )


__all__ = [
    "EXCLUSION_REASONS",
    "ExcludedClaim",
    "PlanScope",
    "claims_in_holding_plans",
    "exclusion_reason",
    "open_claims",
    "plan_scope",
]
