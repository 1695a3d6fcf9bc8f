"""The report service: exact figures per table from known data, period and age boundaries.

The known data lives in the first half of 2019, far from the dates other tests use, so the
figures are exact. The period is local days in the installation's time zone (NL: Amsterdam):
timestamp columns (decisions, signals) are cut at local midnight, not UTC midnight.
"""

from __future__ import annotations

import itertools
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import Debtor
from portal.models import Department
from portal.models import Payment
from portal.models import Plan
from portal.models import RemissionApplication
from portal.models import RemissionClaim
from portal.services import reports as svc
from portal.services.holds import record_suppressed_charge
from portal.services.ledger import append_entry
from portal.services.signals import close_signal
from portal.services.signals import raise_signal
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay

START = date(2019, 1, 1)
END = date(2019, 6, 30)
PERIOD = svc.Period.checked(START, END)
_keys = itertools.count(1)


def _rules(app: Flask) -> RulePack:
    rules: RulePack = app.config["RULE_PACK"]
    return rules


def _zone(app: Flask) -> ZoneInfo:
    return ZoneInfo(_rules(app).timezone)


def _local(app: Flask, day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), _zone(app))


def _claim(
    session: Session, debtor: Debtor, amount: int, due: date, code: str = "waste_levy"
) -> Claim:
    return make_claim(
        session,
        debtor,
        amount,
        claim_type_code=code,
        issue_date=due - timedelta(days=30),
        due_date=due,
    )


def _department_name(session: Session, claim: Claim) -> str:
    department = session.get(Department, claim.department_id)
    assert department is not None
    return department.name("en")


# --- the period -------------------------------------------------------------------------


def test_a_period_lists_every_month_it_touches() -> None:
    assert svc.Period(date(2025, 11, 15), date(2026, 2, 1)).months() == (
        (2025, 11),
        (2025, 12),
        (2026, 1),
        (2026, 2),
    )
    assert svc.Period(date(2026, 3, 31), date(2026, 3, 31)).months() == ((2026, 3),)


def test_the_default_period_is_this_year_to_date() -> None:
    assert svc.Period.year_to_date(date(2026, 11, 23)) == svc.Period(
        date(2026, 1, 1), date(2026, 11, 23)
    )


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (date(2026, 2, 1), date(2026, 1, 31), "order"),
        (date(1899, 12, 31), date(2026, 1, 1), "range"),
        (date(2026, 1, 1), date(3000, 1, 1), "range"),
        (date(2010, 1, 31), date(2020, 1, 1), "too_long"),
    ],
)
def test_an_impossible_period_is_refused_with_its_reason(
    start: date, end: date, reason: str
) -> None:
    with pytest.raises(svc.InvalidPeriod) as refused:
        svc.Period.checked(start, end)
    assert refused.value.reason == reason


def test_a_period_of_one_day_and_one_of_ten_years_are_fine() -> None:
    assert svc.Period.checked(END, END).months() == ((2019, 6),)
    assert len(svc.Period.checked(date(2010, 1, 1), date(2019, 12, 31)).months()) == 120


def test_the_moments_of_a_period_are_local_midnights(app: Flask) -> None:
    first, after = PERIOD.moments(_zone(app))
    assert first == _local(app, START)
    assert after == _local(app, END + timedelta(days=1))


# --- outstanding ------------------------------------------------------------------------


