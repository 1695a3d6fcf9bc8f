"""The database-backed throttle: counts attempts per hashed key inside a moving window."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ThrottleEvent
from portal.services import throttle

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _events(session: Session) -> int:
    return int(session.scalar(select(func.count(ThrottleEvent.id))) or 0)


def test_hit_allows_up_to_the_limit_and_refuses_beyond(db_session: Session) -> None:
    results = [
        throttle.hit(db_session, "k", limit=3, window=HOUR, now=NOW + timedelta(minutes=i))
        for i in range(4)
    ]
    assert results == [True, True, True, False]


def test_is_blocked_once_the_limit_is_used_up(db_session: Session) -> None:
    for _ in range(2):
        throttle.hit(db_session, "k", limit=3, window=HOUR, now=NOW)
    assert not throttle.is_blocked(db_session, "k", limit=3, window=HOUR, now=NOW)
    throttle.hit(db_session, "k", limit=3, window=HOUR, now=NOW)
    assert throttle.is_blocked(db_session, "k", limit=3, window=HOUR, now=NOW)


def test_attempts_outside_the_window_no_longer_count(db_session: Session) -> None:
    for _ in range(3):
        throttle.hit(db_session, "k", limit=3, window=HOUR, now=NOW)
    later = NOW + HOUR + timedelta(seconds=1)
    assert not throttle.is_blocked(db_session, "k", limit=3, window=HOUR, now=later)


def test_keys_are_counted_separately(db_session: Session) -> None:
    for _ in range(3):
        throttle.hit(db_session, "login:ip:203.0.113.9", limit=3, window=HOUR, now=NOW)
    assert throttle.is_blocked(db_session, "login:ip:203.0.113.9", limit=3, window=HOUR, now=NOW)
    assert not throttle.is_blocked(
        db_session, "login:ip:203.0.113.10", limit=3, window=HOUR, now=NOW
    )


def test_keys_are_stored_only_as_sha256(db_session: Session) -> None:
    throttle.hit(db_session, "login:ip:203.0.113.9", limit=3, window=HOUR, now=NOW)
    stored = db_session.scalars(select(ThrottleEvent.key_hash)).all()
    assert stored == [throttle.key_hash("login:ip:203.0.113.9")]
    assert all("203.0.113.9" not in value and len(value) == 64 for value in stored)


def test_prune_removes_events_older_than_a_day_only(db_session: Session) -> None:
    throttle.hit(db_session, "old", limit=9, window=HOUR, now=NOW - timedelta(days=1, minutes=1))
    throttle.hit(db_session, "recent", limit=9, window=HOUR, now=NOW - timedelta(hours=23))
    assert throttle.prune_old_events(db_session, now=NOW) == 1
    assert db_session.scalars(select(ThrottleEvent.key_hash)).all() == [throttle.key_hash("recent")]


def test_hit_prunes_old_events_now_and_then(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttle.hit(db_session, "old", limit=9, window=HOUR, now=NOW - timedelta(days=2))
    monkeypatch.setattr(throttle, "PRUNE_ONE_IN", 1)
    throttle.hit(db_session, "new", limit=9, window=HOUR, now=NOW)
    assert _events(db_session) == 1
