"""Two clicks on "confirm" at the same moment make one plan (PostgreSQL).

The rolled-back `db_session` cannot be shared between threads, so this test has its own
database next to the worker's, with committed data, and one session per thread.
"""

from __future__ import annotations

import threading
from datetime import date

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import create_app
from portal.extensions import db
from portal.models import Plan
from portal.services import plans
from portal.services.audit import Actor
from tests.support.config import make_test_config
from tests.support.config import sibling_database_url
from tests.support.plans import debtor_with_debt

pytestmark = pytest.mark.postgres_only

DATABASE = "saldo_plan_race"
TODAY = date(2026, 11, 23)


def _fresh_database(url: str) -> None:
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def test_concurrent_confirmations_make_one_plan(database_url: str) -> None:
    assert database_url.startswith("postgresql"), "run with --db=postgres"
    url = sibling_database_url(database_url, DATABASE)
    _fresh_database(url)
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade()
        debtors = [debtor_with_debt(db.session(), 50_000, name=f"Racer {i}") for i in range(2)]
        same_key_debtor, two_keys_debtor = (d.id for d in debtors)
        db.session.commit()
        db.session.remove()
    rules = app.config["RULE_PACK"]

    def confirm(debtor_id: int, key: str, barrier: threading.Barrier, out: list[object]) -> None:
        with app.app_context():
            session = Session(bind=db.engine)
            try:
                barrier.wait()
                plan = plans.propose_plan(
                    session,
                    rules,
                    debtor_id,
                    monthly=10_000,
                    basis="own_offer",
                    statement_id=None,
                    submission_key=key,
                    as_of=TODAY,
                    actor=Actor.citizen(debtor_id),
                )
                session.commit()
                out.append(plan.id)
            except plans.PlanAlreadyOpen as error:
                session.rollback()
                out.append(type(error).__name__)
            finally:
                session.close()

    cases = [
        (same_key_debtor, ("double-click", "double-click")),
        (two_keys_debtor, ("tab-one", "tab-two")),
    ]
    outcomes = []
    for debtor_id, keys in cases:
        barrier = threading.Barrier(2)
        out: list[object] = []
        threads = [
            threading.Thread(target=confirm, args=(debtor_id, key, barrier, out)) for key in keys
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        outcomes.append(out)

    with app.app_context():
        counts = [
            db.session.scalar(select(func.count(Plan.id)).where(Plan.debtor_id == debtor_id))
            for debtor_id, _keys in cases
        ]
        db.session.remove()
        db.engine.dispose()
    assert counts == [1, 1]
    same_key, two_keys = outcomes
    assert len(same_key) == 2
    assert same_key[0] == same_key[1]
    assert sorted(map(str, two_keys))[1] == "PlanAlreadyOpen"
