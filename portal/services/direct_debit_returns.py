"""Failed direct debits (issue 8): rejects before settlement, returns after it.

- A **reject** (pain.002, before the collection date) is never booked: the collection
  becomes "rejected" and counts as a failure.
- A **return** after settlement (a camt.053 / camt.054 debit or reversal carrying our
  EndToEndId, up to 8 weeks later, 13 months if unauthorised) undoes the booking with
  opposite ledger entries, cause "correction" (the booking was wrong, money went back to the
  payer's bank; "refund" is for our own payouts of a credit), nothing deleted; the
  installment is open again.

Each failure sends the citizen a kind letter; the second ends the mandate and raises the
"returned_debit" signal. The bank import calls `handle_bank_entry` for every entry: entries
with our EndToEndId are handled here (a credit confirms the booking, never books twice), the
rest go on as before. A return for a collection we do not know goes to the unmatched queue
and changes nothing.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.direct_debit import should_end_mandate
from portal.domain.rules.base import RulePack
from portal.models import BankEntry
from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import DirectDebitCollection
from portal.models import LedgerEntry
from portal.models import Mandate
from portal.models import Payment
from portal.models import Plan
from portal.models import PlanInstallment
from portal.services import audit
from portal.services import signals
from portal.services.audit import Actor
from portal.services.credit import available_credit
from portal.services.direct_debit import end_mandate
from portal.services.direct_debit_batch import END_TO_END_PREFIX
from portal.services.direct_debit_batch import book_collection
from portal.services.ledger import append_entry
from portal.services.letters import create_letter
from portal.services.plans import letter_locale
from portal.services.work import UNMATCHED_PAYMENT
from portal.services.work import open_work_item


class UnknownCollection(LookupError):
    """No collection has this EndToEndId."""


def find_collection(session: Session, end_to_end_id: str | None) -> DirectDebitCollection | None:
    if not end_to_end_id:
        return None
    return session.scalar(
        select(DirectDebitCollection)
        .where(DirectDebitCollection.end_to_end_id == end_to_end_id)
        .with_for_update()
    )


def is_ours(end_to_end_id: str | None) -> bool:
    return bool(end_to_end_id and end_to_end_id.startswith(END_TO_END_PREFIX))


# -- the bank statement hook -----------------------------------------------------------------


def handle_bank_entry(
    session: Session, rules: RulePack, entry: BankEntry, *, actor: Actor, now: datetime
) -> bool:
    """Handle a bank entry that belongs to a direct debit; False leaves it to the import."""
    if not is_ours(entry.end_to_end_id):
        return False
    collection = find_collection(session, entry.end_to_end_id)
    if collection is None:
        _to_queue(session, entry, "direct_debit_unknown", now=now)
        return True
    on = entry.booking_date or entry.value_date or now.astimezone(ZoneInfo(rules.timezone)).date()
    if entry.credit and not entry.reversal:
        _settled(session, rules, entry, collection, on=on, now=now)
    else:
        _returned_entry(session, rules, entry, collection, on=on, actor=actor, now=now)
    return True


def _settled(
    session: Session,
    rules: RulePack,
    entry: BankEntry,
    collection: DirectDebitCollection,
    *,
    on: date,
    now: datetime,
) -> None:
    """The debit arrived on our account: book it now if the batch has not yet (same key)."""
    if collection.state == "submitted":
        book_collection(session, rules, collection, on=on)
    if collection.state != "booked":  # a credit for a failed debit: a person looks
        _to_queue(session, entry, "direct_debit_state", now=now)
        return
    entry.state = "booked"
    entry.reason = None
    entry.payment_id = collection.payment_id


def _returned_entry(
    session: Session,
    rules: RulePack,
    entry: BankEntry,
    collection: DirectDebitCollection,
    *,
    on: date,
    actor: Actor,
    now: datetime,
) -> None:
    if collection.state in ("returned", "rejected"):
        entry.state, entry.reason = "rejected", "already_returned"
        return
    reason = entry.return_reason
    if collection.state == "submitted":
        # Returned before we booked it: as a reject, nothing to undo.
        fail_collection(session, rules, collection, reason=reason, on=on, actor=actor, now=now)
    elif not undo_booking(session, collection, on=on, actor=actor, source=f"bank_entry:{entry.id}"):
        _to_queue(session, entry, "reversal_credit_used", now=now)
        return
    else:
        fail_collection(session, rules, collection, reason=reason, on=on, actor=actor, now=now)
    entry.state = "reversal"
    entry.reason = None
    entry.payment_id = collection.payment_id


def _to_queue(session: Session, entry: BankEntry, reason: str, *, now: datetime) -> None:
    entry.state = "unmatched"
    entry.reason = reason
    session.flush()
    open_work_item(session, UNMATCHED_PAYMENT, "bank_entry", entry.id, now=now)


# -- rejects and returns ---------------------------------------------------------------------


def reject_collection(
    session: Session,
    rules: RulePack,
    end_to_end_id: str,
    *,
    reason: str | None,
    on: date,
    actor: Actor,
    now: datetime,
) -> DirectDebitCollection:
    """A pain.002 reject before settlement. Raises UnknownCollection (nothing changed)."""
    collection = find_collection(session, end_to_end_id)
    if collection is None:
        raise UnknownCollection(end_to_end_id)
    if collection.state == "submitted":
        fail_collection(session, rules, collection, reason=reason, on=on, actor=actor, now=now)
    return collection


def return_collection(
    session: Session,
    rules: RulePack,
    end_to_end_id: str,
    *,
    reason: str | None,
    on: date,
    actor: Actor,
    now: datetime,
) -> DirectDebitCollection:
    """A return after settlement, reported outside a bank statement (e.g. by staff from the
    bank's return list). Undoes the booking once. Raises UnknownCollection."""
    collection = find_collection(session, end_to_end_id)
    if collection is None:
        raise UnknownCollection(end_to_end_id)
    if collection.state == "booked":
        if not undo_booking(session, collection, on=on, actor=actor, source="return"):
            raise ValueError("the credit of this payment was used meanwhile")
        fail_collection(session, rules, collection, reason=reason, on=on, actor=actor, now=now)
    elif collection.state == "submitted":
        fail_collection(session, rules, collection, reason=reason, on=on, actor=actor, now=now)
    return collection


def undo_booking(
    session: Session, collection: DirectDebitCollection, *, on: date, actor: Actor, source: str
) -> bool:
    """Opposite ledger entries for the collection's payment (cause "correction"), the
    installments open again, the payment "reversed". False (nothing changed) when the credit
    the payment left was used meanwhile: a person decides."""
    payment = session.get(Payment, collection.payment_id) if collection.payment_id else None
    if payment is None or payment.state == "reversed":
        return True
    credits = list(
        session.scalars(
            select(DebtorAccountEntry).where(
                DebtorAccountEntry.payment_id == payment.id,
                DebtorAccountEntry.cause == "overpayment",
            )
        )
    )
    overpaid = sum(c.amount for c in credits)
    if overpaid and overpaid > available_credit(session, payment.debtor_id or 0, payment.currency):
        return False
    booked_on_plan = 0
    tag = f"direct_debit_return:{collection.id}:{source}"[:80]
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
            source=tag,
        )
        if line.source and line.source.startswith("plan:"):
            booked_on_plan += -line.amount
    for credit in credits:
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
    _reopen_installments(session, collection, booked_on_plan)
    payment.state = "reversed"
    session.flush()
    audit.record(
        session,
        actor,
        "payment.reversed",
        object_type="payment",
        object_id=payment.id,
        debtor_id=payment.debtor_id,
        direct_debit_collection_id=collection.id,
    )
    return True


