"""Set-based SQL for the bulk paths (statement import): many rows in one statement.

On PostgreSQL each column travels as one array parameter and the statement unnests them:
`INSERT ... SELECT * FROM unnest(...)` and `UPDATE ... FROM unnest(...) WHERE id = v.id`.
The statement text stays short whatever the number of rows (psycopg parses the text of every
statement it sends, and a multi-row VALUES of 500 rows x 20 columns costs more to prepare on
the client than the server needs to run it; an executemany is one statement per row).
Other databases (SQLite, in-process) get an executemany.

On the PostgreSQL path the models' Python-side column defaults are filled in here (one value
per statement, e.g. one `utcnow()`), and type decorators are not applied: callers pass aware
datetimes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import insert
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


def table_of(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)  # noqa: S101 - every model maps one table
    return table


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, key: str | None = None
) -> dict[Any, int]:
    """Insert rows (all with the same keys). With `key` (a unique column), returns
    {that column's value: new id}; otherwise an empty dict."""
    if not rows:
        return {}
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        if key is None:
            session.execute(insert(table), list(rows))
            return {}
        result = session.execute(insert(table).returning(table.c[key], table.c.id), list(rows))
        return {value: row_id for value, row_id in result}
    rows = _with_defaults(table, rows)
    columns = list(rows[0])
    arrays = _arrays(dialect, table, columns, rows)
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 - names from the model
        f"SELECT * FROM unnest({', '.join(arrays)})"
        + (f" RETURNING {key}, id" if key is not None else "")
    )
    result = session.execute(text(statement), _params(table, columns, rows))
    return {value: row_id for value, row_id in result} if key is not None else {}


def update_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Update rows by "id" (every row with the same keys) in one statement."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    columns = [column for column in rows[0] if column != "id"]
    if dialect.name != "postgresql":
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({column: bindparam(f"_{column}") for column in columns})
        )
        session.execute(statement, [{f"_{k}": v for k, v in row.items()} for row in rows])
        return
    names = ["id", *columns]
    arrays = _arrays(dialect, table, names, rows)
    sql = (
        f"UPDATE {table.name} SET "  # noqa: S608 - names from the model
        + ", ".join(f"{column} = v.{column}" for column in columns)
        + f" FROM unnest({', '.join(arrays)}) AS v({', '.join(names)})"
        + f" WHERE {table.name}.id = v.id"
    )
    session.execute(text(sql), _params(table, names, rows))


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """The missing columns' Python-side defaults (scalars, or callables such as utcnow)."""
    extra: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in rows[0] or column.primary_key or default is None:
            continue
        if getattr(default, "is_scalar", False):
            extra[column.name] = getattr(default, "arg", None)
        elif getattr(default, "is_callable", False):
            # SQLAlchemy wraps a callable without arguments to take the execution context
            extra[column.name] = default.arg(None)  # type: ignore[attr-defined]
    return [{**row, **extra} for row in rows] if extra else rows


def _arrays(
    dialect: Dialect, table: Table, columns: list[str], rows: Sequence[dict[str, Any]]
) -> list[str]:
    return [
        f"CAST(:p{i} AS {table.c[column].type.compile(dialect=dialect)}[])"
        for i, column in enumerate(columns)
    ]


def _params(
    table: Table, columns: list[str], rows: Sequence[dict[str, Any]]
) -> dict[str, list[Any]]:
    params: dict[str, list[Any]] = {}
    for i, column in enumerate(columns):
        values = [row[column] for row in rows]
        if isinstance(table.c[column].type, JSON):
            values = [None if value is None else json.dumps(value) for value in values]
        params[f"p{i}"] = values
    return params
