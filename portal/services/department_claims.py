"""What a department may do with its own claims after sending them (issue 7).

Cancel and credit append ledger entries (never delete, never update an amount in place);
payments since a cursor let a department's bookkeeping follow what was paid. Every lookup
is scoped to the department: another department's claim is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.status import SETTLED_BY_STATUS
from portal.domain.status import CitizenStatus
from portal.domain.status import ClaimFacts
from portal.domain.status import derive_status
from portal.models import Claim
from portal.models import Department
from portal.models import LedgerEntry
from portal.services import audit
from portal.services.audit import Actor
from portal.services.holds import active_hold_reasons
from portal.services.ledger import append_entry
from portal.services.online_payments import pending_claim_ids

MAX_REASON = 300


class ClaimClosed(ValueError):
    """The claim is cancelled (or otherwise cannot take this change)."""


class CreditTooLarge(ValueError):
    """A credit larger than the principal still due."""


def department_claim(session: Session, department: Department, claim_id: int) -> Claim | None:
    """The claim when it belongs to the department, else None (the API answers 404)."""
    return session.scalar(
        select(Claim).where(Claim.id == claim_id, Claim.department_id == department.id)
    )


def claim_status(session: Session, claim: Claim, *, as_of: date, now: datetime) -> CitizenStatus:
    """The status the citizen sees, derived the same way as on the overview."""
    holds = active_hold_reasons(session, [claim.id], as_of).get(claim.id, frozenset())
    settled_by: str | None = None
    if claim.balance == 0:
        last = session.scalar(
            select(LedgerEntry.cause)
            .where(LedgerEntry.claim_id == claim.id, LedgerEntry.amount < 0)
            .order_by(LedgerEntry.id.desc())
            .limit(1)
        )
        settled_by = last if last in SETTLED_BY_STATUS else None
    return derive_status(
        ClaimFacts(
            balance=claim.balance,
            due_date=claim.due_date,
            reminders_sent=claim.reminders_sent,
            hold_reasons=holds,
            in_active_plan="plan" in holds,
            handed_over=claim.handed_over_on is not None,
            cancelled=claim.cancelled_on is not None,
            settled_by=settled_by,
            payment_pending=claim.id in pending_claim_ids(session, claim.debtor_id, now),
        ),
        as_of,
    )


def cancel_claim(
    session: Session, claim: Claim, *, on: date, actor: Actor, token_id: int | None
) -> bool:
    """Bring every component to zero with "cancellation" entries and mark the claim cancelled.

    Idempotent: a cancelled claim stays as it is (returns False). Payments stay booked.
    """
    if claim.cancelled_on is not None:
        return False
    for component, due in (
        ("principal", claim.principal_due),
        ("fee", claim.fee_due),
        ("interest", claim.interest_due),
    ):
        if due > 0:
            append_entry(
                session,
                claim,
                component=component,
                amount=-due,
                cause="cancellation",
                effective_date=on,
                source=f"{actor.kind}:cancel",
            )
    claim.cancelled_on = on
    audit.record(
        session,
        actor,
        "claim.cancelled",
        object_type="claim",
        object_id=claim.id,
        debtor_id=claim.debtor_id,
        department=claim.department.code,
        token_id=token_id,
    )
    return True


def credit_claim(
    session: Session,
    claim: Claim,
    amount: int,
    *,
    reason: str,
    on: date,
    actor: Actor,
    token_id: int | None,
) -> LedgerEntry:
    """Lower the principal by `amount` (a "correction" entry). `reason` is a code (see the
    OpenAPI document), never free text: audit details carry codes, never personal data."""
    if claim.cancelled_on is not None:
        raise ClaimClosed("the claim is cancelled")
    if amount > claim.principal_due:
        raise CreditTooLarge(f"at most {claim.principal_due}")
    entry = append_entry(
        session,
        claim,
        component="principal",
        amount=-amount,
        cause="correction",
        effective_date=on,
        source=f"{actor.kind}:credit",
    )
    session.flush()
    audit.record(
        session,
        actor,
        "claim.credited",
        object_type="claim",
        object_id=claim.id,
        debtor_id=claim.debtor_id,
        department=claim.department.code,
        token_id=token_id,
        amount=amount,
        reason=reason,
        ledger_entry_id=entry.id,
    )
    return entry


@dataclass(frozen=True)
class PaymentLine:
    entry_id: int
    claim_id: int
    external_id: str | None
    component: str
    #: money received for this claim (positive); a reversal shows as a negative amount
    amount: int
    currency: str
    effective_date: date
    payment_id: int | None


def payments_since(
    session: Session, department: Department, *, since: int, limit: int
) -> list[PaymentLine]:
    """Payment ledger entries on the department's claims with an id above `since`, by id."""
    rows = session.execute(
        select(LedgerEntry, Claim.external_id)
        .join(Claim, Claim.id == LedgerEntry.claim_id)
        .where(
            Claim.department_id == department.id,
            LedgerEntry.cause == "payment",
            LedgerEntry.id > since,
        )
        .order_by(LedgerEntry.id)
        .limit(limit)
    ).all()
    return [
        PaymentLine(
            entry_id=entry.id,
            claim_id=entry.claim_id,
            external_id=external_id,
            component=entry.component,
            amount=-entry.amount,
            currency=entry.currency,
            effective_date=entry.effective_date,
            payment_id=entry.payment_id,
        )
        for entry, external_id in rows
    ]
