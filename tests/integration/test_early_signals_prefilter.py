"""The early-signals SQL pre-filter never leaves out a debtor the rule would raise a signal for.

A table of debtors on and around every threshold (count of overdue claims, total, grace days,
days without contact, cooldown after a closed signal, holds, an open signal already there) is
put through the pure rule for EVERY debtor with an overdue claim, without the pre-filter; the
service must raise exactly those signals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.early_signals import signals_for
from portal.domain.rules.base import RulePack
from portal.domain.rules.signal_rules import signal_rules_for
from portal.models import Claim
from portal.models import Debtor
from portal.models import Signal
from portal.services import contact_log
from portal.services import holds
from portal.services.early_signals import CHECKED
from portal.services.early_signals import OVERDUE
from portal.services.early_signals import candidates
from portal.services.early_signals import debtor_facts
from portal.services.early_signals import raise_early_signals
from portal.services.signals import LARGE_DEBT_NO_CONTACT
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import close_signal
from portal.services.signals import raise_signal
from tests.support.batch import pack
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff

AS_OF = date(2026, 11, 23)
NOW = datetime.combine(AS_OF, time(22, 0), tzinfo=UTC)


def _claim(session: Session, debtor: Debtor, days_late: int, amount: int) -> int:
    due = AS_OF - timedelta(days=days_late)
    claim = make_claim(session, debtor, amount, issue_date=due - timedelta(days=30), due_date=due)
    return claim.id


def _table(session: Session, rules: RulePack) -> list[int]:
    """Debtors on and around the thresholds; returns their ids."""
    limits = signal_rules_for(rules.code)
    grace = limits.overdue_grace_days
    quiet = limits.no_contact_days
    large = limits.large_debt
    staff = make_staff(session)
    made: list[int] = []

    def debtor(*claims: tuple[int, int]) -> Debtor:
        person = make_debtor(session)
        for days_late, amount in claims:
            _claim(session, person, days_late, amount)
        made.append(person.id)
        return person

    small = max(large // 10, 1_000)
    # several arrears: exactly the count, one short, one inside the grace period
    debtor(*[(grace + 1, small)] * limits.min_overdue_claims)
    debtor(*[(grace + 1, small)] * (limits.min_overdue_claims - 1))
    debtor(*[(grace + 1, small)] * (limits.min_overdue_claims - 1), (grace, small))
    # large debt: exactly the amount, one unit short, exactly / one day short of no contact
    debtor((quiet, large))
    debtor((quiet, large - 1))
    debtor((quiet - 1, large))
    debtor((quiet, large // 2), (quiet + 5, large - large // 2))
    # large debt with a contact: long ago (counts from it), exactly on / inside the limit
    for contact_days in (quiet + 200, quiet, quiet - 1):
        person = debtor((grace + 1, large))
        contact_log.log_contact(
            session,
            debtor_id=person.id,
            staff_user_id=staff.id,
            channel="phone",
            outcome="reached",
            now=NOW - timedelta(days=contact_days),
        )
    # a contact long before the oldest due date: the rule counts from the contact
    person = debtor((grace + 1, large))
    contact_log.log_contact(
        session,
        debtor_id=person.id,
        staff_user_id=staff.id,
        channel="letter",
        outcome="reached",
        now=NOW - timedelta(days=quiet + 400),
    )
    # paused: a hold on one of two claims, a hold that ended, a hold that starts tomorrow
    for starts, ends in ((-5, None), (-30, 0), (1, None)):
        person = make_debtor(session)
        held = _claim(session, person, grace + 10, large)
        _claim(session, person, grace + 10, small)
        holds.place_hold(
            session,
            held,
            holds.DISPUTE,
            starts_on=AS_OF + timedelta(days=starts),
            ends_on=None if ends is None else AS_OF + timedelta(days=ends),
            source="test",
        )
        made.append(person.id)
    # paid claims do not count
    paid = make_debtor(session)
    for _ in range(2):
        claim = session.get(Claim, _claim(session, paid, quiet + 10, large))
        assert claim is not None
        claim.principal_due = 0
    made.append(paid.id)
    # already signalled: one reason open, both open, one closed inside / outside the cooldown
    both = [(quiet + 10, large)] * max(limits.min_overdue_claims, 1)
    open_one = debtor(*both)
    raise_signal(session, open_one.id, SEVERAL_ARREARS, now=NOW - timedelta(days=3))
    open_both = debtor(*both)
    for reason in (SEVERAL_ARREARS, LARGE_DEBT_NO_CONTACT):
        raise_signal(session, open_both.id, reason, now=NOW - timedelta(days=3))
    for closed_days in (limits.cooldown_days - 1, limits.cooldown_days):
        person = debtor(*both)
        signal = raise_signal(
            session, person.id, SEVERAL_ARREARS, now=NOW - timedelta(days=closed_days + 1)
        )
        close_signal(
            session,
            signal,
            outcome="reached",
            staff_user_id=None,
            now=NOW - timedelta(days=closed_days),
        )
    session.flush()
    return made


def _open(session: Session, debtor_ids: list[int]) -> set[tuple[int, str]]:
    return set(
        session.execute(
            select(Signal.debtor_id, Signal.reason).where(
                Signal.debtor_id.in_(debtor_ids), Signal.state == "open"
            )
        ).all()
    )


@pytest.mark.parametrize("code", ["nl", "dk"])
def test_the_sql_prefilter_keeps_every_debtor_the_rule_raises_a_signal_for(
    make_app: Callable[..., Flask], db_session: Session, code: str
) -> None:
    with pack(make_app, db_session, code) as rules:
        debtor_ids = _table(db_session, rules)
        limits = signal_rules_for(rules.code)
        before = _open(db_session, debtor_ids)
        # The rule over every debtor of the table, without the pre-filter.
        facts = debtor_facts(db_session, rules, limits, debtor_ids, as_of=AS_OF)
        expected = {
            (debtor.debtor_id, reason)
            for debtor in facts
            for reason in signals_for(debtor, limits, AS_OF)
        } - before
        _, found = candidates(db_session, limits, as_of=AS_OF)

        counts = raise_early_signals(db_session, rules, as_of=AS_OF, now=NOW)

    raised = _open(db_session, debtor_ids) - before
    assert {reason for _, reason in expected} == {SEVERAL_ARREARS, LARGE_DEBT_NO_CONTACT}
    assert {debtor_id for debtor_id, _ in expected} <= set(found)
    assert raised == expected
    assert counts[OVERDUE] >= len(facts)
    # The filter narrows: debtors below the thresholds or fully signalled are not asked.
    assert counts[CHECKED] < len(facts)
