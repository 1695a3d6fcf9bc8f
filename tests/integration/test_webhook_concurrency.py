"""Two deliveries of the same Stripe event at the same moment book one payment (PostgreSQL).

The rolled-back `db_session` cannot be shared between threads, so this test has its own
database next to the worker's, with committed data, and one test client per thread.
"""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime
from typing import Any

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import CheckoutAttempt
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import ProviderEvent
from portal.services import online_payments as svc
from tests.support.config import make_test_config
from tests.support.config import sibling_database_url
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.fake_stripe import SECRET_KEY
from tests.support.fake_stripe import WEBHOOK_SECRET
from tests.support.fake_stripe import checkout_event
from tests.support.fake_stripe import sign

pytestmark = pytest.mark.postgres_only

DATABASE = "saldo_webhook_race"


def _fresh_database(url: str) -> None:
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def test_the_same_event_posted_concurrently_books_one_payment(database_url: str) -> None:
    assert database_url.startswith("postgresql"), "run with --db=postgres"
    url = sibling_database_url(database_url, DATABASE)
    _fresh_database(url)
    app = create_app(
        make_test_config(
            url,
            payment_provider="stripe",
            stripe_secret_key=SECRET_KEY,
            stripe_webhook_secrets=WEBHOOK_SECRET,
        )
    )
    with app.app_context():
        upgrade()
        debtor = make_debtor(db.session())
        claim = make_claim(db.session(), debtor, 10_000)
        attempt = svc.start_attempt(
            db.session(), claim, provider="stripe", amount=4_000, now=datetime.now(UTC)
        )
        svc.attach_session(db.session(), attempt, "cs_test_race")
        claim_id, attempt_id = claim.id, attempt.id
        db.session.commit()
        db.session.remove()

    payload = checkout_event("checkout.session.completed", "cs_test_race", amount=4_000)
    header = sign(payload)
    rounds = 5
    results: list[Any] = []
    for _ in range(rounds):
        barrier = threading.Barrier(2)

        def deliver(barrier: threading.Barrier = barrier) -> None:
            client = app.test_client()
            barrier.wait()
            response = client.post(
                "/payments/stripe/webhook",
                data=payload,
                headers={"Stripe-Signature": header},
                content_type="application/json",
            )
            results.append((response.status_code, (response.get_json() or {}).get("outcome")))

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert len(results) == 2 * rounds
    assert all(status == 200 for status, _ in results)
    assert [outcome for _, outcome in results].count("booked") == 1

    with app.app_context():
        session = db.session()
        payments = session.scalars(
            select(Payment).where(Payment.earmarked_claim_id == claim_id)
        ).all()
        assert len(payments) == 1
        entries = session.scalars(
            select(LedgerEntry).where(LedgerEntry.payment_id == payments[0].id)
        ).all()
        assert sum(-e.amount for e in entries) == 4_000
        assert session.scalar(select(func.count()).select_from(ProviderEvent)) == 1
        attempt_row = session.get(CheckoutAttempt, attempt_id)
        assert attempt_row is not None
        assert attempt_row.state == "paid"
        db.session.remove()
        db.engine.dispose()
