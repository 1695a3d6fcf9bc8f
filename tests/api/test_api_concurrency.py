"""The same claim pushed twice at the same moment is stored once (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Claim
from portal.models import Debtor
from portal.services.api_tokens import create_token
from portal.services.audit import Actor
from portal.services.catalogue import sync_catalogue
from tests.api.helpers import NOW
from tests.api.helpers import auth
from tests.api.helpers import claim_body
from tests.support.config import make_test_config
from tests.support.config import sibling_database_url

pytestmark = pytest.mark.postgres_only

DATABASE = "saldo_api_race"


def _fresh_database(url: str) -> None:
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def test_the_same_claim_posted_concurrently_is_stored_once(database_url: str) -> None:
    assert database_url.startswith("postgresql"), "run with --db=postgres"
    url = sibling_database_url(database_url, DATABASE)
    _fresh_database(url)
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade()
        sync_catalogue(db.session(), app.config["RULE_PACK"])
        _, token = create_token(db.session(), "children", "race", actor=Actor.system(), now=NOW)
        db.session.commit()
    barrier = threading.Barrier(4)
    statuses: list[int] = []
    ids: set[Any] = set()
    errors: list[BaseException] = []

    def push() -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=10)
            response = client.post("/api/v1/claims", json=claim_body(), headers=auth(token))
            statuses.append(response.status_code)
            ids.add(response.get_json().get("id"))
        except BaseException as error:  # reported below, with the thread's own traceback
            errors.append(error)

    threads = [threading.Thread(target=push) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(statuses) == [200, 200, 200, 201]
    assert len(ids) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Claim.id))) == 1
        assert db.session.scalar(select(func.count(Debtor.id))) == 1
        db.session.remove()
        db.engine.dispose()
