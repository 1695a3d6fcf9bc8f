"""Booking a payment exactly once: allocate it over the debtor's claims, surplus to credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.allocation import ClaimDebt
from portal.domain.allocation import allocate
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import Payment
from portal.services import audit
from portal.services.audit import Actor
from portal.services.ledger import append_entry


@dataclass(frozen=True)
class IncomingPayment:
    provider: str
    provider_reference: str
    amount: int
    currency: str
    method: str
    debtor_id: int
    received_on: date
    earmarked_claim_id: int | None = None


@dataclass(frozen=True)
class BookingResult:
    payment: Payment
    #: False when this payment had been booked before (a replayed event): nothing changed
    created: bool


def open_claims_for_allocation(session: Session, debtor_id: int) -> list[Claim]:
    """Claims a municipal payment may cover: open, not cancelled, not with the collector."""
    return list(
        session.scalars(
            select(Claim)
            .where(
                Claim.debtor_id == debtor_id,
                Claim.cancelled_on.is_(None),
                Claim.handed_over_on.is_(None),
                (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
            )
            .order_by(Claim.due_date, Claim.id)
            .with_for_update()
        )
    )


def book_payment(
    session: Session, rules: RulePack, incoming: IncomingPayment, *, actor: Actor
) -> BookingResult:
    """Store and allocate a payment. A second call with the same provider reference is a no-op."""
    existing = _find(session, incoming.provider, incoming.provider_reference)
    if existing is not None:
        return BookingResult(existing, created=False)
    if incoming.amount <= 0:
        raise ValueError("a payment amount is positive")
    payment = Payment(
        provider=incoming.provider,
        provider_reference=incoming.provider_reference,
        amount=incoming.amount,
        currency=incoming.currency,
        method=incoming.method,
        debtor_id=incoming.debtor_id,
        earmarked_claim_id=incoming.earmarked_claim_id,
        received_on=incoming.received_on,
        state="received",
    )
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        # A concurrent delivery of the same event won the race: it is booked once, by it.
        existing = _find(session, incoming.provider, incoming.provider_reference)
        if existing is None:
            raise
        return BookingResult(existing, created=False)

    claims = open_claims_for_allocation(session, incoming.debtor_id)
    by_id = {claim.id: claim for claim in claims}
    debts = [
        ClaimDebt(
            claim_id=claim.id,
            due_date=claim.due_date,
            issue_date=claim.issue_date,
            fee=claim.fee_due,
            interest=claim.interest_due,
            principal=claim.principal_due,
        )
        for claim in claims
    ]
    allocation = allocate(
        incoming.amount,
        debts,
        component_order=rules.component_order,
        earmarked_claim_id=incoming.earmarked_claim_id,
    )
    for line in allocation.lines:
        append_entry(
            session,
            by_id[line.claim_id],
            component=str(line.component),
            amount=-line.amount,
            cause="payment",
            effective_date=incoming.received_on,
            payment_id=payment.id,
            staff_user_id=actor.staff_user_id,
        )
    if allocation.unallocated:
        session.add(
            DebtorAccountEntry(
                debtor_id=incoming.debtor_id,
                amount=allocation.unallocated,
                currency=incoming.currency,
                cause="overpayment",
                payment_id=payment.id,
            )
        )
    payment.state = "allocated"
    audit.record(
        session,
        actor,
        "payment.booked",
        object_type="payment",
        object_id=payment.id,
        debtor_id=incoming.debtor_id,
        amount=incoming.amount,
        provider=incoming.provider,
        unallocated=allocation.unallocated,
    )
    return BookingResult(payment, created=True)


def _find(session: Session, provider: str, reference: str) -> Payment | None:
    return session.scalar(
        select(Payment).where(Payment.provider == provider, Payment.provider_reference == reference)
    )