def test_outstanding_is_the_balance_on_the_last_day_by_department_and_age(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Report Arrears")
    _claim(db_session, debtor, 10_000, END)  # 0 days past due
    _claim(db_session, debtor, 20_000, END - timedelta(days=30))  # 30
    _claim(db_session, debtor, 30_000, END - timedelta(days=31))  # 31
    _claim(db_session, debtor, 40_000, END - timedelta(days=90))  # 90
    parking = _claim(db_session, debtor, 50_000, END - timedelta(days=91), "parking_assessment")
    _claim(db_session, debtor, 60_000, END - timedelta(days=365), "parking_assessment")
    _claim(db_session, debtor, 70_000, END - timedelta(days=366), "parking_assessment")
    tax = _claim(db_session, debtor, 5_000, END + timedelta(days=1))  # not yet due
    make_claim(  # issued after the last day: not there yet
        db_session, debtor, 99_000, claim_type_code="waste_levy", issue_date=END + timedelta(1)
    )
    paid = _claim(db_session, debtor, 8_000, END - timedelta(days=10))
    pay(db_session, debtor, 8_000, claim=paid, on=END)  # paid in full on the last day
    part = _claim(db_session, debtor, 9_000, END - timedelta(days=10))
    pay(db_session, debtor, 4_000, claim=part, on=END - timedelta(days=1))
    pay(db_session, debtor, 5_000, claim=part, on=END + timedelta(days=1))  # after the day

    report = svc.outstanding(db_session, END, locale="en", currency="EUR")

    figures = {
        line.department: {name: (f.count, f.amount) for name, f in line.buckets.items()}
        for line in report.lines
    }
    assert figures == {
        _department_name(db_session, tax): {
            "not_due": (1, 5_000),
            "0_30": (3, 35_000),
            "31_90": (2, 70_000),
            "91_365": (0, 0),
            "over_365": (0, 0),
        },
        _department_name(db_session, parking): {
            "not_due": (0, 0),
            "0_30": (0, 0),
            "31_90": (0, 0),
            "91_365": (2, 110_000),
            "over_365": (1, 70_000),
        },
    }
    (total,) = report.totals
    assert total.currency == "EUR"
    assert {name: (f.count, f.amount) for name, f in total.buckets.items()} == {
        "not_due": (1, 5_000),
        "0_30": (3, 35_000),
        "31_90": (2, 70_000),
        "91_365": (2, 110_000),
        "over_365": (1, 70_000),
    }
    assert (total.total.count, total.total.amount) == (9, 290_000)
    assert report.as_of == END


def test_up_to_today_the_figures_match_the_cached_balances_of_the_claims(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session, "Report Cache")
    made = [
        _claim(db_session, debtor, amount, TODAY - timedelta(days=days))
        for days, amount in ((-5, 1_000), (0, 2_000), (45, 3_000), (200, 4_000), (400, 5_000))
    ]
    paid = _claim(db_session, debtor, 6_000, TODAY - timedelta(days=20))
    pay(db_session, debtor, 2_500, claim=paid, on=TODAY - timedelta(days=1))
    before = svc.outstanding(db_session, TODAY, locale="en", currency="EUR").totals[0]

    pay(db_session, debtor, 1_000, claim=made[2], on=TODAY)
    after = svc.outstanding(db_session, TODAY, locale="en", currency="EUR").totals[0]

    assert before.buckets["31_90"].amount - after.buckets["31_90"].amount == 1_000
    open_claims = db_session.scalars(
        select(Claim).where(Claim.principal_due + Claim.fee_due + Claim.interest_due > 0)
    ).all()
    assert after.total.amount == sum(
        claim.balance for claim in open_claims if claim.issue_date <= TODAY
    )
    assert after.total.count == sum(1 for claim in open_claims if claim.issue_date <= TODAY)


def test_with_nothing_open_the_total_line_is_zero_in_the_installation_currency(
    db_session: Session,
) -> None:
    report = svc.outstanding(db_session, date(1950, 1, 1), locale="en", currency="EUR")

    assert report.lines == ()
    (total,) = report.totals
    assert (total.currency, total.total.count, total.total.amount) == ("EUR", 0, 0)


# --- collected --------------------------------------------------------------------------


def test_collected_counts_booked_payments_per_month_and_to_the_last_day(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session, "Report Payer")
    _claim(db_session, debtor, 100_000, date(2018, 12, 1))
    for amount, day in (
        (1_000, START),
        (2_000, date(2019, 3, 15)),
        (3_000, END),
        (4_000, START - timedelta(days=1)),
        (5_000, END + timedelta(days=1)),
        (6_000, date(2019, 5, 5)),
    ):
        pay(db_session, debtor, amount, on=day)
    reversed_payment = db_session.scalar(select(Payment).where(Payment.amount == 6_000))
    assert reversed_payment is not None
    reversed_payment.state = "reversed"
    db_session.flush()

    report = svc.collected(db_session, PERIOD, currency="EUR")

    assert [(m.year, m.month, m.figure.count, m.figure.amount) for m in report.months] == [
        (2019, 1, 1, 1_000),
        (2019, 2, 0, 0),
        (2019, 3, 1, 2_000),
        (2019, 4, 0, 0),
        (2019, 5, 0, 0),
        (2019, 6, 1, 3_000),
    ]
    assert report.period_total == (svc.Figure(3, 6_000, "EUR"),)
    assert report.month_to_date == (svc.Figure(1, 3_000, "EUR"),)
    assert report.year_to_date == (svc.Figure(3, 6_000, "EUR"),)

    march = svc.collected(
        db_session, svc.Period(date(2019, 3, 1), date(2019, 3, 31)), currency="EUR"
    )
    assert march.period_total == (svc.Figure(1, 2_000, "EUR"),)
    assert march.month_to_date == (svc.Figure(1, 2_000, "EUR"),)
    assert march.year_to_date == (svc.Figure(2, 3_000, "EUR"),)


# --- plans ------------------------------------------------------------------------------


def _plan(
    session: Session,
    debtor: Debtor,
    state: str,
    total: int,
    *,
    activated: date | None,
    ended: date | None = None,
    defaulted: date | None = None,
) -> Plan:
    plan = Plan(
        debtor_id=debtor.id,
        state=state,
        currency="EUR",
        total=total,
        monthly_amount=1_000,
        months=max(total // 1_000, 1),
        first_due_date=activated or START,
        basis="own_offer",
        proposed_on=(activated or START) - timedelta(days=3),
        submission_key=f"report-plan-{next(_keys)}",
        activated_on=activated,
        ended_on=ended,
        defaulted_on=defaulted,
    )
    session.add(plan)
    session.flush()
    return plan


def test_plans_active_on_the_last_day_completed_and_defaulted_in_the_period(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session, "Report Plans")
    _plan(db_session, debtor, "active", 100_000, activated=date(2019, 2, 1))
    _plan(db_session, debtor, "completed", 50_000, activated=date(2019, 1, 10), ended=END)
    _plan(
        db_session,
        debtor,
        "defaulted",
        30_000,
        activated=date(2018, 6, 1),
        ended=START,
        defaulted=START,
    )
    # defaulted in the period, then replaced by a re-plan: still a broken plan of the period
    _plan(
        db_session,
        debtor,
        "superseded",
        20_000,
        activated=date(2018, 1, 1),
        ended=date(2019, 4, 1),
        defaulted=date(2019, 3, 1),
    )
    _plan(db_session, debtor, "completed", 10_000, activated=START, ended=END + timedelta(1))
    _plan(db_session, debtor, "active", 7_000, activated=END + timedelta(days=1))
    _plan(db_session, debtor, "pending_review", 5_000, activated=None)
    _plan(
        db_session,
        debtor,
        "completed",
        3_000,
        activated=date(2018, 1, 1),
        ended=START - timedelta(1),
    )
    _plan(
        db_session, debtor, "cancelled", 2_000, activated=date(2019, 1, 5), ended=date(2019, 2, 1)
    )

    lines = svc.plans(db_session, PERIOD, currency="EUR")

    assert [(line.key, line.figure.count, line.figure.amount) for line in lines] == [
        ("active", 2, 110_000),
        ("completed", 1, 50_000),
        ("defaulted", 2, 50_000),
    ]


# --- remission --------------------------------------------------------------------------


def _application(
    session: Session,
    debtor: Debtor,
    state: str,
    applied: tuple[tuple[Claim, int], ...],
    *,
    granted: int | None,
    decided_at: datetime | None,
) -> RemissionApplication:
    application = RemissionApplication(
        debtor_id=debtor.id,
        state=state,
        currency="EUR",
        submission_key=f"report-remission-{next(_keys)}",
        granted_total=granted,
        decided_at=decided_at,
    )
    application.claims = [
        RemissionClaim(claim_id=claim.id, amount_at_application=amount, granted_amount=None)
        for claim, amount in applied
    ]
    session.add(application)
    session.flush()
    return application


def test_remission_decided_in_the_local_period_by_decision(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session, "Report Remission")
    one, two = _claim(db_session, debtor, 40_000, START), _claim(db_session, debtor, 30_000, START)
    at = _local
    _application(  # local midnight of the first day is 23:00 UTC the day before: inside
        db_session,
        debtor,
        "granted",
        ((one, 40_000), (two, 10_000)),
        granted=50_000,
        decided_at=at(app, START),
    )
    _application(
        db_session,
        debtor,
        "partially_granted",
        ((one, 30_000),),
        granted=12_000,
        decided_at=at(app, END, 23, 30),
    )
    _application(
        db_session,
        debtor,
        "rejected",
        ((two, 20_000),),
        granted=0,
        decided_at=at(app, date(2019, 3, 1), 9),
    )
    _application(
        db_session,
        debtor,
        "granted",
        ((one, 1_000),),
        granted=1_000,
        decided_at=at(app, END + timedelta(days=1)),
    )
    _application(
        db_session,
        debtor,
        "granted",
        ((one, 2_000),),
        granted=2_000,
        decided_at=at(app, START - timedelta(days=1), 23, 59),
    )
    _application(
        db_session, debtor, "pending_review", ((two, 3_000),), granted=None, decided_at=None
    )

    lines = svc.remissions(db_session, PERIOD, zone=_zone(app), currency="EUR")

    assert [(x.decision, x.applications, x.applied_for, x.granted) for x in lines] == [
        ("granted", 1, 50_000, 50_000),
        ("partially_granted", 1, 30_000, 12_000),
        ("rejected", 1, 20_000, 0),
    ]


# --- write-offs -------------------------------------------------------------------------


def test_write_offs_in_the_period_by_department(db_session: Session) -> None:
    debtor = make_debtor(db_session, "Report Write-off")
    tax = _claim(db_session, debtor, 10_000, date(2015, 1, 1))
    append_entry(
        db_session,
        tax,
        component="fee",
        amount=700,
        cause="reminder_fee",
        effective_date=date(2015, 3, 1),
    )
    for component, amount in (("principal", -10_000), ("fee", -700)):
        append_entry(
            db_session,
            tax,
            component=component,
            amount=amount,
            cause="write_off",
            effective_date=START,
        )
    parking = _claim(db_session, debtor, 20_000, date(2015, 1, 1), "parking_assessment")
    append_entry(
        db_session,
        parking,
        component="principal",
        amount=-5_000,
        cause="write_off",
        effective_date=END,
    )
    append_entry(
        db_session,
        parking,
        component="principal",
        amount=-6_000,
        cause="write_off",
        effective_date=END + timedelta(days=1),
    )
    append_entry(
        db_session,
        parking,
        component="principal",
        amount=-3_000,
        cause="write_off",
        effective_date=START - timedelta(days=1),
    )

    lines = svc.write_offs(db_session, PERIOD, locale="en")

    assert [(x.key, x.figure.count, x.figure.amount, x.figure.currency) for x in lines] == [
        (_department_name(db_session, tax), 1, 10_700, "EUR"),
        (_department_name(db_session, parking), 1, 5_000, "EUR"),
    ]


# --- signals ----------------------------------------------------------------------------


def test_signals_raised_in_the_local_period_by_reason_and_outcome(
    app: Flask, db_session: Session
) -> None:
    debtors = [make_debtor(db_session, f"Report Signal {i}") for i in range(5)]
    raised = [
        raise_signal(db_session, debtors[0].id, "several_arrears", now=_local(app, START, 0, 30)),
        raise_signal(
            db_session, debtors[1].id, "several_arrears", now=_local(app, date(2019, 2, 1))
        ),
        raise_signal(
            db_session, debtors[2].id, "plan_defaulted", now=_local(app, date(2019, 3, 1))
        ),
        raise_signal(db_session, debtors[3].id, "plan_defaulted", now=_local(app, END, 23)),
        raise_signal(
            db_session, debtors[4].id, "several_arrears", now=_local(app, END + timedelta(1))
        ),
    ]
    later = _local(app, date(2019, 8, 1))
    for signal, outcome in (
        (raised[0], "plan_agreed"),
        (raised[2], "unreachable"),
        (raised[3], "plan_agreed"),
        (raised[4], "declined"),
    ):
        close_signal(db_session, signal, outcome=outcome, staff_user_id=None, now=later)

    report = svc.signals(db_session, PERIOD, zone=_zone(app))

    assert report.by_reason == (
        svc.SignalLine("plan_defaulted", raised=2, still_open=0, closed=2),
        svc.SignalLine("several_arrears", raised=2, still_open=1, closed=1),
    )
    assert report.outcomes == (("plan_agreed", 2), (svc.STILL_OPEN, 1), ("unreachable", 1))


# --- costs ------------------------------------------------------------------------------


def test_costs_charged_against_costs_avoided_in_the_period(db_session: Session) -> None:
    debtor = make_debtor(db_session, "Report Costs")
    claim = _claim(db_session, debtor, 10_000, date(2018, 12, 1))
    for day, amount in ((START, 1_500), (END, 2_500), (END + timedelta(days=1), 9_999)):
        append_entry(
            db_session,
            claim,
            component="fee",
            amount=amount,
            cause="reminder_fee",
            effective_date=day,
        )
    append_entry(
        db_session,
        claim,
        component="interest",
        amount=300,
        cause="interest",
        effective_date=date(2019, 4, 1),
    )
    for number, (day, amount) in enumerate(
        ((START, 1_000), (date(2019, 5, 5), 2_000), (START - timedelta(days=1), 7_000)), 1
    ):
        record_suppressed_charge(
            db_session,
            claim.id,
            amount=amount,
            currency="EUR",
            reason="plan",
            action_key=f"reminder:{number}",
            on_date=day,
        )

    lines = svc.costs(db_session, PERIOD, currency="EUR")

    assert [(x.key, x.figure.count, x.figure.amount) for x in lines] == [
        ("reminder_fee", 2, 4_000),
        ("interest", 1, 300),
        ("avoided", 2, 3_000),
    ]


# --- everything together, and plans made through the services ---------------------------


def test_build_reports_gathers_every_table_for_the_period(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session, "Report All")
    _claim(db_session, debtor, 12_345, END - timedelta(days=45))

    reports = svc.build_reports(db_session, PERIOD, locale="en", zone=_zone(app), currency="EUR")

    assert reports.period == PERIOD
    assert reports.currency == "EUR"
    assert reports.outstanding.totals[0].buckets["31_90"] == svc.Figure(1, 12_345, "EUR")
    assert len(reports.collected.months) == 6
    assert [line.key for line in reports.plans] == list(svc.PLAN_ROWS)
    assert [line.decision for line in reports.remissions] == list(svc.REMISSION_DECISIONS)
    assert [line.key for line in reports.costs] == list(svc.COST_ROWS)


def test_plans_made_through_the_services_are_counted_on_their_days(
    db_session: Session,
) -> None:
    from tests.support.plans import make_plan

    today = svc.Period(TODAY, TODAY)
    before = {line.key: line.figure for line in svc.plans(db_session, today, currency="EUR")}

    active = make_plan(db_session, state="active")
    completed = make_plan(db_session, state="completed")
    defaulted = make_plan(db_session, state="defaulted")

    after = {line.key: line.figure for line in svc.plans(db_session, today, currency="EUR")}
    grown = {key: after[key].count - before[key].count for key in svc.PLAN_ROWS}
    assert grown == {"active": 1, "completed": 1, "defaulted": 1}
    assert after["active"].amount - before["active"].amount == active.total
    assert after["completed"].amount - before["completed"].amount == completed.total
    assert after["defaulted"].amount - before["defaulted"].amount == defaulted.total
