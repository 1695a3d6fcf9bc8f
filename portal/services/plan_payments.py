"""Installment plans, paying: a payment allocated over the plan's claims and applied to
its installments oldest first (split out of services/plans.py, which re-exports it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.allocation import ClaimDebt
from portal.domain.allocation import allocate
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import Payment
from portal.models import Plan
from portal.models import PlanClaim
from portal.models import PlanInstallment
from portal.services import audit
from portal.services.audit import Actor
from portal.services.ledger import append_entry
from portal.services.plan_lifecycle import complete_plan
from portal.services.plan_reads import PlanPaymentResult

# -- paying -----------------------------------------------------------------------------------


def apply_plan_payment(
    session: Session,
    rules: RulePack,
    plan: Plan,
    payment: Payment,
    amount: int,
    *,
    on: date,
) -> PlanPaymentResult:
    """Book `amount` of `payment` over the plan's claims (rule-pack component order, oldest
    claim first) and apply what was booked to the installments, oldest first. What the
    claims cannot take is returned as `unallocated` for the caller to book elsewhere.
    A plan whose claims are all paid is completed."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount must be a positive whole number of minor units")
    if amount > payment.amount:
        raise ValueError("cannot apply more than the payment")
    claims = [c for c in _claims_for_update(session, plan) if c.balance > 0]
    by_id = {c.id: c for c in claims}
    debts = [
        ClaimDebt(
            claim_id=c.id,
            due_date=c.due_date,
            issue_date=c.issue_date,
            fee=c.fee_due,
            interest=c.interest_due,
            principal=c.principal_due,
        )
        for c in claims
    ]
    allocation = allocate(amount, debts, component_order=rules.component_order)
    for line in allocation.lines:
        append_entry(
            session,
            by_id[line.claim_id],
            component=str(line.component),
            amount=-line.amount,
            cause="payment",
            effective_date=on,
            payment_id=payment.id,
            source=f"plan:{plan.id}",
        )
    booked = amount - allocation.unallocated
    applied = _apply_to_installments(plan, booked)
    session.flush()
    audit.record(
        session,
        Actor.system(),
        "plan.payment_applied",
        object_type="plan",
        object_id=plan.id,
        debtor_id=plan.debtor_id,
        payment_id=payment.id,
        booked=booked,
        applied=applied,
        unallocated=allocation.unallocated,
    )
    if plan.state == PlanState.ACTIVE.value and all(c.balance == 0 for c in claims):
        complete_plan(session, plan, on=on, actor=Actor.system())
    return PlanPaymentResult(
        lines=allocation.lines,
        booked=booked,
        unallocated=allocation.unallocated,
        applied_to_installments=applied,
    )


def _claims_for_update(session: Session, plan: Plan) -> list[Claim]:
    return list(
        session.scalars(
            select(Claim)
            .join(PlanClaim, PlanClaim.claim_id == Claim.id)
            .where(PlanClaim.plan_id == plan.id)
            .order_by(Claim.due_date, Claim.id)
            .with_for_update(key_share=True)  # as booking locks them: no upgrade
        )
    )


def _apply_to_installments(plan: Plan, amount: int) -> int:
    """Fill the installments oldest first with `amount`; returns what they took."""
    left = amount
    for installment in plan.installments:
        if left == 0:
            break
        take = min(left, installment.amount - installment.paid_amount)
        if take > 0:
            installment.paid_amount += take
            left -= take
        if installment.paid_amount == installment.amount:
            installment.state = "paid"
    return amount - left


def installments_outstanding(installments: Sequence[PlanInstallment]) -> int:
    return sum(i.amount - i.paid_amount for i in installments)
