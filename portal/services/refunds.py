"""Refunds of a debtor's credit: requested by one staff member, approved by another (four eyes),
executed by a pain.001 export (bank) or the provider's refund API (card / online payment).

decisions.md "Payments": refunds are executed, not just noted. The credit is set aside from the
moment of the request (`reserved_credit`), so it cannot be applied or refunded twice; it leaves
the account (a DebtorAccountEntry debit, cause "refund") when the refund is executed: when the
export is marked as sent, or when the provider confirmed the refund.

A refund made at the provider itself (Stripe dashboard) arrives as `charge.refunded`; see
portal/services/refunds_provider.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import schwifty
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import Debtor
from portal.models import DebtorAccountEntry
from portal.models import Payment
from portal.models import Refund
from portal.models.refund import RESERVING_STATES
from portal.services import audit
from portal.services.audit import Actor
from portal.services.credit import available_credit
from portal.services.credit import credit_balance
from portal.services.credit import reserved_credit

log = logging.getLogger(__name__)

#: Online payments that can be refunded through their provider.
PROVIDERS = ("stripe", "sandbox")
#: A refund provider: (payment reference, amount, idempotency key) -> the provider's refund id.
Refunder = Callable[[str, int, str], str]


class RefundRefused(ValueError):
    """A refund cannot be requested or decided; `code` says why: invalid_amount,
    exceeds_credit, invalid_iban, missing_holder, no_such_payment, exceeds_payment,
    same_person, stale, not_found, invalid_method, reason_missing."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class RefundablePayment:
    payment: Payment
    #: what may still go back to this payment (its amount minus refunds made or pending)
    refundable: int


@dataclass(frozen=True)
class DebtorCredit:
    debtor: Debtor
    currency: str
    balance: int
    #: the balance minus refunds requested, approved or exported (not yet executed)
    available: int


# -- reading ----------------------------------------------------------------------------------


def debtors_with_credit(session: Session, currency: str) -> list[DebtorCredit]:
    """Debtors whose credit balance is above zero, largest first."""
    balance = func.sum(DebtorAccountEntry.amount)
    rows = session.execute(
        select(DebtorAccountEntry.debtor_id, balance)
        .where(DebtorAccountEntry.currency == currency)
        .group_by(DebtorAccountEntry.debtor_id)
        .having(balance > 0)
        .order_by(balance.desc(), DebtorAccountEntry.debtor_id)
    ).all()
    result = []
    for debtor_id, total in rows:
        debtor = session.get(Debtor, debtor_id)
        if debtor is None:  # pragma: no cover - a foreign key
            continue
        reserved = reserved_credit(session, debtor_id, currency)
        result.append(DebtorCredit(debtor, currency, int(total), int(total) - reserved))
    return result


def refunded_or_pending(session: Session, payment_id: int) -> int:
    """What went back (or is on its way back) to this payment."""
    total = session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment_id,
            Refund.state.in_((*RESERVING_STATES, "executed")),
        )
    )
    return int(total or 0)


def refundable_payments(session: Session, debtor_id: int, currency: str) -> list[RefundablePayment]:
    """The debtor's online payments that can still take a refund, newest first."""
    payments = session.scalars(
        select(Payment)
        .where(
            Payment.debtor_id == debtor_id,
            Payment.currency == currency,
            Payment.provider.in_(PROVIDERS),
            Payment.state.in_(("allocated", "refunded")),
        )
        .order_by(Payment.received_on.desc(), Payment.id.desc())
    ).all()
    result = []
    for payment in payments:
        left = payment.amount - refunded_or_pending(session, payment.id)
        if left > 0:
            result.append(RefundablePayment(payment, left))
    return result


def awaiting_approval(session: Session) -> list[Refund]:
    """Refunds requested and not decided yet, oldest first."""
    return list(
        session.scalars(select(Refund).where(Refund.state == "requested").order_by(Refund.id))
    )


