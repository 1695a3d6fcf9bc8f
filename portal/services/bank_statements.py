"""Bank statement import (camt.053 / camt.054): store, then match and book in chunks.

1. The file is read as a stream (`camt_parser.iter_camt`) and its entries are stored in
   bulk, in state "received", all inside one savepoint: a statement for another account
   (WrongAccount) or a file that turns out unreadable half-way (CamtError) stores nothing.
   The caller's `checkpoint` (a commit in the CLI and the upload view) then makes them
   durable before anything is booked.
2. The received entries are processed `statement_matching.CHUNK` at a time, set-based, each
   chunk in a savepoint followed by a checkpoint: a crash loses at most one chunk's work, and
   importing the same file again finds the statement (idempotent on Stmt/Id + ElctrncSeqNb)
   and processes whatever is still "received". A chunk that fails is rolled back and done
   again one entry at a time (`bank_entries.process_entry`), so a bad entry goes to the
   queue alone.

Credits are matched by a validated reference (§4.3 pitfall 4) and booked under the entry key
(the payment's provider reference, unique), so the same booking in a camt.054 and a later
camt.053 is booked once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from datetime import datetime
from typing import IO

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.models import BankEntry
from portal.models import BankStatement
from portal.payments.camt_parser import MAX_FILE_BYTES
from portal.payments.camt_parser import iter_camt
from portal.services.audit import Actor
from portal.services.bank_entries import PROVIDER as PROVIDER
from portal.services.bank_entries import SUBJECT as SUBJECT
from portal.services.bank_entries import EntryNotAssignable as EntryNotAssignable
from portal.services.bank_entries import book_entry as book_entry
from portal.services.bank_entries import process_entry
from portal.services.bank_entries import reference_schemes as reference_schemes
from portal.services.bank_entries import to_queue
from portal.services.bank_storage import ImportSummary
from portal.services.bank_storage import WrongAccount as WrongAccount
from portal.services.bank_storage import store_stream
from portal.services.statement_matching import CHUNK
from portal.services.statement_matching import process_chunk

log = logging.getLogger(__name__)


def _no_checkpoint() -> None:
    return None


def import_statement(
    session: Session,
    rules: RulePack,
    config: Config,
    data: bytes | IO[bytes],
    *,
    actor: Actor,
    now: datetime,
    checkpoint: Callable[[], None] = _no_checkpoint,
    progress: Callable[[int, int], None] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> ImportSummary:
    """Import a camt file (its bytes, or a binary file read as a stream, up to `max_bytes`).
    Raises CamtError (unreadable/unsupported) or WrongAccount, and then nothing is stored.
    `checkpoint` is called when the entries are stored and after each processed chunk; the
    CLI and the view pass a commit. `progress(done, total)` is called after each chunk (the
    CLI shows a bar)."""
    summary = ImportSummary()
    with session.begin_nested():  # a file that fails half-way leaves nothing behind
        store_stream(
            session,
            iter_camt(data, max_bytes=max_bytes),
            actor=actor,
            now=now,
            summary=summary,
            own_iban=config.payee_iban,
        )
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
    oldest first, a chunk at a time; `checkpoint()` and `progress(done, total)` after each."""
    summary = summary or ImportSummary()
    query = select(BankEntry.id).where(BankEntry.state == "received").order_by(BankEntry.id)
    if statement_ids is not None:
        query = query.where(BankEntry.statement_id.in_(list(statement_ids)))
    entry_ids = list(session.scalars(query))
    for start in range(0, len(entry_ids), CHUNK):
        chunk = entry_ids[start : start + CHUNK]
        entries = list(
            session.scalars(
                select(BankEntry)
                .where(BankEntry.id.in_(chunk), BankEntry.state == "received")
                .order_by(BankEntry.id)
            )
        )
        try:
            with session.begin_nested():
                process_chunk(session, rules, entries, actor=actor, now=now)
                session.flush()
        except Exception as exc:
            # Only the error type is logged: database errors quote parameters (payer names).
            log.warning(
                "bank entries %s-%s: chunk failed (%s), processing them one by one",
                chunk[0],
                chunk[-1],
                type(exc).__name__,
            )
            entries = [
                entry
                for entry_id in chunk
                if (entry := _process_one(session, rules, entry_id, actor=actor, now=now))
            ]
        for entry in entries:
            summary.count(entry.state, entry.reason)
        checkpoint()
        if progress is not None:
            progress(start + len(chunk), len(entry_ids))
    return summary


def _process_one(
    session: Session, rules: RulePack, entry_id: int, *, actor: Actor, now: datetime
) -> BankEntry | None:
    """One entry in its own savepoint; a failure sends it to the queue for a person."""
    entry = session.get(BankEntry, entry_id)
    if entry is None or entry.state != "received":  # pragma: no cover - concurrent import
        return None
    try:
        with session.begin_nested():
            process_entry(session, rules, entry, actor=actor, now=now)
            entry.processed_at = now
            session.flush()
    except Exception as exc:
        # One bad entry must not stop the rest: it waits in the queue for a person.
        log.error("bank entry %s could not be processed: %s", entry_id, type(exc).__name__)
        entry = session.get(BankEntry, entry_id)
        if entry is None:  # pragma: no cover
            return None
        to_queue(session, entry, "processing_error", now=now)
    return entry


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
