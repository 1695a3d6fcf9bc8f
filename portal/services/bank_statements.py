"""Bank statement import (camt.053 / camt.054): store, then match and book entry by entry.

1. The file is parsed (`parse_camt`) and checked against the installation's account; a
   statement for another account refuses the whole file, nothing stored.
2. Statements and their entries are stored in state "received"; the caller's `checkpoint`
   (a commit in the CLI and the upload view) makes them durable before anything is booked.
3. Each received entry is processed in its own savepoint, with a checkpoint after each, so a
   crash loses nothing: importing the same file again finds the statement (idempotent on
   Stmt/Id + ElctrncSeqNb) and processes whatever is still "received".

Credits are matched by a validated reference (§4.3 pitfall 4) and booked with `book_payment`
under the entry key, so the same booking in a camt.054 and a later camt.053 is booked once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.camt import NOT_PROVIDED
from portal.domain.camt import CamtDocument
from portal.domain.camt import candidate_references
from portal.domain.camt import compact_iban
from portal.domain.camt import is_stripe_payout
from portal.domain.plans import PlanState
from portal.domain.references import ReferenceScheme
from portal.domain.rules.base import RulePack
from portal.models import BankEntry
from portal.models import BankStatement
from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import Plan
from portal.models import PlanClaim
from portal.payments.camt_parser import parse_camt
from portal.services import audit
from portal.services import direct_debit_returns
from portal.services.audit import Actor
from portal.services.bank_storage import ImportSummary
from portal.services.bank_storage import store_document
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.credit import available_credit
from portal.services.ledger import append_entry
from portal.services.work import UNMATCHED_PAYMENT
from portal.services.work import open_work_item

log = logging.getLogger(__name__)

SUBJECT = "bank_entry"
PROVIDER = "bank"


class WrongAccount(ValueError):
    """The statement is for another account than the installation's payee IBAN."""


class EntryNotAssignable(ValueError):
    """Only an unmatched incoming payment can be assigned; `reason` says why not."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _no_checkpoint() -> None:
    return None


def import_statement(
    session: Session,
    rules: RulePack,
    config: Config,
    data: bytes,
    *,
    actor: Actor,
    now: datetime,
    checkpoint: Callable[[], None] = _no_checkpoint,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import a camt file. Raises CamtError (unreadable/unsupported) or WrongAccount before
    anything is stored. `checkpoint` is called when the entries are stored and after each
    processed entry; the CLI and the view pass a commit. `progress(done, total)` is called
    after each processed entry (the CLI shows a bar)."""
    document = parse_camt(data)
    check_account(document, config.payee_iban)
    summary = ImportSummary()
    store_document(session, document, actor=actor, now=now, summary=summary)
    checkpoint()
    process_received(
        session,
        rules,
        summary.statement_ids,
        actor=actor,
        now=now,
        summary=summary,
        checkpoint=checkpoint,
        progress=progress,
    )
    return summary


def check_account(document: CamtDocument, payee_iban: str) -> None:
    own = compact_iban(payee_iban)
    for statement in document.statements:
        if statement.account_iban != own:
            raise WrongAccount("this statement is for another account")


# -- processing ------------------------------------------------------------------------------


