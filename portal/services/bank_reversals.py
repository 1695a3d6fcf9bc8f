"""Reversals in a bank statement (RvslInd): the original booking is undone with opposite,
appended entries (cause "correction"); §4.3 pitfall 2."""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.camt import NOT_PROVIDED
from portal.models import BankEntry
from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.services import audit
from portal.services.audit import Actor
from portal.services.credit import available_credit
from portal.services.ledger import append_entry


def process_reversal(session: Session, entry: BankEntry, *, actor: Actor) -> str | None:
    """Undo the original booking with opposite entries (append-only, cause "correction");
    §4.3 pitfall 2. Returns why it must go to the queue instead (an unknown original, a
    credit used meanwhile), or None when it was undone."""
    original = _original_of(session, entry)
    if original is None or original.payment_id is None:
        return "reversal_unknown"
    payment = session.get(Payment, original.payment_id)
    if payment is None or payment.state == "reversed":
        return "reversal_unknown"
    overpaid = sum(
        session.scalars(
            select(DebtorAccountEntry.amount).where(
                DebtorAccountEntry.payment_id == payment.id,
                DebtorAccountEntry.cause == "overpayment",
            )
        )
    )
    if (
        overpaid
        and payment.debtor_id is not None
        and overpaid > available_credit(session, payment.debtor_id, payment.currency)
    ):
        # The credit this payment left was applied or refunded meanwhile: taking it back
        # would make the credit negative. Nothing is booked; a person decides.
        return "reversal_credit_used"
    source = f"reversal:bank_entry:{entry.id}"
    on = entry.booking_date or payment.received_on
    for line in session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.payment_id == payment.id, LedgerEntry.cause == "payment")
        .order_by(LedgerEntry.id)
    ):
        claim = session.get(Claim, line.claim_id)
        assert claim is not None  # noqa: S101 - a foreign key
        append_entry(
            session,
            claim,
            component=line.component,
            amount=-line.amount,
            cause="correction",
            effective_date=on,
            payment_id=payment.id,
            staff_user_id=actor.staff_user_id,
            source=source,
        )
    for credit in session.scalars(
        select(DebtorAccountEntry).where(
            DebtorAccountEntry.payment_id == payment.id,
            DebtorAccountEntry.cause == "overpayment",
        )
    ):
        session.add(
            DebtorAccountEntry(
                debtor_id=credit.debtor_id,
                amount=-credit.amount,
                currency=credit.currency,
                cause="correction",
                payment_id=payment.id,
                staff_user_id=actor.staff_user_id,
            )
        )
    payment.state = "reversed"
    entry.state = "reversal"
    entry.reversal_of_id = original.id
    entry.payment_id = payment.id
    entry.claim_id = original.claim_id
    audit.record(
        session,
        actor,
        "payment.reversed",
        object_type="payment",
        object_id=payment.id,
        debtor_id=payment.debtor_id,
        bank_entry_id=entry.id,
    )
    return None


def _original_of(session: Session, entry: BankEntry) -> BankEntry | None:
    """The booked credit a reversal cancels: same AcctSvcrRef, or same EndToEndId and amount."""
    same_ref = BankEntry.acct_svcr_ref == entry.acct_svcr_ref if entry.acct_svcr_ref else None
    same_e2e = (
        BankEntry.end_to_end_id == entry.end_to_end_id
        if entry.end_to_end_id and entry.end_to_end_id != NOT_PROVIDED
        else None
    )
    matches = [m for m in (same_ref, same_e2e) if m is not None]
    if not matches:
        return None
    return session.scalar(
        select(BankEntry)
        .join(Payment, Payment.id == BankEntry.payment_id)
        .where(
            BankEntry.account_iban == entry.account_iban,
            BankEntry.reversal.is_(False),
            BankEntry.credit.is_(True),
            BankEntry.state.in_(("booked", "assigned")),
            BankEntry.amount == entry.amount,
            Payment.state != "reversed",
            or_(*matches),
        )
        .order_by(BankEntry.id)
        .limit(1)
    )
