"""Issuing claims: the one way a claim comes to exist (seed, API and imports all call it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.references import make_reference
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import ClaimType
from portal.models import Debtor
from portal.services import audit
from portal.services.audit import Actor
from portal.services.ledger import append_entry


class ClaimRejected(ValueError):
    """The claim cannot be issued; `code` says why (for API problem details and messages)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NewClaim:
    debtor_id: int
    claim_type_code: str
    amount: int
    issue_date: date
    due_date: date
    description: str
    external_id: str | None = None
    currency: str | None = None


def issue_claim(session: Session, rules: RulePack, new: NewClaim, *, actor: Actor) -> Claim:
    """Create the claim, give it a payment reference, and book its principal in the ledger."""
    if isinstance(new.amount, bool) or not isinstance(new.amount, int) or new.amount <= 0:
        raise ClaimRejected("amount", "the amount must be a positive whole number of minor units")
    if new.due_date < new.issue_date:
        raise ClaimRejected("due_date", "the due date is before the issue date")
    currency = new.currency or rules.currency
    if currency != rules.currency:
        raise ClaimRejected("currency", f"this installation bills in {rules.currency}")
    if not new.description.strip():
        raise ClaimRejected("description", "a claim needs a description")
    claim_type = session.scalar(select(ClaimType).where(ClaimType.code == new.claim_type_code))
    if claim_type is None:
        raise ClaimRejected("claim_type", f"unknown claim type {new.claim_type_code!r}")
    if session.get(Debtor, new.debtor_id) is None:
        raise ClaimRejected("debtor", "unknown debtor")

    claim = Claim(
        debtor_id=new.debtor_id,
        department_id=claim_type.department_id,
        claim_type_id=claim_type.id,
        external_id=new.external_id,
        description=new.description.strip()[:300],
        currency=currency,
        issue_date=new.issue_date,
        due_date=new.due_date,
        original_amount=new.amount,
        principal_due=0,
        fee_due=0,
        interest_due=0,
        reminders_sent=0,
    )
    session.add(claim)
    session.flush()  # the reference is derived from the id
    claim.reference = make_reference(rules.reference_scheme, claim.id)
    append_entry(
        session,
        claim,
        component="principal",
        amount=new.amount,
        cause="issued",
        effective_date=new.issue_date,
        staff_user_id=actor.staff_user_id,
        source=f"{actor.kind}:issue",
    )
    audit.record(
        session,
        actor,
        "claim.issued",
        object_type="claim",
        object_id=claim.id,
        debtor_id=new.debtor_id,
        claim_type=new.claim_type_code,
        amount=new.amount,
    )
    return claim
