"""Desk mode: a staff member helps a citizen at the counter and acts on their behalf.

Starting and ending a visit is audited with the reason and how identity was checked; every
action in between is audited with both people (Actor.staff(..., on_behalf_of=debtor)). A
payment taken at the desk (cash or the card terminal) is booked once per receipt number.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack
from portal.models import AuditEvent
from portal.models import Debtor
from portal.models import Payment
from portal.services import audit
from portal.services.audit import Actor
from portal.services.booking import BookingResult
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment

#: why the citizen came to the desk (codes; the page shows the words)
VISIT_REASONS = ("pay", "question", "plan", "overview", "remission", "dispute", "other")
#: how the staff member checked who the citizen is
CHECK_METHODS = ("id_card", "passport", "driving_licence", "known")
#: desk payment methods (Payment.method)
DESK_METHODS = ("desk_card", "desk_cash")
DESK_PROVIDER = "desk"
MAX_RECEIPT = 40


class DeskError(ValueError):
    """A desk request that cannot be done. `reason` is a code the view turns into words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def start_visit(
    session: Session, *, staff_user_id: int, debtor_id: int, reason: str, check_method: str
) -> AuditEvent:
    """Record the start of desk mode. Raises DeskError (no_debtor, bad_reason, bad_check)."""
    if session.get(Debtor, debtor_id) is None:
        raise DeskError("no_debtor")
    if reason not in VISIT_REASONS:
        raise DeskError("bad_reason")
    if check_method not in CHECK_METHODS:
        raise DeskError("bad_check")
    event = audit.record(
        session,
        Actor.staff(staff_user_id, on_behalf_of=debtor_id),
        "desk.started",
        object_type="debtor",
        object_id=debtor_id,
        reason=reason,
        identity_check=check_method,
    )
    session.flush()
    return event


def end_visit(
    session: Session, *, staff_user_id: int, debtor_id: int, how: str = "ended"
) -> AuditEvent:
    """Record the end of desk mode (`how`: ended, logout, switched)."""
    return audit.record(
        session,
        Actor.staff(staff_user_id, on_behalf_of=debtor_id),
        "desk.ended",
        object_type="debtor",
        object_id=debtor_id,
        how=how,
    )


def normalise_receipt(raw: str) -> str:
    """The receipt number as the terminal or cash register prints it, without spaces."""
    return "".join((raw or "").split()).upper()


def register_desk_payment(
    session: Session,
    rules: RulePack,
    *,
    staff_user_id: int,
    debtor_id: int,
    amount: int,
    method: str,
    receipt_number: str,
    received_on: date,
) -> BookingResult:
    """Book money taken at the desk, once per receipt number.

    The same receipt again for the same debtor and amount returns the first booking
    (created=False). Raises DeskError: bad_amount, bad_method, bad_receipt, receipt_used
    (the receipt was booked for another debtor or amount).
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DeskError("bad_amount")
    if method not in DESK_METHODS:
        raise DeskError("bad_method")
    receipt = normalise_receipt(receipt_number)
    if not receipt or len(receipt) > MAX_RECEIPT:
        raise DeskError("bad_receipt")
    reference = f"receipt:{receipt}"
    existing = _find(session, reference)
    if existing is not None and (existing.debtor_id != debtor_id or existing.amount != amount):
        raise DeskError("receipt_used")
    result = book_payment(
        session,
        rules,
        IncomingPayment(
            provider=DESK_PROVIDER,
            provider_reference=reference,
            amount=amount,
            currency=rules.currency,
            method=method,
            debtor_id=debtor_id,
            received_on=received_on,
        ),
        actor=Actor.staff(staff_user_id, on_behalf_of=debtor_id),
    )
    if result.created:
        audit.record(
            session,
            Actor.staff(staff_user_id, on_behalf_of=debtor_id),
            "desk.payment_registered",
            object_type="payment",
            object_id=result.payment.id,
            amount=amount,
            method=method,
        )
    return result


def _find(session: Session, reference: str) -> Payment | None:
    return session.scalar(
        select(Payment).where(
            Payment.provider == DESK_PROVIDER, Payment.provider_reference == reference
        )
    )
