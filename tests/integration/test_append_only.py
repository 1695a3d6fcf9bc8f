"""The ledger, the audit log and the credit entries are append-only: in the ORM and in the
database itself (triggers from the migrations), for anyone who bypasses the ORM."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.append_only import APPEND_ONLY_TABLES
from portal.append_only import AppendOnlyViolation
from portal.models import AuditEvent
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay

MODELS: dict[str, Any] = {
    "ledger_entry": LedgerEntry,
    "audit_event": AuditEvent,
    "debtor_account_entry": DebtorAccountEntry,
}
#: a column of each table and a value to try to write into it
CHANGES = {
    "ledger_entry": ("amount", 1),
    "audit_event": ("action", "tampered"),
    "debtor_account_entry": ("amount", 1),
}


def _one_row_each(session: Session) -> dict[str, Any]:
    """A ledger entry, an audit event and a credit entry, made through the services."""
    debtor = make_debtor(session)
    make_claim(session, debtor, 1_000)  # ledger entry "issued" and audit "claim.issued"
    pay(session, debtor, 1_500)  # 500 beyond the claim: a credit entry
    session.flush()
    return {name: session.scalars(select(model)).first() for name, model in MODELS.items()}


def test_the_guarded_tables_are_the_three_append_only_ones() -> None:
    assert set(APPEND_ONLY_TABLES) == set(MODELS)


@pytest.mark.parametrize("table", sorted(MODELS))
def test_the_orm_refuses_to_update_a_row(db_session: Session, table: str) -> None:
    row = _one_row_each(db_session)[table]
    column, value = CHANGES[table]
    original = getattr(row, column)

    setattr(row, column, value)
    with pytest.raises(AppendOnlyViolation, match=table):
        db_session.flush()

    db_session.expire(row)  # drop the refused change
    assert getattr(db_session.get(MODELS[table], row.id), column) == original


@pytest.mark.parametrize("table", sorted(MODELS))
def test_the_orm_refuses_to_delete_a_row(db_session: Session, table: str) -> None:
    row = _one_row_each(db_session)[table]
    row_id = row.id

    db_session.delete(row)
    with pytest.raises(AppendOnlyViolation, match=table):
        db_session.flush()

    db_session.expunge(row)  # drop the refused delete
    assert db_session.get(MODELS[table], row_id) is not None


@pytest.mark.parametrize("table", sorted(MODELS))
def test_the_database_refuses_a_raw_update(db_session: Session, table: str) -> None:
    row = _one_row_each(db_session)[table]
    column, value = CHANGES[table]
    original = getattr(row, column)

    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(
            text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),  # noqa: S608 - fixed names
            {"value": value, "id": row.id},
        )

    db_session.expire_all()
    assert getattr(db_session.get(MODELS[table], row.id), column) == original


@pytest.mark.parametrize("table", sorted(MODELS))
def test_the_database_refuses_a_raw_delete(db_session: Session, table: str) -> None:
    row_id = _one_row_each(db_session)[table].id

    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(
            text(f"DELETE FROM {table} WHERE id = :id"),  # noqa: S608 - fixed table names
            {"id": row_id},
        )

    db_session.expire_all()
    assert db_session.get(MODELS[table], row_id) is not None


def test_appending_new_rows_still_works(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 1_000)
    pay(db_session, debtor, 400)
    pay(db_session, debtor, 700)
    db_session.flush()

    causes = db_session.scalars(
        select(LedgerEntry.cause).where(LedgerEntry.claim_id == claim.id).order_by(LedgerEntry.id)
    ).all()
    assert causes == ["issued", "payment", "payment"]
