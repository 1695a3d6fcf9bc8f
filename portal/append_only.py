"""The ledger and the audit log are append-only: the ORM refuses updates and deletes.

The migrations add database triggers that refuse them too, for anyone bypassing the ORM.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

APPEND_ONLY_TABLES = ("ledger_entry", "audit_event", "debtor_account_entry")


class AppendOnlyViolation(RuntimeError):
    """Something tried to change or delete a row of an append-only table."""


def _check(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in APPEND_ONLY_TABLES and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise AppendOnlyViolation(f"{table} rows are never updated or deleted")


def install_append_only_guard() -> None:
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
