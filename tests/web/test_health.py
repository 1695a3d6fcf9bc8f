"""/healthz and /readyz: probes for the load balancer, no login, no personal data (issue 10)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask.testing import FlaskClient

from portal import create_app
from tests.support.config import make_test_config


def test_healthz_answers_ok_without_login_or_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_even_when_the_database_is_gone(tmp_path: Path) -> None:
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'missing' / 'no.sqlite'}"))
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_is_ready_on_a_migrated_database(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["migrations"] == "at head"
    assert body["revision"] == body["head"]
    assert set(body) == {"status", "database", "migrations", "revision", "head"}


def test_readyz_refuses_traffic_before_the_database_is_migrated(tmp_path: Path) -> None:
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'empty.sqlite'}"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "not ready"


def test_readyz_refuses_traffic_when_migrations_are_behind(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('0001_initial')")
    app = create_app(make_test_config(f"sqlite:///{path}"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["migrations"] == "behind"
    assert body["revision"] == ["0001_initial"]


def test_readyz_answers_503_when_the_database_is_unreachable() -> None:
    # a port nobody listens on, on loopback; connect_timeout keeps the test quick
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    app = create_app(make_test_config(url))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable or not migrated"
