"""Early signals: at most one open per debtor and reason; closing is recorded and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Signal
from portal.services import signals
from portal.services.signals import SIGNAL_REASONS
from portal.services.signals import SignalNotOpen
from portal.services.signals import UnknownSignalReason
from portal.services.signals import close_signal
from portal.services.signals import open_signals
from portal.services.signals import raise_signal
from tests.support.factories import make_debtor
from tests.support.primitives import NOW
from tests.support.primitives import make_staff


def test_raising_the_same_signal_twice_returns_the_open_one(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    first = raise_signal(db_session, debtor.id, "several_arrears", now=NOW)
    again = raise_signal(db_session, debtor.id, "several_arrears", now=NOW + timedelta(days=1))

    assert again.id == first.id
    assert again.raised_at == NOW
    assert len(open_signals(db_session, debtor.id)) == 1


def test_a_debtor_can_have_open_signals_for_different_reasons(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    other = make_debtor(db_session, "Other Person")
    a = raise_signal(db_session, debtor.id, "several_arrears", now=NOW)
    b = raise_signal(db_session, debtor.id, "plan_defaulted", now=NOW)
    c = raise_signal(db_session, other.id, "several_arrears", now=NOW)

    assert len({a.id, b.id, c.id}) == 3
    assert {s.id for s in open_signals(db_session, debtor.id)} == {a.id, b.id}
    assert {s.id for s in open_signals(db_session)} >= {a.id, b.id, c.id}


def test_after_closing_the_same_reason_can_be_raised_again(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    first = raise_signal(db_session, debtor.id, "returned_debit", now=NOW)
    close_signal(db_session, first, outcome="contacted", staff_user_id=None, now=NOW)

    second = raise_signal(db_session, debtor.id, "returned_debit", now=NOW + timedelta(days=30))

    assert second.id != first.id
    assert [s.id for s in open_signals(db_session, debtor.id)] == [second.id]


@pytest.mark.parametrize("reason", ["", "arrears", "SEVERAL_ARREARS"])
def test_an_unknown_reason_is_refused(db_session: Session, reason: str) -> None:
    debtor = make_debtor(db_session)
    with pytest.raises(UnknownSignalReason):
        raise_signal(db_session, debtor.id, reason, now=NOW)


def test_the_agreed_reasons_are_known() -> None:
    assert {
        "several_arrears",
        "plan_defaulted",
        "remission_dropout",
        "large_debt_no_contact",
        "returned_debit",
    } <= SIGNAL_REASONS


def test_closing_records_outcome_and_staff_and_is_audited(db_session: Session) -> None:
    staff = make_staff(db_session)
    debtor = make_debtor(db_session)
    signal = raise_signal(db_session, debtor.id, "large_debt_no_contact", now=NOW)

    close_signal(db_session, signal, outcome="plan_agreed", staff_user_id=staff.id, now=NOW)
    db_session.flush()

    assert (signal.state, signal.outcome, signal.closed_by_id) == (
        "closed",
        "plan_agreed",
        staff.id,
    )
    assert signal.closed_at == NOW
    assert open_signals(db_session, debtor.id) == []
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "signal.closed"))
    assert event is not None
    assert (event.staff_user_id, event.debtor_id, event.object_id) == (
        staff.id,
        debtor.id,
        signal.id,
    )


def test_closing_a_closed_signal_is_refused(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    signal = raise_signal(db_session, debtor.id, "remission_dropout", now=NOW)
    close_signal(db_session, signal, outcome="contacted", staff_user_id=None, now=NOW)

    with pytest.raises(SignalNotOpen):
        close_signal(db_session, signal, outcome="again", staff_user_id=None, now=NOW)
    assert signal.outcome == "contacted"


def test_open_signals_are_oldest_first(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    late = raise_signal(db_session, debtor.id, "several_arrears", now=NOW)
    early = raise_signal(db_session, debtor.id, "plan_defaulted", now=NOW - timedelta(days=2))

    assert [s.id for s in open_signals(db_session, debtor.id)] == [early.id, late.id]


def test_losing_an_insert_race_returns_the_signal_the_other_run_raised(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    debtor = make_debtor(db_session)
    winner = raise_signal(db_session, debtor.id, "several_arrears", now=NOW)
    real_find = signals._find_open
    calls: list[int] = []

    def find_missing_the_first_time(*args: object) -> Signal | None:
        calls.append(1)
        return None if len(calls) == 1 else real_find(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(signals, "_find_open", find_missing_the_first_time)
    result = raise_signal(db_session, debtor.id, "several_arrears", now=NOW)

    assert result.id == winner.id
    assert len(calls) == 2
    assert [s.id for s in open_signals(db_session, debtor.id)] == [winner.id]
