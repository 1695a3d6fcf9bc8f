"""SQLite as an honest embedded database: real transactions, savepoints and foreign keys.

pysqlite delays BEGIN on its own and so breaks SAVEPOINT (used when a payment is booked
inside a nested transaction); the SQLAlchemy-documented fix is to let SQLAlchemy emit BEGIN.
SQLite also ignores foreign keys unless asked per connection.
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


def _on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def make_sqlite_honest(engine: Engine) -> None:
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
