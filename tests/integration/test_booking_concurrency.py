"""Several payments of ONE debtor booked at the same moment (PostgreSQL row locks).

Concurrent Stripe webhooks for different checkouts of one citizen used to deadlock: each
booking took a key-share lock on its earmarked claim (the payment's foreign key) and then
locked the debtor's claims by due date, so two bookings each held a claim the other waited
for. Bookings now lock the debtor row, then the debtor's claims by id, before anything else.
"""

from __future__ import annotations

import psycopg
import pytest
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from tests.support.booking_race import book_at_once
from tests.support.booking_race import debtor_totals
from tests.support.booking_race import debtor_with_claims
from tests.support.config import make_test_config
from tests.support.config import sibling_database_url

pytestmark = pytest.mark.postgres_only

DATABASE = "saldo_booking_race"
CLAIMS = 4
CLAIM_AMOUNT = 10_000
PAYMENTS_PER_ROUND = 8
ROUNDS = 4
PAYMENT = 1_500


def _fresh_database(url: str) -> None:
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def test_concurrent_payments_of_one_debtor_are_booked_once_each_without_deadlock(
    database_url: str,
) -> None:
    assert database_url.startswith("postgresql"), "run with --db=postgres"
    url = sibling_database_url(database_url, DATABASE)
    _fresh_database(url)
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade()
    debtor_id, claim_ids = debtor_with_claims(app, CLAIMS, CLAIM_AMOUNT)

    errors: list[str] = []
    references: list[str] = []
    for round_number in range(ROUNDS):
        batch = [f"pi_race_{round_number}_{i}" for i in range(PAYMENTS_PER_ROUND)]
        references += batch
        outcome = book_at_once(app, debtor_id, claim_ids, batch, PAYMENT)
        errors += outcome.errors
        assert sorted(outcome.created) == sorted(batch) or outcome.errors

    totals = debtor_totals(app, debtor_id)
    with app.app_context():
        db.engine.dispose()

    assert errors == []
    assert totals.payments_by_reference == dict.fromkeys(references, 1)
    paid = PAYMENT * PAYMENTS_PER_ROUND * ROUNDS  # 48,000 of 40,000 owed: 8,000 is credit
    assert totals.paid == paid
    assert totals.cache_mismatches == []
    assert totals.claim_balance == CLAIMS * CLAIM_AMOUNT + totals.ledger_payment_total
    assert -totals.ledger_payment_total + totals.credit == paid
    assert totals.claim_balance == 0
    assert totals.credit == paid - CLAIMS * CLAIM_AMOUNT
