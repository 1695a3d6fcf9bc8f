"""SQLite as an honest embedded database: real transactions, savepoints and foreign keys.

pysqlite delays BEGIN on its own and so breaks SAVEPOINT (used when a payment is booked
inside a nested transaction); the SQLAlchemy-documented fix is to let SQLAlchemy emit BEGIN.
SQLite also ignores foreign keys unless asked per connection.

A file database runs in WAL mode with synchronous=NORMAL: a commit appends to the write-ahead
log without an fsync of a rollback journal each time (the CSV claim import commits often).
Durability trade-off: WAL+NORMAL never corrupts the database and loses nothing when the
application (or the process) crashes; on a power loss or an OS crash the last transactions
committed before it may be lost (rolled back), never half-applied. Readers no longer block the
writer. An in-memory database keeps SQLite's defaults (WAL does not apply to it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _on_connect_file(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _in_memory(engine: Engine) -> bool:
    database = engine.url.database or ""
    return (
        database in ("", ":memory:")
        or "mode=memory" in database
        or (engine.url.query.get("mode") == "memory")
    )


def _on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def make_sqlite_honest(engine: Engine) -> None:
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)
    if not _in_memory(engine):
        event.listen(engine, "connect", _on_connect_file)
    event.listen(engine, "begin", _on_begin)
