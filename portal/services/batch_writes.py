"""Set-based reads and writes shared by the money steps of the daily batch (dunning, interest).

- `id_filter`: `column IN (ids)` as one array parameter on PostgreSQL (`= ANY(:ids)`). An
  expanded IN list of 500 placeholders cost more CPU to render and parse (SQLAlchemy's
  post-compile expansion, psycopg's query conversion) than the query took on the server.
- `bulk_insert`: many rows in one statement (arrays through unnest on PostgreSQL).
- `append_entries`: the bulk form of `ledger.append_entry` (ledger entries and the cached
  balance in the same transaction, in SQL).
- `insert_suppressed`: the bulk form of `holds.record_suppressed_charge`.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from typing import cast

from sqlalchemy import BigInteger
from sqlalchemy import Table
from sqlalchemy import any_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import SuppressedCharge
from portal.models.base import utcnow
from portal.services.bulk_sql import insert_rows


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def id_filter(session: Session, column: Any, ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN (ids)`: one array parameter on PostgreSQL, an IN list elsewhere."""
    if is_postgresql(session):
        values = bindparam(None, sorted(set(ids)), type_=ARRAY(BigInteger))
        return cast(ColumnElement[bool], column == any_(values))
    return cast(ColumnElement[bool], column.in_(sorted(set(ids))))


@dataclass(frozen=True)
class Booking:
    """One ledger entry the batch appends: `amount` (> 0) on `component` of a claim."""

    claim_id: int
    component: str
    amount: int
    currency: str
    cause: str
    source: str


COMPONENTS = ("fee", "interest")


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT `rows` (dicts with the same keys) in one statement: `bulk_sql.insert_rows`, the
    statement import's writer (PostgreSQL: `INSERT ... SELECT FROM unnest(arrays)`, one array
    per column, since an executemany sent one statement per row and that per-row protocol work
    was most of the batch's time per reminder; SQLite: executemany, in process)."""
    insert_rows(session, table, [dict(row) for row in rows])


def _update_claims(session: Session, changes: Sequence[tuple[int, int, int, int | None]]) -> None:
    """For each (claim id, fee, interest, reminders sent or None): `fee_due += fee`,
    `interest_due += interest`, `reminders_sent = n` where given — ONE new row version per
    claim. PostgreSQL: one UPDATE ... FROM unnest(arrays); SQLite: executemany. Callers lock
    the claims first, so the order does not matter."""
    if not changes:
        return
    claim = cast(Table, Claim.__table__)
    if is_postgresql(session):
        columns = zip(*changes, strict=True)
        rows = (
            func.unnest(
                *(
                    bindparam(f"c_{name}", list(values), type_=ARRAY(BigInteger))
                    for name, values in zip(("id", "fee", "interest", "sent"), columns, strict=True)
                )
            )
            .table_valued("id", "fee", "interest", "sent")
            .render_derived(name="changes")
        )
        session.execute(
            update(claim)
            .where(claim.c.id == rows.c.id)
            .values(
                fee_due=claim.c.fee_due + rows.c.fee,
                interest_due=claim.c.interest_due + rows.c.interest,
                reminders_sent=func.coalesce(rows.c.sent, claim.c.reminders_sent),
            )
        )
        return
    session.execute(
        update(claim)
        .where(claim.c.id == bindparam("b_id"))
        .values(
            fee_due=claim.c.fee_due + bindparam("b_fee"),
            interest_due=claim.c.interest_due + bindparam("b_interest"),
            reminders_sent=func.coalesce(bindparam("b_sent"), claim.c.reminders_sent),
        ),
        [{"b_id": i, "b_fee": f, "b_interest": n, "b_sent": r} for i, f, n, r in changes],
    )


def append_entries(
    session: Session,
    bookings: Sequence[Booking],
    *,
    effective_date: date,
    reminders_sent: Mapping[int, int] | None = None,
) -> None:
    """The bulk form of `ledger.append_entry` for the batch: the entries and the cached balance
    (`fee_due` / `interest_due` += amount, in SQL) in the same transaction, in two statements
    instead of two ORM objects per claim. Also sets `reminders_sent` where given.

    Claim objects already in the session are expired, so they read the new balances.
    """
    now = utcnow()
    bulk_insert(
        session,
        cast(Table, LedgerEntry.__table__),
        [
            {
                "claim_id": b.claim_id,
                "component": b.component,
                "amount": b.amount,
                "currency": b.currency,
                "effective_date": effective_date,
                "cause": b.cause,
                "source": b.source,
                "recorded_at": now,
            }
            for b in bookings
        ],
    )
    fees: dict[int, int] = {}  # one row per claim: UPDATE ... FROM applies one match only
    interest: dict[int, int] = {}
    for b in bookings:
        if b.component not in COMPONENTS:
            raise ValueError(f"the batch books fees and interest, not {b.component!r}")
        total = fees if b.component == "fee" else interest
        total[b.claim_id] = total.get(b.claim_id, 0) + b.amount
    sent = dict(reminders_sent or {})
    changed = set(fees) | set(interest) | set(sent)
    _update_claims(
        session,
        [(c, fees.get(c, 0), interest.get(c, 0), sent.get(c)) for c in sorted(changed)],
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Claim) and obj.id in changed:
            session.expire(obj)


def insert_suppressed(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Record avoided charges in one statement; a row already there (same claim and action key,
    e.g. written by a second batch at the same moment) is left as it is.

    The bulk form of `holds.record_suppressed_charge` (one query and savepoint per row is too
    slow for a batch over every claim).
    """
    if not rows:
        return
    table = cast(Table, SuppressedCharge.__table__)
    statement = (
        postgresql_insert(table) if is_postgresql(session) else sqlite_insert(table)
    ).on_conflict_do_nothing(index_elements=["claim_id", "action_key"])
    session.execute(statement, [{"created_at": utcnow(), **row} for row in rows])
