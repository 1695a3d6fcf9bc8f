"""Storing a parsed statement before anything is booked, so a crash loses nothing:
idempotent per statement (id + sequence) and per entry (its key). Entries are inserted in
bulk while the file is still being read (`store_stream`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.camt import CamtDocument
from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.domain.camt import compact_iban
from portal.domain.camt import entry_key
from portal.models import BankEntry
from portal.models import BankStatement
from portal.services import audit
from portal.services.audit import Actor
from portal.services.bulk_sql import insert_rows
from portal.services.bulk_sql import table_of

log = logging.getLogger(__name__)


_KEY_CHUNK = 500
#: entries per INSERT while storing
_CHUNK = 2000


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


class WrongAccount(ValueError):
    """The statement is for another account than the installation's payee IBAN."""


def store_document(
    session: Session,
    document: CamtDocument,
    *,
    actor: Actor,
    now: datetime,
    summary: ImportSummary,
) -> None:
    """Store each statement not seen before with its entries in state "received"."""
    items: list[CamtStatement | CamtEntry] = []
    for statement in document.statements:
        items.append(statement)
        items.extend(statement.entries)
    store_stream(session, items, actor=actor, now=now, summary=summary)


def store_stream(
    session: Session,
    items: Iterable[CamtStatement | CamtEntry],
    *,
    actor: Actor,
    now: datetime,
    summary: ImportSummary,
    own_iban: str | None = None,
) -> None:
    """Store a parsed stream (each statement header followed by its entries, as
    `camt_parser.iter_camt` yields them) in bulk, `_CHUNK` entries per INSERT. A statement for
    another account than `own_iban` raises WrongAccount. Nothing is committed here: the
    caller undoes everything when the stream fails half-way (a truncated file)."""
    writer: _StatementWriter | None = None
    for item in items:
        if isinstance(item, CamtStatement):
            if writer is not None:
                writer.finish()
            if own_iban is not None and item.account_iban != compact_iban(own_iban):
                raise WrongAccount("this statement is for another account")
            writer = _StatementWriter(session, item, actor=actor, now=now, summary=summary)
            continue
        if writer is None:  # pragma: no cover - the parser yields a header first
            raise ValueError("an entry before its statement")
        writer.add(item)
    if writer is not None:
        writer.finish()
    session.flush()


class _StatementWriter:
    """One statement's row and its entries, inserted in chunks; repeats of an entry (the same
    key, in this file or stored before) are stored as "duplicate" pointing at the first."""

    def __init__(
        self,
        session: Session,
        statement: CamtStatement,
        *,
        actor: Actor,
        now: datetime,
        summary: ImportSummary,
    ) -> None:
        self.session, self.statement, self.actor, self.summary = session, statement, actor, summary
        self.row = _new_statement(session, statement, actor=actor, now=now, summary=summary)
        self.count = 0
        self.pending: list[dict[str, Any]] = []
        self.pending_keys: set[str] = set()
        #: keys stored by this import so far (their id is looked up only for a repeat)
        self.stored_keys: set[str] = set()

    def add(self, entry: CamtEntry) -> None:
        self.summary.entries_read += max(1, len(entry.transactions))
        if self.row is None:
            return  # already imported: its entries are there
        if not entry.is_booked:
            self.summary.not_final += max(1, len(entry.transactions))
            return
        for tx in _transactions(entry):
            key = entry_key(self.statement.account_iban, entry, tx)
            if key in self.pending_keys:
                self._flush()  # a repeat inside this chunk: the first one needs its id
            self.pending.append(_entry_values(self.row.id, self.statement, entry, tx, key))
            self.pending_keys.add(key)
            self.count += 1
        if len(self.pending) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        keys = [values["entry_key"] for values in self.pending]
        known = _existing_keys(self.session, keys) if keys else {}
        for values in self.pending:
            key = values["entry_key"]
            if key in known or key in self.stored_keys:
                values["state"] = "duplicate"
                values["reason"] = "already_imported"
                values["duplicate_of_id"] = known.get(key) or _existing_keys(
                    self.session, [key]
                ).get(key)
                values["entry_key"] = None
                self.summary.duplicates += 1
            else:
                self.stored_keys.add(key)
        insert_rows(self.session, table_of(BankEntry), self.pending)
        self.pending = []
        self.pending_keys = set()

    def finish(self) -> None:
        self._flush()
        if self.row is None:
            return
        self.row.entries_count = self.count
        audit.record(
            self.session,
            self.actor,
            "bank_statement.imported",
            object_type="bank_statement",
            object_id=self.row.id,
            entries=self.count,
        )


def _new_statement(
    session: Session,
    statement: CamtStatement,
    *,
    actor: Actor,
    now: datetime,
    summary: ImportSummary,
) -> BankStatement | None:
    """The new statement's row, or None when it was imported before."""
    existing = _find_statement(session, statement)
    if existing is not None:
        summary.statements_already += 1
        summary.statement_ids.append(existing.id)
        return None
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
        return None
    summary.statements_new += 1
    summary.statement_ids.append(row.id)
    return row


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


def _entry_values(
    statement_row_id: int,
    statement: CamtStatement,
    entry: CamtEntry,
    tx: CamtTransaction,
    key: str,
) -> dict[str, Any]:
    details = bool(entry.transactions)
    return {
        "statement_id": statement_row_id,
        "entry_key": key,
        "account_iban": statement.account_iban,
        "entry_index": entry.index,
        "tx_index": tx.index,
        "acct_svcr_ref": entry.acct_svcr_ref or tx.acct_svcr_ref,
        "end_to_end_id": tx.end_to_end_id,
        "amount": tx.amount,
        "currency": tx.currency,
        "credit": entry.credit,
        "reversal": entry.reversal,
        "booking_date": entry.booking_date,
        "value_date": entry.value_date,
        "remittance": tx.unstructured if details else entry.additional_info,
        "additional_info": entry.additional_info,
        "structured_ref": tx.structured_refs[0] if tx.structured_refs else None,
        "debtor_name": tx.debtor_name,
        "debtor_iban": tx.debtor_iban,
        "without_details": not details,
        "return_reason": (tx.return_reason or "")[:4] or None,
        "state": "received",
        "reason": None,
        "duplicate_of_id": None,
    }


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
