"""The debtor's credit account: money received beyond what was owed (decisions.md).

A surplus is never a negative claim balance. Booking puts it here (cause "overpayment");
`apply_credit_to_claim` moves it onto a claim as a payment in the ledger; refunds (a pain.001
export after four-eyes approval, or the provider's refund API: portal/services/refunds.py)
take it out. The balance is the sum of the entries and never goes below zero: credit set
aside for a refund on its way is not available (`available_credit`), and a bank reversal of
a payment whose credit was used meanwhile is not booked but goes to a person
(bank_statements, reason "reversal_credit_used").
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.allocation import ClaimDebt
from portal.domain.allocation import allocate
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import Debtor
from portal.models import DebtorAccountEntry
from portal.models import Refund
from portal.models.refund import RESERVING_STATES
from portal.services import audit
from portal.services.audit import Actor
from portal.services.ledger import append_entry


class CreditRefused(ValueError):
    """Credit cannot be applied; `code` says why (insufficient_credit, exceeds_claim_balance,
    not_own_claim, claim_closed, invalid_amount)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def credit_balance(session: Session, debtor_id: int, currency: str) -> int:
    """The debtor's credit in `currency`, in minor units (never negative)."""
    total = session.scalar(
        select(func.coalesce(func.sum(DebtorAccountEntry.amount), 0)).where(
            DebtorAccountEntry.debtor_id == debtor_id, DebtorAccountEntry.currency == currency
        )
    )
    return int(total or 0)


def reserved_credit(session: Session, debtor_id: int, currency: str) -> int:
    """Credit set aside for staff refunds not executed (or rejected) yet."""
    total = session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.debtor_id == debtor_id,
            Refund.currency == currency,
            Refund.origin == "staff",
            Refund.state.in_(RESERVING_STATES),
        )
    )
    return int(total or 0)


def available_credit(session: Session, debtor_id: int, currency: str) -> int:
    """What may still be applied or refunded: the balance minus refunds on their way."""
    return credit_balance(session, debtor_id, currency) - reserved_credit(
        session, debtor_id, currency
    )


def credit_left_by_payment(session: Session, payment_id: int) -> int:
    """The credit a payment created ("overpayment") minus what was taken back for it."""
    total = session.scalar(
        select(func.coalesce(func.sum(DebtorAccountEntry.amount), 0)).where(
            DebtorAccountEntry.payment_id == payment_id
        )
    )
    return int(total or 0)


def apply_credit_to_claim(
    session: Session,
    rules: RulePack,
    *,
    debtor_id: int,
    claim_id: int,
    amount: int,
    actor: Actor,
    on: date,
) -> None:
    """Use `amount` of the debtor's credit to pay their claim, effective on day `on`.

    Writes a credit entry of -amount ("applied_to_claim") and ledger entries with cause
    "payment", allocated over the claim's components in the rule pack's order. Refuses more
    than the credit or more than the claim's balance (CreditRefused). Audited.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise CreditRefused("invalid_amount", "the amount is a positive whole number")
    # Lock the debtor row so two applications of the same credit cannot both pass the check.
    debtor = session.scalar(select(Debtor).where(Debtor.id == debtor_id).with_for_update())
    claim = session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update())
    if debtor is None or claim is None or claim.debtor_id != debtor_id:
        raise CreditRefused("not_own_claim", "the claim does not belong to this debtor")
    if claim.cancelled_on is not None or (
        claim.handed_over_on is not None and rules.collector_claims_read_only
    ):
        raise CreditRefused("claim_closed", f"claim {claim.id} is not collected by us")
    # Credit set aside for a refund on its way cannot be applied as well.
    available = available_credit(session, debtor_id, claim.currency)
    if amount > available:
        raise CreditRefused("insufficient_credit", f"credit {available} is less than {amount}")
    if amount > claim.balance:
        raise CreditRefused(
            "exceeds_claim_balance", f"claim {claim.id} balance {claim.balance} < {amount}"
        )

    allocation = allocate(
        amount,
        [
            ClaimDebt(
                claim_id=claim.id,
                due_date=claim.due_date,
                issue_date=claim.issue_date,
                fee=claim.fee_due,
                interest=claim.interest_due,
                principal=claim.principal_due,
            )
        ],
        component_order=rules.component_order,
    )
    used = DebtorAccountEntry(
        debtor_id=debtor_id,
        amount=-amount,
        currency=claim.currency,
        cause="applied_to_claim",
        claim_id=claim.id,
        staff_user_id=actor.staff_user_id,
    )
    session.add(used)
    session.flush()
    for line in allocation.lines:
        append_entry(
            session,
            claim,
            component=str(line.component),
            amount=-line.amount,
            cause="payment",
            effective_date=on,
            staff_user_id=actor.staff_user_id,
            source=f"credit:{used.id}",
        )
    audit.record(
        session,
        actor,
        "credit.applied",
        object_type="claim",
        object_id=claim.id,
        debtor_id=debtor_id,
        amount=amount,
        credit_entry_id=used.id,
    )
