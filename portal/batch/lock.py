"""One run at a time: a PostgreSQL advisory lock around a whole batch or import (issue 10).

Several app servers may each have the same cron line; when two start at the same minute,
the second must do nothing rather than charge a fee or book a payment a second time:

    with batch_lock(db.session(), "run-batch") as acquired:
        if not acquired:
            click.echo("another run is in progress")
            return
        ...

The lock is taken with `pg_try_advisory_lock` on a connection of its own, held until the
block ends: the session's own connection goes back to the pool at every commit, and a
session-level advisory lock belongs to the connection that took it. If the process dies,
PostgreSQL drops the connection and with it the lock, so a crash never leaves it stuck.

On SQLite this is a no-op that always grants the lock: SQLite is the single-process demo
database (one file, one server), and it has no advisory locks. Production runs PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A fixed signed 64-bit key per lock name (the same on every server)."""
    digest = hashlib.sha256(f"saldo:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


@contextmanager
def batch_lock(session: Session, name: str) -> Iterator[bool]:
    """Yield True when this process holds the lock `name` for the block, False when another
    process holds it (then do nothing). Never waits."""
    engine = _engine(session)
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(name)
    with engine.connect() as connection:
        acquired = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        connection.commit()  # end the implicit transaction; the session-level lock stays
        try:
            yield acquired
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