def _reopen_installments(session: Session, collection: DirectDebitCollection, amount: int) -> None:
    """Take `amount` off what the plan's installments show as paid: the collection's own
    installment first, then the latest paid ones."""
    if collection.installment_id is None or amount <= 0:
        return  # a claim-type collection: the claim's balance is its own record
    installment = session.get(PlanInstallment, collection.installment_id)
    if installment is None:  # pragma: no cover - a foreign key
        return
    plan = session.get(Plan, installment.plan_id)
    assert plan is not None  # noqa: S101 - a foreign key
    order = [installment] + [i for i in reversed(plan.installments) if i.id != installment.id]
    left = amount
    for item in order:
        take = min(left, item.paid_amount)
        if take > 0:
            item.paid_amount -= take
            left -= take
            if item.state == "paid":
                item.state = "due"
        if left == 0:
            break


def fail_collection(
    session: Session,
    rules: RulePack,
    collection: DirectDebitCollection,
    *,
    reason: str | None,
    on: date,
    actor: Actor,
    now: datetime,
) -> None:
    """Record the failure, tell the citizen kindly; the second failure ends the mandate and
    raises the "returned_debit" signal."""
    was_booked = collection.state == "booked"
    collection.state = "returned" if was_booked else "rejected"
    collection.failure_reason = (reason or "")[:4] or None
    collection.failed_on = on
    mandate = session.get(Mandate, collection.mandate_id)
    assert mandate is not None  # noqa: S101 - a foreign key
    mandate.failures += 1
    ended = mandate.state == "active" and should_end_mandate(mandate.failures)
    if ended:
        end_mandate(session, mandate, reason="returns", on=on, actor=actor)
        signals.raise_signal(session, mandate.debtor_id, signals.RETURNED_DEBIT, now=now)
    installment = (
        session.get(PlanInstallment, collection.installment_id)
        if collection.installment_id
        else None
    )
    claim = session.get(Claim, collection.claim_id) if collection.claim_id else None
    create_letter(
        session,
        debtor_id=mandate.debtor_id,
        kind="direct_debit_returned",
        template="direct_debit_returned_letter.html",
        context={
            "collection": collection,
            "installment": installment,
            "claim": claim,
            "mandate": mandate,
            "ended": ended,
            "currency": collection.currency,
        },
        locale=letter_locale(session, rules, mandate.debtor_id),
        letter_date=on,
    )
    session.flush()
    audit.record(
        session,
        actor,
        "direct_debit.collection_failed",
        object_type="direct_debit_collection",
        object_id=collection.id,
        debtor_id=mandate.debtor_id,
        state=collection.state,
        reason=collection.failure_reason,
        mandate_ended=ended,
    )
