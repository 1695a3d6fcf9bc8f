"""The batch's set-based writes: bulk-inserted signals and bulk claim balance updates."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import Signal
from portal.services import early_signals
from portal.services.dunning_batch import Booking
from portal.services.dunning_batch import append_entries
from portal.services.early_signals import raise_early_signals
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import raise_signal
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.primitives import NOW

AS_OF = date(2026, 11, 23)


def _two_arrears(session: Session) -> int:
    debtor = make_debtor(session)
    for days in (30, 20):
        due = AS_OF - timedelta(days=days)
        make_claim(session, debtor, 10_000, issue_date=due - timedelta(days=30), due_date=due)
    return debtor.id


def test_a_signal_raised_by_a_concurrent_run_is_neither_duplicated_nor_counted(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    debtor_id = _two_arrears(db_session)
    raced = _two_arrears(db_session)
    # The other run raised it after this run looked for open signals.
    raise_signal(db_session, raced, SEVERAL_ARREARS, now=NOW)
    monkeypatch.setattr(early_signals, "_open_pairs", lambda session, ids: set())

    counts = raise_early_signals(db_session, app.config["RULE_PACK"], as_of=AS_OF, now=NOW)

    assert counts[SEVERAL_ARREARS] == 1
    open_rows = db_session.execute(
        select(Signal.debtor_id, Signal.state, Signal.raised_at).where(
            Signal.reason == SEVERAL_ARREARS
        )
    ).all()
    assert sorted(row.debtor_id for row in open_rows) == sorted([debtor_id, raced])
    assert {row.state for row in open_rows} == {"open"}


def test_bulk_balance_update_adds_every_booking_of_a_claim_and_sets_reminders_sent(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session)
    first = make_claim(db_session, debtor, 10_000)
    second = make_claim(db_session, debtor, 10_000)
    fees_before = {first.id: first.fee_due, second.id: second.fee_due}
    bookings = [
        Booking(first.id, "fee", 500, "EUR", "reminder_fee", "test:1"),
        Booking(first.id, "fee", 250, "EUR", "reminder_fee", "test:2"),
        Booking(second.id, "fee", 100, "EUR", "reminder_fee", "test:3"),
    ]

    append_entries(db_session, bookings, effective_date=AS_OF, reminders_sent={first.id: 2})
    db_session.expire_all()

    assert db_session.get(Claim, first.id).fee_due == fees_before[first.id] + 750  # type: ignore[union-attr]
    assert db_session.get(Claim, second.id).fee_due == fees_before[second.id] + 100  # type: ignore[union-attr]
    assert db_session.get(Claim, first.id).reminders_sent == 2  # type: ignore[union-attr]
    assert db_session.get(Claim, second.id).reminders_sent == 0  # type: ignore[union-attr]