def approved_bank_refunds(session: Session, currency: str) -> list[Refund]:
    """Approved bank refunds waiting for a pain.001 export, oldest first."""
    return list(
        session.scalars(
            select(Refund)
            .where(
                Refund.state == "approved",
                Refund.method == "bank",
                Refund.currency == currency,
            )
            .order_by(Refund.id)
        )
    )


def approved_provider_refunds(session: Session) -> list[Refund]:
    """Approved card/online refunds the provider has not taken yet (to try again)."""
    return list(
        session.scalars(
            select(Refund)
            .where(Refund.state == "approved", Refund.method == "provider")
            .order_by(Refund.id)
        )
    )


def refunds_for_debtor(session: Session, debtor_id: int) -> list[Refund]:
    return list(
        session.scalars(
            select(Refund).where(Refund.debtor_id == debtor_id).order_by(Refund.id.desc())
        )
    )


# -- requesting and deciding ------------------------------------------------------------------


def validate_iban(text: str) -> tuple[str, str | None]:
    """The compact IBAN and its BIC (when the bank registry knows it); raises RefundRefused."""
    try:
        iban = schwifty.IBAN(text or "")
    except ValueError:
        raise RefundRefused("invalid_iban", "not a valid IBAN") from None
    try:
        bic = str(iban.bic) if iban.bic else None
    except ValueError:  # pragma: no cover - an unknown bank code
        bic = None
    return iban.compact, bic


def request_refund(
    session: Session,
    *,
    debtor_id: int,
    amount: int,
    currency: str,
    method: str,
    staff_user_id: int,
    submission_key: str,
    now: datetime,
    iban: str | None = None,
    account_holder: str | None = None,
    payment_id: int | None = None,
    note: str | None = None,
) -> Refund:
    """A staff member asks to refund `amount` of the debtor's credit (state "requested").

    The same `submission_key` twice returns the first refund (a double click makes one).
    Raises RefundRefused; nothing is stored then."""
    existing = _by_key(session, submission_key)
    if existing is not None:
        return existing
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RefundRefused("invalid_amount")
    if method not in ("bank", "provider"):
        raise RefundRefused("invalid_method")
    # Lock the debtor row: two requests for the same credit are checked one after the other.
    debtor = session.scalar(select(Debtor).where(Debtor.id == debtor_id).with_for_update())
    if debtor is None:
        raise RefundRefused("not_found")
    if amount > available_credit(session, debtor_id, currency):
        raise RefundRefused("exceeds_credit")
    bic = None
    holder = (account_holder or "").strip()
    if method == "bank":
        iban, bic = validate_iban(iban or "")
        if not holder:
            raise RefundRefused("missing_holder")
        payment_id = None
    else:
        payment = session.get(Payment, payment_id) if payment_id else None
        if (
            payment is None
            or payment.debtor_id != debtor_id
            or payment.provider not in PROVIDERS
            or payment.currency != currency
        ):
            raise RefundRefused("no_such_payment")
        if amount > payment.amount - refunded_or_pending(session, payment.id):
            raise RefundRefused("exceeds_payment")
        iban = None
    refund = Refund(
        debtor_id=debtor_id,
        amount=amount,
        currency=currency,
        method=method,
        origin="staff",
        state="requested",
        iban=iban,
        bic=bic,
        account_holder=holder[:70] or None,
        payment_id=payment_id,
        note=(note or "").strip() or None,
        submission_key=submission_key,
        requested_by_id=staff_user_id,
        requested_at=now,
    )
    try:
        with session.begin_nested():
            session.add(refund)
            session.flush()
    except IntegrityError:
        existing = _by_key(session, submission_key)
        if existing is None:
            raise
        return existing
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "refund.requested",
        object_type="refund",
        object_id=refund.id,
        debtor_id=debtor_id,
        amount=amount,
        method=method,
    )
    return refund


def _by_key(session: Session, key: str) -> Refund | None:
    if not key:
        raise RefundRefused("stale", "no submission key")
    return session.scalar(select(Refund).where(Refund.submission_key == key))


