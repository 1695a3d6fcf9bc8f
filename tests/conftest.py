"""Shared fixtures: an app on SQLite or PostgreSQL, one database per xdist worker,
and per-test isolation by an outer transaction that is rolled back.

Run on PostgreSQL with `pytest --db=postgres` (the test command does both).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask import g
from flask import request_started
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from hypothesis import settings
from sqlalchemy.orm import Session

from portal import create_app
from portal.extensions import db
from tests.support.config import make_test_config
from tests.support.postgres import running_postgres

settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, max_examples=60, print_blob=True
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

DB_FIXTURES = {"app", "db_session", "client", "make_app", "database_url"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default=os.environ.get("SALDO_TEST_DB", "sqlite"),
        help="database for the database tests",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that touch the database are marked `db`, so they can run on both databases.

    Tests marked `postgres_only` (row locking, concurrency) are deselected on SQLite: they
    run in the PostgreSQL pass of the test command, never silently skipped.
    """
    on_sqlite = config.getoption("--db") == "sqlite"
    kept, dropped = [], []
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
        (dropped if on_sqlite and item.get_closest_marker("postgres_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.config.getoption("--db") == "postgres":
        with running_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'saldo-test.sqlite'}"


class EnglishClient(FlaskClient):
    """Test requests ask for English, as a browser would; tests about a language choose it.

    Without it every page falls back to the rule pack's language (Dutch for NL).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


def _build_app(database_url: str, **overrides: Any) -> Flask:
    application = create_app(make_test_config(database_url, **overrides))
    application.test_client_class = EnglishClient
    return application


@pytest.fixture(scope="session")
def app(database_url: str) -> Flask:
    """The app, with the schema built by the real migrations (`flask db upgrade`)."""
    application = _build_app(database_url)
    with application.app_context():
        upgrade()
    return application


@pytest.fixture(scope="session")
def make_app(database_url: str, app: Flask) -> Any:
    """Build another app on the same (migrated) database, e.g. with another rule pack."""

    def build(**overrides: Any) -> Flask:
        return _build_app(database_url, **overrides)

    return build


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy picks the engine itself; in tests it must use the test's connection."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        if self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session whose commits are savepoints inside one outer transaction, rolled back after.

    The test holds one app context open and Flask reuses it for each test request, so `g`
    is emptied when a request starts: Flask-Login's cached user and Flask-WTF's CSRF token
    must not carry over from one request to the next, as they would not in production.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        scoped = db._make_scoped_session(  # noqa: SLF001 - documented recipe for 3.x
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _BoundSession,
            }
        )
        original = db.session
        db.session = scoped
        request_started.connect(_empty_g)
        try:
            yield scoped()
        finally:
            request_started.disconnect(_empty_g)
            scoped.remove()
            db.session = original
            outer.rollback()
            connection.close()


def _empty_g(sender: object, **extra: object) -> None:
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    return app.test_client()
