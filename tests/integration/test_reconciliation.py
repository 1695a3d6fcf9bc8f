"""The daily bank reconciliation: credits = booked payments + unmatched + Stripe payouts,
with every other credit listed as a difference per bank entry."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import BankEntry
from portal.models import BankStatement
from portal.services.reconciliation import RECONCILIATION_HEADER
from portal.services.reconciliation import reconcile_day
from portal.services.reconciliation import reconciliation_csv
from tests.support.bank import camt_fixture
from tests.support.bank import run_import
from tests.support.factories import make_claim
from tests.support.factories import make_debtor

DAY = date(2026, 11, 20)


def _import_a_day(session: Session) -> None:
    """A booked credit of 100.00, Stripe payouts of 150.75 + 99.00, an unmatched 42.00."""
    claim = make_claim(session, make_debtor(session, "Reconciled Person"), 50_000)
    run_import(session, camt_fixture("single_credit.053.v02.xml", claim))
    run_import(session, camt_fixture("payout.053.v02.xml", claim))
    run_import(session, camt_fixture("unmatched_credit.053.v02.xml"))


def test_a_day_of_imported_statements_balances(app: Flask, db_session: Session) -> None:
    _import_a_day(db_session)

    report = reconcile_day(db_session, DAY, currency="EUR")

    assert (report.credits, report.booked, report.unmatched, report.payouts) == (
        39_175,
        10_000,
        4_200,
        24_975,
    )
    assert report.difference == 0
    assert report.balanced
    assert not report.differences


def test_a_credit_not_yet_processed_is_a_difference_listed_per_bank_entry(
    app: Flask, db_session: Session
) -> None:
    _import_a_day(db_session)
    statement = db_session.scalars(select(BankStatement)).first()
    assert statement is not None
    stray = BankEntry(
        statement_id=statement.id,
        entry_key="test-stray-credit",
        account_iban=statement.account_iban,
        entry_index=99,
        tx_index=0,
        amount=1_234,
        currency="EUR",
        credit=True,
        booking_date=DAY,
        state="received",
    )
    db_session.add(stray)
    db_session.flush()

    report = reconcile_day(db_session, DAY, currency="EUR")

    assert report.difference == 1_234
    assert not report.balanced
    assert [(line.entry_id, line.reason) for line in report.differences] == [
        (stray.id, "not_processed")
    ]


def test_duplicates_are_not_counted_twice(app: Flask, db_session: Session) -> None:
    _import_a_day(db_session)
    claim = make_claim(db_session, make_debtor(db_session, "Twice Person"), 50_000)
    run_import(db_session, camt_fixture("single_credit.053.v02.xml", claim))

    report = reconcile_day(db_session, DAY, currency="EUR")

    assert report.credits == 39_175
    assert report.balanced


def test_the_csv_lists_each_credit_then_the_totals(app: Flask, db_session: Session) -> None:
    _import_a_day(db_session)

    body = reconciliation_csv(reconcile_day(db_session, DAY, currency="EUR"))

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(RECONCILIATION_HEADER)
    categories = [row[3] for row in rows[1:]]
    assert sorted(categories[:4]) == ["booked", "payout", "payout", "unmatched"]
    assert categories[4:] == [
        "total_credits",
        "total_booked",
        "total_unmatched",
        "total_payouts",
        "total_difference",
    ]
    assert rows[5][4] == "391.75"
    assert rows[-1][4] == "0.00"


def test_a_day_without_bank_credits_is_empty_and_its_csv_has_the_header_only(
    app: Flask, db_session: Session
) -> None:
    report = reconcile_day(db_session, date(2001, 1, 1), currency="EUR")

    assert report.empty
    assert report.balanced
    rows = list(csv.reader(io.StringIO(reconciliation_csv(report).decode("utf-8-sig"))))
    assert rows == [list(RECONCILIATION_HEADER)]