def _locked(session: Session, refund_id: int) -> Refund:
    refund = session.scalar(
        select(Refund)
        .where(Refund.id == refund_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if refund is None:
        raise RefundRefused("not_found")
    return refund


def approve_refund(
    session: Session, refund_id: int, *, staff_user_id: int, expected_state: str, now: datetime
) -> Refund:
    """The second person approves. The requester may not approve (four eyes); a decision on
    a refund that changed since the page was shown is refused (stale); the credit is
    checked again."""
    refund = _locked(session, refund_id)
    if refund.state != expected_state or refund.state != "requested":
        raise RefundRefused("stale")
    if refund.requested_by_id == staff_user_id:
        raise RefundRefused("same_person")
    balance = credit_balance(session, refund.debtor_id, refund.currency)
    if reserved_credit(session, refund.debtor_id, refund.currency) > balance:
        raise RefundRefused("exceeds_credit")
    refund.state = "approved"
    refund.decided_by_id = staff_user_id
    refund.decided_at = now
    session.flush()
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "refund.approved",
        object_type="refund",
        object_id=refund.id,
        debtor_id=refund.debtor_id,
        amount=refund.amount,
    )
    return refund


def reject_refund(
    session: Session,
    refund_id: int,
    *,
    staff_user_id: int,
    reason: str,
    expected_state: str,
    now: datetime,
) -> Refund:
    """The second person rejects (with a reason); the credit is free again."""
    refund = _locked(session, refund_id)
    if refund.state != expected_state or refund.state != "requested":
        raise RefundRefused("stale")
    if refund.requested_by_id == staff_user_id:
        raise RefundRefused("same_person")
    if not reason.strip():
        raise RefundRefused("reason_missing")
    refund.state = "rejected"
    refund.decided_by_id = staff_user_id
    refund.decided_at = now
    refund.reject_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "refund.rejected",
        object_type="refund",
        object_id=refund.id,
        debtor_id=refund.debtor_id,
    )
    return refund


# -- executing --------------------------------------------------------------------------------


def book_refund(session: Session, refund: Refund, *, actor: Actor, now: datetime) -> None:
    """The money left: debit the credit (never below zero) and mark the refund executed."""
    if refund.state == "executed":
        return
    if refund.amount > credit_balance(session, refund.debtor_id, refund.currency):
        raise RefundRefused("exceeds_credit")
    session.add(
        DebtorAccountEntry(
            debtor_id=refund.debtor_id,
            amount=-refund.amount,
            currency=refund.currency,
            cause="refund",
            payment_id=refund.payment_id,
            staff_user_id=actor.staff_user_id,
        )
    )
    refund.state = "executed"
    refund.executed_at = now
    mark_payment(session, refund.payment_id)
    session.flush()
    audit.record(
        session,
        actor,
        "refund.executed",
        object_type="refund",
        object_id=refund.id,
        debtor_id=refund.debtor_id,
        amount=refund.amount,
        method=refund.method,
    )


def execute_provider_refund(
    session: Session, refund_id: int, *, refunder: Refunder, staff_user_id: int, now: datetime
) -> Refund:
    """Send an approved card/online refund through the provider and book it. Call it after
    the approval is committed; the idempotency key ("saldo-refund-<id>") makes a retry one
    refund at the provider. Raises the provider's ProviderUnavailable (nothing booked)."""
    refund = _locked(session, refund_id)
    if refund.state == "executed":
        return refund
    if refund.state != "approved" or refund.method != "provider":
        raise RefundRefused("stale")
    payment = session.get(Payment, refund.payment_id)
    if payment is None:  # pragma: no cover - a check constraint
        raise RefundRefused("no_such_payment")
    refund.provider_refund_id = refunder(
        payment.provider_reference, refund.amount, f"saldo-refund-{refund.id}"
    )[:120]
    book_refund(session, refund, actor=Actor.staff(staff_user_id), now=now)
    return refund


def mark_payment(session: Session, payment_id: int | None) -> None:
    payment = session.get(Payment, payment_id) if payment_id else None
    if payment is None:
        return
    executed = session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment.id, Refund.state == "executed"
        )
    )
    if int(executed or 0) >= payment.amount:
        payment.state = "refunded"
