"""The ledger: every change to what is owed is an appended entry; the claim's cache follows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import LedgerEntry

_CACHE_COLUMN = {"principal": "principal_due", "fee": "fee_due", "interest": "interest_due"}


class NegativeBalance(ValueError):
    """An entry would take a component below zero (overpayment belongs on the credit account)."""


def append_entry(
    session: Session,
    claim: Claim,
    *,
    component: str,
    amount: int,
    cause: str,
    effective_date: date,
    payment_id: int | None = None,
    staff_user_id: int | None = None,
    source: str | None = None,
) -> LedgerEntry:
    """Append one entry and update the cached balance in the same transaction."""
    if amount == 0:
        raise ValueError("a ledger entry moves money; zero is not an entry")
    column = _CACHE_COLUMN[component]
    new_value = getattr(claim, column) + amount
    if new_value < 0:
        raise NegativeBalance(f"claim {claim.id} {component} would become {new_value}")
    setattr(claim, column, new_value)
    entry = LedgerEntry(
        claim_id=claim.id,
        component=component,
        amount=amount,
        currency=claim.currency,
        effective_date=effective_date,
        cause=cause,
        payment_id=payment_id,
        staff_user_id=staff_user_id,
        source=source,
    )
    session.add(entry)
    return entry


def ledger_balances(session: Session, claim_id: int) -> dict[str, int]:
    """Per-component sums straight from the ledger (what the cache must equal)."""
    rows = session.execute(
        select(LedgerEntry.component, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.claim_id == claim_id)
        .group_by(LedgerEntry.component)
    ).all()
    sums = {"principal": 0, "fee": 0, "interest": 0}
    sums.update({component: int(total) for component, total in rows})
    return sums


def claims_with_cache_mismatch(session: Session) -> list[int]:
    """Ids of claims whose cached balance differs from their ledger (should always be empty)."""
    totals = (
        select(
            LedgerEntry.claim_id.label("claim_id"),
            func.sum(LedgerEntry.amount).filter(LedgerEntry.component == "principal").label("p"),
            func.sum(LedgerEntry.amount).filter(LedgerEntry.component == "fee").label("f"),
            func.sum(LedgerEntry.amount).filter(LedgerEntry.component == "interest").label("i"),
        )
        .group_by(LedgerEntry.claim_id)
        .subquery()
    )
    query = (
        select(Claim.id)
        .outerjoin(totals, totals.c.claim_id == Claim.id)
        .where(
            (Claim.principal_due != func.coalesce(totals.c.p, 0))
            | (Claim.fee_due != func.coalesce(totals.c.f, 0))
            | (Claim.interest_due != func.coalesce(totals.c.i, 0))
        )
    )
    return list(session.scalars(query))
