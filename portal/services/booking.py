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
from portal.models import Debtor
from portal.models import DebtorAccountEntry
from portal.models import Payment
from portal.models import Plan
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
    #: an installment payment for this plan (issue 4): the plan's claims are paid first
    plan_id: int | None = None


@dataclass(frozen=True)
class BookingResult:
    payment: Payment
    #: False when this payment had been booked before (a replayed event): nothing changed
    created: bool


def lock_debtor_for_booking(session: Session, debtor_id: int) -> None:
    """Take the row locks a booking needs, always in one order: the debtor row, then all of
    the debtor's claims by id, each in one statement (PostgreSQL; SQLite has no row locks).

    Two payments of one debtor booked at once (concurrent webhooks, a statement import next
    to a webhook) then wait for each other at the debtor row instead of locking claims in
    different orders and deadlocking: before this, inserting the payment took a key-share
    lock on its earmarked claim (the foreign key) and the claims were then locked by due
    date, so two bookings each held one claim and waited for the other's. FOR NO KEY UPDATE
    is enough (no key changes) and does not conflict with the key-share locks that foreign
    keys of rows being inserted elsewhere take on the debtor and its claims."""
    session.execute(select(Debtor.id).where(Debtor.id == debtor_id).with_for_update(key_share=True))
    session.execute(
        select(Claim.id)
        .where(Claim.debtor_id == debtor_id)
        .order_by(Claim.id)
        .with_for_update(key_share=True)
    )


def open_claims_for_allocation(session: Session, debtor_id: int) -> list[Claim]:
    """Claims a municipal payment may cover: open, not cancelled, not with the collector.
    The caller has locked them already (`lock_debtor_for_booking`); the lock here is the
    same strength, so it never waits for a stronger one."""
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
            .with_for_update(key_share=True)
            # read again under the lock even if loaded before (e.g. when a reference matched)
            .execution_options(populate_existing=True)
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
    # Locks first, in the fixed order, before the payment row (its foreign keys lock too).
    lock_debtor_for_booking(session, incoming.debtor_id)
    payment = Payment(
        provider=incoming.provider,
        provider_reference=incoming.provider_reference,
        amount=incoming.amount,
        currency=incoming.currency,
        method=incoming.method,
        debtor_id=incoming.debtor_id,
        earmarked_claim_id=incoming.earmarked_claim_id,
        plan_id=incoming.plan_id,
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

    to_allocate = incoming.amount
    if incoming.plan_id is not None:
        to_allocate = _apply_to_plan(session, rules, payment, incoming)
    unallocated = 0
    if to_allocate > 0:
        unallocated = _allocate_over_claims(
            session, rules, payment, incoming, to_allocate, actor=actor
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
        unallocated=unallocated,
        **({"plan_id": incoming.plan_id} if incoming.plan_id is not None else {}),
    )
    return BookingResult(payment, created=True)


def _apply_to_plan(
    session: Session, rules: RulePack, payment: Payment, incoming: IncomingPayment
) -> int:
    """Book the payment on its plan's claims first; returns what is left for the others."""
    from portal.services.plans import apply_plan_payment

    plan = session.get(Plan, incoming.plan_id)
    if plan is None or plan.debtor_id != incoming.debtor_id:
        payment.plan_id = None  # not this debtor's plan: an ordinary payment
        return incoming.amount
    result = apply_plan_payment(
        session, rules, plan, payment, incoming.amount, on=incoming.received_on
    )
    return result.unallocated


def _allocate_over_claims(
    session: Session,
    rules: RulePack,
    payment: Payment,
    incoming: IncomingPayment,
    amount: int,
    *,
    actor: Actor,
) -> int:
    """Allocate `amount` over the debtor's open claims; the rest is credit (returned)."""
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
        amount,
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
    return allocation.unallocated


def _find(session: Session, provider: str, reference: str) -> Payment | None:
    return session.scalar(
        select(Payment).where(Payment.provider == provider, Payment.provider_reference == reference)
    )
