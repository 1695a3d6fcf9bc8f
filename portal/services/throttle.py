"""A rate limiter in the database, so every app server counts the same attempts.

Only attempts are stored (append only): a key's limit is reached when it has `limit` events
inside the window. Keys are hashed with SHA-256 first, because a key such as
"login:ip:203.0.113.9" holds personal data (an IP address) that must not be stored in clear.
Successful logins do not reset a key: the window simply moves on.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ThrottleEvent

#: nothing we limit looks back further than this, so older events can go
RETENTION = timedelta(days=1)
#: prune on about one hit in this many (the delete scans by time, so not on every request)
PRUNE_ONE_IN = 50


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def count_recent(session: Session, key: str, *, window: timedelta, now: datetime) -> int:
    """Attempts recorded for `key` in the window that ends at `now`."""
    return int(
        session.scalar(
            select(func.count(ThrottleEvent.id)).where(
                ThrottleEvent.key_hash == key_hash(key),
                ThrottleEvent.at > now - window,
                ThrottleEvent.at <= now,
            )
        )
        or 0
    )


def is_blocked(session: Session, key: str, *, limit: int, window: timedelta, now: datetime) -> bool:
    """True when `key` already used up its `limit` attempts in the window."""
    return count_recent(session, key, window=window, now=now) >= limit


def hit(session: Session, key: str, *, limit: int, window: timedelta, now: datetime) -> bool:
    """Record one attempt for `key`; False when this attempt goes over the limit."""
    session.add(ThrottleEvent(key_hash=key_hash(key), at=now))
    session.flush()
    if secrets.randbelow(PRUNE_ONE_IN) == 0:
        prune_old_events(session, now=now)
    return count_recent(session, key, window=window, now=now) <= limit


def prune_old_events(session: Session, *, now: datetime) -> int:
    """Delete events older than a day; returns how many went."""
    result = session.execute(delete(ThrottleEvent).where(ThrottleEvent.at < now - RETENTION))
    return int(getattr(result, "rowcount", 0) or 0)
