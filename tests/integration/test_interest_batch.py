"""The interest step: DK 1 % per started month on claims with execution right whose type bears
interest; once per claim and period; a catch-up equals daily runs; holds stop it, a plan does
not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import InterestAccrual
from portal.models import LedgerEntry
from portal.services import holds
from portal.services.interest_batch import run_interest
from tests.support.batch import claim_of
from tests.support.batch import done
from tests.support.batch import ledger_count
from tests.support.batch import pack
from tests.support.batch import suppressed_of
from tests.support.factories import pay
from tests.support.plans import rules as nl_rules

MakeApp = Callable[..., Flask]
JAN_15 = date(2026, 1, 15)


def _interest(session: Session, claim: Claim) -> list[tuple[date, int]]:
    return [
        (e.effective_date, e.amount)
        for e in session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.claim_id == claim.id, LedgerEntry.cause == "interest")
            .order_by(LedgerEntry.id)
        )
    ]


def _accruals(session: Session, claim: Claim) -> list[tuple[date, date, int, int, bool]]:
    return [
        (a.period_start, a.period_end, a.months, a.amount, a.suppressed)
        for a in session.scalars(
            select(InterestAccrual)
            .where(InterestAccrual.claim_id == claim.id)
            .order_by(InterestAccrual.period_start)
        )
    ]


def test_dk_interest_is_one_percent_per_started_month_from_the_due_date(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 500_000, due=JAN_15)

        assert done(run_interest(db_session, rules, as_of=JAN_15)) == {}
        counts = run_interest(db_session, rules, as_of=date(2026, 3, 20))

        # the worked example of domain-rules.md §2.2: 5,000 kr, 15 Jan → 20 Mar = 150 kr
        assert done(counts) == {"accrued": 1, "interest_amount": 15_000}
        assert claim.interest_due == 15_000
        assert _accruals(db_session, claim) == [
            (JAN_15, date(2026, 4, 14), 3, 15_000, False),
        ]


def test_running_twice_on_the_same_day_changes_nothing(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 500_000, due=JAN_15)
        run_interest(db_session, rules, as_of=date(2026, 2, 1))
        entries = ledger_count(db_session)

        assert done(run_interest(db_session, rules, as_of=date(2026, 2, 1))) == {}
        assert done(run_interest(db_session, rules, as_of=date(2026, 2, 14))) == {}
        assert ledger_count(db_session) == entries
        assert claim.interest_due == 5_000


def test_a_catch_up_after_a_gap_posts_the_same_total_as_daily_runs(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        daily = claim_of(db_session, "waste_fee", 123_457, due=JAN_15)
        day = JAN_15
        while day <= date(2026, 6, 1):
            run_interest(db_session, rules, as_of=day)
            day += timedelta(days=1)
        late = claim_of(db_session, "waste_fee", 123_457, due=JAN_15)

        run_interest(db_session, rules, as_of=date(2026, 6, 1))

        assert late.interest_due == daily.interest_due == 6_173  # 5 months × 1 %, rounded once
        assert len(_accruals(db_session, daily)) == 5
        assert len(_accruals(db_session, late)) == 1


def test_only_interest_bearing_types_with_execution_right_get_interest(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        parking = claim_of(db_session, "parking_charge", 500_000, due=JAN_15)  # bears none
        rent = claim_of(db_session, "rent", 500_000, due=JAN_15)  # renteloven: not charged here
        waste = claim_of(db_session, "waste_fee", 500_000, due=JAN_15)

        run_interest(db_session, rules, as_of=date(2026, 3, 20))

        assert _interest(db_session, parking) == []
        assert _interest(db_session, rent) == []
        assert _interest(db_session, waste) == [(date(2026, 3, 20), 15_000)]


def test_nl_charges_no_interest(db_session: Session) -> None:
    claim = claim_of(db_session, "childcare_contribution", 500_000, due=JAN_15)

    assert done(run_interest(db_session, nl_rules(), as_of=date(2026, 6, 1))) == {}
    assert claim.interest_due == 0


def test_under_a_hold_the_months_are_suppressed_and_never_charged_later(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 500_000, due=JAN_15)
        hold = holds.place_hold(
            db_session, claim.id, holds.DISPUTE, starts_on=JAN_15, source="test:dispute"
        )
        counts = run_interest(db_session, rules, as_of=date(2026, 3, 1))
        assert done(counts) == {"suppressed": 1}
        assert claim.interest_due == 0
        assert suppressed_of(db_session, claim) == [("interest:2026-01-15", "hold", 10_000)]

        holds.release_hold(db_session, hold, on=date(2026, 3, 2))
        run_interest(db_session, rules, as_of=date(2026, 3, 20))

        assert claim.interest_due == 5_000  # only the third month
        assert [a[4] for a in _accruals(db_session, claim)] == [True, False]


def test_interest_keeps_running_while_the_claim_is_in_a_plan(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 500_000, due=JAN_15)
        holds.place_hold(db_session, claim.id, holds.PLAN, starts_on=JAN_15, source="plan:1")

        run_interest(db_session, rules, as_of=date(2026, 3, 20))

        assert claim.interest_due == 15_000
        assert suppressed_of(db_session, claim) == []


def test_interest_is_on_the_principal_still_open_and_never_reversed(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 500_000, due=JAN_15)
        run_interest(db_session, rules, as_of=date(2026, 1, 20))
        assert claim.interest_due == 5_000
        pay(db_session, claim.debtor, 5_000 + 400_000, claim=claim, on=date(2026, 1, 25))
        assert claim.principal_due == 100_000

        run_interest(db_session, rules, as_of=date(2026, 3, 20))

        # 3 months on 1,000 kr = 30 kr in total; 50 kr were posted before, so nothing more
        assert _interest(db_session, claim) == [(date(2026, 1, 20), 5_000)]
