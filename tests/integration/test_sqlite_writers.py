"""SQLite with several writers (gunicorn workers, a batch next to the web app).

A deferred transaction that read before another writer committed cannot upgrade to a write
lock: SQLite answers "database is locked" at once, busy_timeout or not. Write transactions
therefore begin IMMEDIATE and a second writer waits; transactions of safe requests (GET)
stay deferred, so readers in WAL never queue behind a writer. These tests use their own
SQLite file whatever --db says: the behaviour is SQLite's.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from portal.sqlite import begin_statement
from tests.support.booking_race import book_at_once
from tests.support.booking_race import debtor_totals
from tests.support.booking_race import debtor_with_claims
from tests.support.config import make_test_config


def _app(path: Path) -> Flask:
    return create_app(make_test_config(f"sqlite:///{path}"))


def test_two_connections_that_read_then_write_at_once_both_commit(tmp_path: Path) -> None:
    app = _app(tmp_path / "writers.sqlite")
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
            connection.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
    first_has_read = threading.Event()
    errors: list[str] = []

    def writer(wait_for_the_other: bool) -> None:
        if wait_for_the_other:
            first_has_read.wait(timeout=10)
        try:
            with engine.begin() as connection:
                n = connection.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
                if not wait_for_the_other:
                    first_has_read.set()
                    time.sleep(0.3)  # the other writer starts meanwhile
                connection.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
        except Exception as error:  # "database is locked" before the fix
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=writer, args=(flag,)) for flag in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    with engine.connect() as connection:  # no update lost: the second read after the first
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 2
    engine.dispose()


def test_concurrent_bookings_of_one_debtor_on_sqlite_all_succeed(tmp_path: Path) -> None:
    app = _app(tmp_path / "bookings.sqlite")
    with app.app_context():
        upgrade()
    debtor_id, claim_ids = debtor_with_claims(app, 3, 10_000)
    references = [f"pi_sqlite_{i}" for i in range(6)]

    outcome = book_at_once(app, debtor_id, claim_ids, references, 2_000)
    totals = debtor_totals(app, debtor_id)
    with app.app_context():
        db.engine.dispose()

    assert outcome.errors == []
    assert sorted(outcome.created) == sorted(references)
    assert totals.payments_by_reference == dict.fromkeys(references, 1)
    assert totals.cache_mismatches == []
    assert totals.claim_balance == 30_000 - 12_000
    assert -totals.ledger_payment_total == 12_000


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("GET", "BEGIN"),
        ("HEAD", "BEGIN"),
        ("POST", "BEGIN IMMEDIATE"),
        ("DELETE", "BEGIN IMMEDIATE"),
    ],
)
def test_only_safe_requests_begin_deferred(tmp_path: Path, method: str, expected: str) -> None:
    app = _app(tmp_path / "begin.sqlite")
    with app.test_request_context("/", method=method):
        assert begin_statement() == expected


def test_outside_a_request_transactions_begin_immediate() -> None:
    assert begin_statement() == "BEGIN IMMEDIATE"


def test_a_reader_in_a_get_request_is_not_blocked_by_an_open_writer(tmp_path: Path) -> None:
    app = _app(tmp_path / "reader.sqlite")
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    with engine.connect() as writer:
        writer.begin()
        writer.execute(text("INSERT INTO t (id) VALUES (1)"))  # holds the write lock
        with app.test_request_context("/", method="GET"), engine.connect() as reader:
            started = time.monotonic()
            assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
            assert time.monotonic() - started < 2
        writer.rollback()
    engine.dispose()
