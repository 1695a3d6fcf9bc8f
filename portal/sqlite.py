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

Several writers (gunicorn workers, a batch next to the web app): a deferred transaction that
has read and then writes must upgrade its lock; if another writer committed meanwhile, SQLite
answers "database is locked" at once, whatever busy_timeout says (its snapshot is stale).
So a transaction that may write begins with BEGIN IMMEDIATE: it takes the write lock at the
start and a second writer waits (busy_timeout) instead of failing. Transactions begun while
serving a safe HTTP request (GET, HEAD, OPTIONS) stay deferred: in WAL they read a snapshot
and never wait for a writer, so pages are not queued behind bookings. Everything else (POST
requests, webhooks, CLI commands, batches) begins IMMEDIATE.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask import request
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

#: how long a writer waits for another writer's transaction before "database is locked"
BUSY_TIMEOUT_MS = 15_000

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
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


def begin_statement() -> str:
    """BEGIN for a transaction that only reads (a safe HTTP request), else BEGIN IMMEDIATE."""
    if has_request_context() and request.method in _READ_ONLY_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def _on_begin(connection: Connection) -> None:
    connection.exec_driver_sql(begin_statement())


def make_sqlite_honest(engine: Engine) -> None:
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)
    if not _in_memory(engine):
        event.listen(engine, "connect", _on_connect_file)
    event.listen(engine, "begin", _on_begin)
