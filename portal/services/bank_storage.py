"""Storing a parsed statement before anything is booked, so a crash loses nothing:
idempotent per statement (id + sequence) and per entry (its key).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.camt import CamtDocument
from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.domain.camt import entry_key
from portal.models import BankEntry
from portal.models import BankStatement
from portal.services import audit
from portal.services.audit import Actor

log = logging.getLogger(__name__)


_KEY_CHUNK = 500


@dataclass
class ImportSummary:
    statements_new: int = 0
    statements_already: int = 0
    #: transactions in the file, pending ones included
    entries_read: int = 0
    #: PDNG / INFO entries: not final, not stored (the booked version comes later)
    not_final: int = 0
    booked: int = 0
    duplicates: int = 0
    unmatched: int = 0
    payouts: int = 0
    reversals: int = 0
    rejected: int = 0
    rejected_reasons: Counter[str] = field(default_factory=Counter)
    statement_ids: list[int] = field(default_factory=list)

    @property
    def already_imported(self) -> bool:
        return self.statements_new == 0 and self.statements_already > 0

    def count(self, state: str, reason: str | None) -> None:
        if state in ("booked", "assigned"):
            self.booked += 1
        elif state == "unmatched":
            self.unmatched += 1
        elif state == "payout":
            self.payouts += 1
        elif state == "reversal":
            self.reversals += 1
        elif state == "rejected":
            self.rejected += 1
            self.rejected_reasons[reason or "unknown"] += 1


def store_document(
    session: Session,
    document: CamtDocument,
    *,
    actor: Actor,
    now: datetime,
    summary: ImportSummary,
) -> None:
    """Store each statement not seen before with its entries in state "received"."""
    for statement in document.statements:
        summary.entries_read += sum(max(1, len(e.transactions)) for e in statement.entries)
        existing = _find_statement(session, statement)
        if existing is not None:
            summary.statements_already += 1
            summary.statement_ids.append(existing.id)
            continue
        row = BankStatement(
            message_type=statement.message_type,
            version=statement.version,
            statement_id=statement.statement_id,
            sequence_number=statement.sequence_number or 0,
            account_iban=statement.account_iban,
            imported_at=now,
            imported_by_id=actor.staff_user_id,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            # A concurrent import of the same statement won; it processes the entries.
            summary.statements_already += 1
            continue
        summary.statements_new += 1
        summary.statement_ids.append(row.id)
        row.entries_count = _store_entries(session, row, statement, summary)
        audit.record(
            session,
            actor,
            "bank_statement.imported",
            object_type="bank_statement",
            object_id=row.id,
            entries=row.entries_count,
        )
    session.flush()


def _find_statement(session: Session, statement: CamtStatement) -> BankStatement | None:
    return session.scalar(
        select(BankStatement).where(
            BankStatement.account_iban == statement.account_iban,
            BankStatement.message_type == statement.message_type,
            BankStatement.statement_id == statement.statement_id,
            BankStatement.sequence_number == (statement.sequence_number or 0),
        )
    )


def _transactions(entry: CamtEntry) -> tuple[CamtTransaction, ...]:
    """The entry's TxDtls, or the entry itself as one transaction when it has none."""
    if entry.transactions:
        return entry.transactions
    return (CamtTransaction(index=0, amount=entry.amount, currency=entry.currency),)


def _store_entries(
    session: Session, row: BankStatement, statement: CamtStatement, summary: ImportSummary
) -> int:
    rows: list[tuple[str, BankEntry]] = []
    for entry in statement.entries:
        if not entry.is_booked:
            summary.not_final += max(1, len(entry.transactions))
            continue
        for tx in _transactions(entry):
            key = entry_key(statement.account_iban, entry, tx)
            rows.append((key, _entry_row(row, statement, entry, tx)))
    known = _existing_keys(session, [key for key, _ in rows])
    for key, bank_entry in rows:
        if key in known:
            bank_entry.state = "duplicate"
            bank_entry.reason = "already_imported"
            bank_entry.duplicate_of_id = known[key]
            summary.duplicates += 1
        else:
            bank_entry.entry_key = key
        session.add(bank_entry)
        if bank_entry.entry_key is not None:
            # Repeats inside this file point at the first one (its id is known after flush).
            session.flush()
            known[key] = bank_entry.id
    session.flush()
    return len(rows)


def _entry_row(
    row: BankStatement, statement: CamtStatement, entry: CamtEntry, tx: CamtTransaction
) -> BankEntry:
    details = bool(entry.transactions)
    return BankEntry(
        statement_id=row.id,
        account_iban=statement.account_iban,
        entry_index=entry.index,
        tx_index=tx.index,
        acct_svcr_ref=entry.acct_svcr_ref or tx.acct_svcr_ref,
        end_to_end_id=tx.end_to_end_id,
        amount=tx.amount,
        currency=tx.currency,
        credit=entry.credit,
        reversal=entry.reversal,
        booking_date=entry.booking_date,
        value_date=entry.value_date,
        remittance=tx.unstructured if details else entry.additional_info,
        additional_info=entry.additional_info,
        structured_ref=tx.structured_refs[0] if tx.structured_refs else None,
        debtor_name=tx.debtor_name,
        debtor_iban=tx.debtor_iban,
        without_details=not details,
        return_reason=(tx.return_reason or "")[:4] or None,
        state="received",
    )


def _existing_keys(session: Session, keys: list[str]) -> dict[str, int]:
    known: dict[str, int] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), _KEY_CHUNK):
        chunk = unique[start : start + _KEY_CHUNK]
        rows = session.execute(
            select(BankEntry.entry_key, BankEntry.id).where(BankEntry.entry_key.in_(chunk))
        )
        known.update({key: entry_id for key, entry_id in rows if key is not None})
    return known
