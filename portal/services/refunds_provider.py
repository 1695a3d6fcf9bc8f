"""Refunds made at the provider itself (Stripe dashboard), reported by `charge.refunded`.

Booked once per provider refund id: from the credit the payment left first (as far as it is
still free), then as "refund" ledger entries on the claims the payment paid, newest line
first. What neither can take (the credit was used meanwhile) goes to a person as a work item,
never a negative credit. Refunds Saldo made itself through the refund API are known by their
id and change nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import Refund
from portal.services import audit
from portal.services.audit import Actor
from portal.services.credit import available_credit
from portal.services.ledger import append_entry
from portal.services.refunds import book_refund
from portal.services.refunds import mark_payment
from portal.services.work import REFUND_REVIEW
from portal.services.work import open_work_item

log = logging.getLogger(__name__)


def book_provider_refund(
    session: Session,
    payment: Payment,
    *,
    refunds: tuple[tuple[str, int], ...],
    amount_refunded: int | None,
    charge_id: str | None,
    now: datetime,
) -> int:
    """Book the refunds the provider reports for `payment`, once per refund id; returns how
    many were new. Refunds we made ourselves are known by their id and change nothing.

    Without a list of refunds (newer Stripe API versions leave it out), the difference
    between `amount_refunded` and what is known is booked under "<charge>:<amount_refunded>".
    """
    rows = list(refunds)
    if not rows:
        known = _provider_refunded(session, payment.id)
        total = payment.amount if amount_refunded is None else amount_refunded
        if total > known:
            rows = [(f"{charge_id or payment.provider_reference}:{total}", total - known)]
    new = 0
    for refund_id, amount in rows:
        if amount <= 0:
            continue
        # Our own refund whose API call is under way: this waits for its transaction (row
        # lock), so the webhook never books a refund Saldo is booking at the same moment.
        in_flight = _in_flight(session, payment, amount)
        if session.scalar(select(Refund.id).where(Refund.provider_refund_id == refund_id[:120])):
            continue
        if in_flight is not None:
            in_flight.provider_refund_id = refund_id[:120]
            book_refund(session, in_flight, actor=Actor.system(), now=now)
            continue
        _book_unknown_refund(session, payment, refund_id[:120], amount, now=now)
        new += 1
    return new


def _in_flight(session: Session, payment: Payment, amount: int) -> Refund | None:
    """An approved staff refund of this amount to this payment, not confirmed yet."""
    return session.scalar(
        select(Refund)
        .where(
            Refund.payment_id == payment.id,
            Refund.method == "provider",
            Refund.state == "approved",
            Refund.amount == amount,
            Refund.provider_refund_id.is_(None),
        )
        .order_by(Refund.id)
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _provider_refunded(session: Session, payment_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment_id, Refund.state == "executed"
        )
    )
    return int(total or 0)


def _book_unknown_refund(
    session: Session, payment: Payment, provider_refund_id: str, amount: int, *, now: datetime
) -> None:
    """A refund made at the provider: take it from the credit this payment left (as far as it
    is still there), then put it back on the claims the payment paid (cause "refund"). What
    cannot be placed (the credit was used meanwhile) goes to a person as a work item."""
    actor = Actor.system()
    refund = Refund(
        debtor_id=payment.debtor_id,
        amount=amount,
        currency=payment.currency,
        method="provider",
        origin="provider",
        state="executed",
        payment_id=payment.id,
        provider_refund_id=provider_refund_id,
        requested_at=now,
        executed_at=now,
    )
    session.add(refund)
    session.flush()
    left = amount
    if payment.debtor_id is not None:
        overpaid = int(
            session.scalar(
                select(func.coalesce(func.sum(DebtorAccountEntry.amount), 0)).where(
                    DebtorAccountEntry.payment_id == payment.id
                )
            )
            or 0
        )
        credit = available_credit(session, payment.debtor_id, payment.currency)
        usable = max(0, min(left, overpaid, credit))
        if usable:
            session.add(
                DebtorAccountEntry(
                    debtor_id=payment.debtor_id,
                    amount=-usable,
                    currency=payment.currency,
                    cause="refund",
                    payment_id=payment.id,
                )
            )
            left -= usable
    left = _reverse_claim_lines(session, payment, left, refund=refund, on=now.date())
    mark_payment(session, payment.id)
    if left > 0:
        open_work_item(
            session, REFUND_REVIEW, "refund", refund.id, debtor_id=payment.debtor_id, now=now
        )
        log.warning("refund %s: %s could not be placed on credit or claims", refund.id, left)
    audit.record(
        session,
        actor,
        "refund.booked_from_provider",
        object_type="refund",
        object_id=refund.id,
        debtor_id=payment.debtor_id,
        payment_id=payment.id,
        amount=amount,
        unplaced=left,
    )


def _reverse_claim_lines(
    session: Session, payment: Payment, amount: int, *, refund: Refund, on: date
) -> int:
    """Put up to `amount` back on the claims the payment paid, newest line first, never more
    than a line paid minus what earlier refunds put back. Returns what is left."""
    if amount <= 0:
        return 0
    lines = session.execute(
        select(LedgerEntry.claim_id, LedgerEntry.component, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.payment_id == payment.id, LedgerEntry.cause.in_(("payment", "refund")))
        .group_by(LedgerEntry.claim_id, LedgerEntry.component)
        .order_by(LedgerEntry.claim_id.desc())
    ).all()
    left = amount
    for claim_id, component, net in lines:
        paid = -int(net or 0)  # payments are negative entries; refunds put back positive ones
        take = min(left, paid)
        if take <= 0:
            continue
        claim = session.get(Claim, claim_id)
        if claim is None:  # pragma: no cover - a foreign key
            continue
        append_entry(
            session,
            claim,
            component=component,
            amount=take,
            cause="refund",
            effective_date=on,
            payment_id=payment.id,
            source=f"refund:{refund.id}",
        )
        left -= take
        if left == 0:
            break
    return left