def process_received(
    session: Session,
    rules: RulePack,
    statement_ids: Iterable[int] | None = None,
    *,
    actor: Actor,
    now: datetime,
    summary: ImportSummary | None = None,
    checkpoint: Callable[[], None] = _no_checkpoint,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Match and book every entry still in state "received" (of these statements, or all),
    each in its own savepoint, oldest first. `progress(done, total)` after each entry."""
    summary = summary or ImportSummary()
    query = select(BankEntry.id).where(BankEntry.state == "received").order_by(BankEntry.id)
    if statement_ids is not None:
        query = query.where(BankEntry.statement_id.in_(list(statement_ids)))
    entry_ids = list(session.scalars(query))
    for done, entry_id in enumerate(entry_ids, start=1):
        if progress is not None and done > 1:
            progress(done - 1, len(entry_ids))
        entry = session.get(BankEntry, entry_id)
        if entry is None or entry.state != "received":  # pragma: no cover - concurrent import
            continue
        try:
            with session.begin_nested():
                _process(session, rules, entry, actor=actor, now=now)
                entry.processed_at = now
                session.flush()
        except Exception as exc:
            # One bad entry must not stop the rest: it waits in the queue for a person. Only
            # the error type is logged: database errors quote parameters (payer names).
            log.error("bank entry %s could not be processed: %s", entry_id, type(exc).__name__)
            entry = session.get(BankEntry, entry_id)
            if entry is None:  # pragma: no cover
                continue
            _to_queue(session, entry, "processing_error", now=now)
        summary.count(entry.state, entry.reason)
        checkpoint()
    if progress is not None:
        progress(len(entry_ids), len(entry_ids))
    return summary


def reference_schemes(rules: RulePack) -> frozenset[ReferenceScheme]:
    return frozenset({ReferenceScheme(rules.reference_scheme), ReferenceScheme.RF})


def _process(
    session: Session, rules: RulePack, entry: BankEntry, *, actor: Actor, now: datetime
) -> None:
    if entry.currency != rules.currency:
        _reject(entry, "currency")
        return
    if direct_debit_returns.handle_bank_entry(session, rules, entry, actor=actor, now=now):
        return  # our direct debit (EndToEndId "SALDO-DD-..."): settled or returned (issue 8)
    if entry.reversal:
        _process_reversal(session, entry, actor=actor, now=now)
        return
    if not entry.credit:
        _reject(entry, "debit")
        return
    text = f"{entry.remittance} {entry.additional_info}"
    if is_stripe_payout(
        credit=entry.credit, reversal=entry.reversal, debtor_name=entry.debtor_name, text=text
    ):
        entry.state = "payout"
        return
    if entry.without_details:
        _to_queue(session, entry, "no_details", now=now)
        return
    structured, found = candidate_references(
        [entry.structured_ref] if entry.structured_ref else [],
        entry.remittance,
        reference_schemes(rules),
    )
    claim, reason = _match(session, structured, found)
    if claim is None:
        _to_queue(session, entry, reason, now=now)
        return
    book_entry(session, rules, entry, claim, actor=actor, now=now)
    entry.state = "booked"


def _match(session: Session, structured: list[str], found: list[str]) -> tuple[Claim | None, str]:
    """The claim a credit pays, or (None, why not). Structured references win over text;
    candidates of different debtors are ambiguous (§4.3 pitfall 5: match on the reference)."""
    if not structured and not found:
        return None, "no_reference"
    claims = session.scalars(select(Claim).where(Claim.reference.in_(structured + found))).all()
    by_ref = {claim.reference: claim for claim in claims}
    candidates = [by_ref[r] for r in structured if r in by_ref] or [
        by_ref[r] for r in found if r in by_ref
    ]
    if not candidates:
        return None, "unknown_reference"
    if len({claim.debtor_id for claim in candidates}) > 1:
        return None, "ambiguous"
    return candidates[0], "matched"


def book_entry(
    session: Session,
    rules: RulePack,
    entry: BankEntry,
    claim: Claim,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    if entry.entry_key is None:  # pragma: no cover - duplicates are never processed
        raise EntryNotAssignable("duplicate")
    result = book_payment(
        session,
        rules,
        IncomingPayment(
            provider=PROVIDER,
            provider_reference=entry.entry_key,
            amount=entry.amount,
            currency=entry.currency,
            method="bank_transfer",
            debtor_id=claim.debtor_id,
            received_on=_received_on(entry, rules, now),
            earmarked_claim_id=claim.id,
            # a transfer with the reference of a claim in an active plan pays the plan
            # (the installment pay page shows that reference)
            plan_id=_active_plan_of(session, claim),
        ),
        actor=actor,
    )
    entry.payment_id = result.payment.id
    entry.claim_id = claim.id
    entry.reason = None


def _active_plan_of(session: Session, claim: Claim) -> int | None:
    return session.scalar(
        select(Plan.id)
        .join(PlanClaim, PlanClaim.plan_id == Plan.id)
        .where(PlanClaim.claim_id == claim.id, Plan.state == PlanState.ACTIVE.value)
        .limit(1)
    )


def _received_on(entry: BankEntry, rules: RulePack, now: datetime) -> date:
    return entry.booking_date or entry.value_date or now.astimezone(ZoneInfo(rules.timezone)).date()


def _reject(entry: BankEntry, reason: str) -> None:
    entry.state = "rejected"
    entry.reason = reason


def _to_queue(session: Session, entry: BankEntry, reason: str, *, now: datetime) -> None:
    entry.state = "unmatched"
    entry.reason = reason
    session.flush()
    open_work_item(session, UNMATCHED_PAYMENT, SUBJECT, entry.id, now=now)


def _process_reversal(session: Session, entry: BankEntry, *, actor: Actor, now: datetime) -> None:
    """Undo the original booking with opposite entries (append-only, cause "correction");
    §4.3 pitfall 2. An unknown original goes to the queue."""
    original = _original_of(session, entry)
    if original is None or original.payment_id is None:
        _to_queue(session, entry, "reversal_unknown", now=now)
        return
    payment = session.get(Payment, original.payment_id)
    if payment is None or payment.state == "reversed":
        _to_queue(session, entry, "reversal_unknown", now=now)
        return
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
        _to_queue(session, entry, "reversal_credit_used", now=now)
        return
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


def statement_counts(session: Session, statement_ids: list[int]) -> dict[int, Counter[str]]:
    """Entry states per statement, for the staff page's list of recent imports."""
    counts: dict[int, Counter[str]] = {sid: Counter() for sid in statement_ids}
    rows = session.execute(
        select(BankEntry.statement_id, BankEntry.state, func.count())
        .where(BankEntry.statement_id.in_(statement_ids))
        .group_by(BankEntry.statement_id, BankEntry.state)
    )
    for statement_id, state, number in rows:
        counts[statement_id][state] = int(number)
    return counts


def recent_statements(session: Session, limit: int = 10) -> list[BankStatement]:
    return list(
        session.scalars(select(BankStatement).order_by(BankStatement.id.desc()).limit(limit))
    )
