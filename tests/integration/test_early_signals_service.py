"""raise_early_signals: facts from the database; one open signal per debtor and reason."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Signal
from portal.services import contact_log
from portal.services.early_signals import CHECKED
from portal.services.early_signals import OVERDUE
from portal.services.early_signals import raise_early_signals
from portal.services.holds import PLAN
from portal.services.holds import place_hold
from portal.services.signals import LARGE_DEBT_NO_CONTACT
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import close_signal
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.primitives import NOW
from tests.support.primitives import make_staff

AS_OF = date(2026, 11, 23)


def _overdue(session: Session, debtor: object, days: int, amount: int = 10_000) -> int:
    due = AS_OF - timedelta(days=days)
    claim = make_claim(session, debtor, amount, issue_date=due - timedelta(days=30), due_date=due)  # type: ignore[arg-type]
    return claim.id


def _open(session: Session) -> list[tuple[int, str]]:
    return sorted(
        (s.debtor_id, s.reason)
        for s in session.scalars(select(Signal).where(Signal.state == "open"))
    )


def test_signals_are_raised_once_and_a_second_run_raises_nothing(
    app: Flask, db_session: Session
) -> None:
    rules = app.config["RULE_PACK"]
    several = make_debtor(db_session, "Two Arrears")
    _overdue(db_session, several, 30)
    _overdue(db_session, several, 20)
    large = make_debtor(db_session, "Large Debt")
    _overdue(db_session, large, 100, amount=250_000)
    fine = make_debtor(db_session, "On Time")
    _overdue(db_session, fine, 3)

    first = raise_early_signals(db_session, rules, as_of=AS_OF, now=NOW)
    second = raise_early_signals(db_session, rules, as_of=AS_OF, now=NOW)

    assert first == {OVERDUE: 2, CHECKED: 2, SEVERAL_ARREARS: 1, LARGE_DEBT_NO_CONTACT: 1}
    # Both have the signal of every reason they qualify for: the rule is not asked again.
    assert second == {OVERDUE: 2, CHECKED: 0, SEVERAL_ARREARS: 0, LARGE_DEBT_NO_CONTACT: 0}
    assert _open(db_session) == sorted(
        [(several.id, SEVERAL_ARREARS), (large.id, LARGE_DEBT_NO_CONTACT)]
    )


def test_paused_claims_do_not_count_and_contact_keeps_a_debtor_off_the_list(
    app: Flask, db_session: Session
) -> None:
    rules = app.config["RULE_PACK"]
    in_plan = make_debtor(db_session)
    held = _overdue(db_session, in_plan, 30)
    _overdue(db_session, in_plan, 40)
    place_hold(db_session, held, PLAN, starts_on=AS_OF - timedelta(days=5), source="plan:1")
    called = make_debtor(db_session)
    _overdue(db_session, called, 100, amount=250_000)
    staff = make_staff(db_session)
    contact_log.log_contact(
        db_session,
        debtor_id=called.id,
        staff_user_id=staff.id,
        channel="phone",
        outcome="reached",
        now=NOW - timedelta(days=10),
    )

    counts = raise_early_signals(db_session, rules, as_of=AS_OF, now=NOW)

    assert counts[SEVERAL_ARREARS] == 0
    assert counts[LARGE_DEBT_NO_CONTACT] == 0
    assert _open(db_session) == []


def test_a_signal_closed_today_is_not_raised_again_the_next_night(
    app: Flask, db_session: Session
) -> None:
    rules = app.config["RULE_PACK"]
    debtor = make_debtor(db_session)
    _overdue(db_session, debtor, 30)
    _overdue(db_session, debtor, 20)
    raise_early_signals(db_session, rules, as_of=AS_OF, now=NOW)
    signal = db_session.scalars(select(Signal)).one()
    close_signal(db_session, signal, outcome="reached", staff_user_id=None, now=NOW)

    counts = raise_early_signals(db_session, rules, as_of=AS_OF + timedelta(days=1), now=NOW)

    assert counts[SEVERAL_ARREARS] == 0
    assert _open(db_session) == []


def test_each_rule_pack_uses_its_own_thresholds(make_app: object, db_session: Session) -> None:
    dk = make_app(rules="dk")  # type: ignore[operator]
    debtor = make_debtor(db_session)
    # 2,000 in minor units: a large debt in EUR (NL, € 1,000) but not in DKK (7,500 kr).
    _overdue(db_session, debtor, 100, amount=200_000)
    with dk.app_context():
        dk_counts = raise_early_signals(db_session, dk.config["RULE_PACK"], as_of=AS_OF, now=NOW)
    assert dk_counts[LARGE_DEBT_NO_CONTACT] == 0
