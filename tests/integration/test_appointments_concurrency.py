"""Two citizens booking the last place at the same moment get one booking (PostgreSQL).

The rolled-back `db_session` cannot be shared between threads, so this test has its own
database next to the worker's, with committed data, and one session per thread.
"""

from __future__ import annotations

import threading
from datetime import time
from datetime import timedelta

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import create_app
from portal.extensions import db
from portal.models import Appointment
from portal.services import appointments as svc
from portal.services.audit import Actor
from tests.support.appointments import NOW
from tests.support.appointments import TODAY
from tests.support.config import make_test_config
from tests.support.config import sibling_database_url
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff

pytestmark = pytest.mark.postgres_only

DATABASE = "saldo_appointment_race"


def _fresh_database(url: str) -> None:
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def test_two_bookings_for_the_last_place_make_one_booking(database_url: str) -> None:
    assert database_url.startswith("postgresql"), "run with --db=postgres"
    url = sibling_database_url(database_url, DATABASE)
    _fresh_database(url)
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade()
        debtors = [make_debtor(db.session(), f"Racer {i}").id for i in range(2)]
        staff = make_staff(db.session(), "desk")
        slot = svc.add_slot(
            db.session(),
            day=TODAY + timedelta(days=2),
            start=time(10),
            duration_minutes=15,
            place="Desk",
            capacity=1,
            staff_user_id=staff.id,
            today=TODAY,
        )
        slot_id = slot.id
        db.session.commit()
        db.session.remove()
    rules = app.config["RULE_PACK"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(debtor_id: int) -> None:
        with app.app_context():
            session = Session(bind=db.engine)
            try:
                barrier.wait()
                svc.book_appointment(
                    session,
                    rules,
                    debtor_id=debtor_id,
                    slot_id=slot_id,
                    topic="bills",
                    actor=Actor.citizen(debtor_id),
                    now=NOW,
                    today=TODAY,
                )
                session.commit()
                outcomes.append("booked")
            except svc.SlotFull:
                session.rollback()
                outcomes.append("full")
            finally:
                session.close()

    threads = [threading.Thread(target=book, args=(debtor_id,)) for debtor_id in debtors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    with app.app_context():
        booked = db.session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.slot_id == slot_id, Appointment.state == "booked"
            )
        )
        db.session.remove()
        db.engine.dispose()
    assert booked == 1
    assert sorted(outcomes) == ["booked", "full"]
