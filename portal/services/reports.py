"""Reports for management and the council (issue 6): arrears, collection, plans, remission,
write-offs, early signals, and costs charged against costs avoided, for a period of local days.

Every figure is one aggregate query (GROUP BY in the database), never a loop over claims in
Python: a municipality has hundreds of thousands of claims. Money is integer minor units with
its currency; rows are grouped by currency, although an installation normally has one.

What each figure means (the definitions the page and the CSV files state in words):

- outstanding: the balance of each claim as of the period's last day (the sum of its ledger
  entries effective up to that day), for claims with a balance above zero, by department and
  by days past the due date on that day: not yet due, 0-30, 31-90, 91-365, over 365;
- collected: payments received in the period (by `received_on`), except payments the bank
  reversed; per month of the period, and the month and year up to the period's last day;
- plans: active on the period's last day (activated by then, not yet ended or defaulted),
  completed in the period, defaulted in the period (a defaulted plan replaced later by a
  re-plan still counts as defaulted on its day); the total is what each plan was made for;
- remission: applications decided in the period, by decision, with what was applied for and
  what was waived;
- write-offs: ledger entries with cause `write_off` effective in the period, by department;
- signals: signals raised in the period, by reason, and what became of them (their outcome
  when closed, or still open);
- costs: reminder fees and interest charged (ledger, effective in the period) against the
  costs avoided (SuppressedCharge, `on_date` in the period).
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from datetime import tzinfo
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import extract
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import Department
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import Plan
from portal.models import RemissionApplication
from portal.models import RemissionClaim
from portal.models import Signal
from portal.models import SuppressedCharge
from portal.services.report_values import AGE_BUCKETS
from portal.services.report_values import COST_ROWS
from portal.services.report_values import EARLIEST  # noqa: F401 - re-exported
from portal.services.report_values import LATEST  # noqa: F401 - re-exported
from portal.services.report_values import MAX_PERIOD_MONTHS  # noqa: F401 - re-exported
from portal.services.report_values import PLAN_ROWS  # noqa: F401 - re-exported
from portal.services.report_values import REMISSION_DECISIONS
from portal.services.report_values import STILL_OPEN
from portal.services.report_values import CollectedReport
from portal.services.report_values import Figure
from portal.services.report_values import InvalidPeriod  # noqa: F401 - re-exported
from portal.services.report_values import LabelledFigure
from portal.services.report_values import MonthFigure
from portal.services.report_values import OutstandingLine
from portal.services.report_values import OutstandingReport
from portal.services.report_values import Period
from portal.services.report_values import RemissionLine
from portal.services.report_values import Reports
from portal.services.report_values import SignalLine
from portal.services.report_values import SignalsReport


def _int(value: Any) -> int:
    """SUM() is NULL over no rows, and a Decimal on PostgreSQL (numeric)."""
    return int(value or 0)


def _department_names(session: Session, locale: str) -> dict[int, str]:
    return {dept.id: dept.name(locale) for dept in session.scalars(select(Department))}


def _currencies(found: set[str], currency: str) -> list[str]:
    """The installation's currency first (always shown, also with nothing to show)."""
    return [currency, *sorted(found - {currency})]


def outstanding(session: Session, as_of: date, *, locale: str, currency: str) -> OutstandingReport:
    """Balances above zero on `as_of`, by department and age bucket (GROUP BY in SQL).

    The balance on a day is the sum of the claim's ledger entries effective up to that day, so
    a past period shows what was open then. (The cached balance on the claim would only serve
    "today", and measured no faster on 100,000 claims once the check for later entries is paid.)
    """
    balance = func.sum(LedgerEntry.amount)
    per_claim = (
        select(LedgerEntry.claim_id.label("claim_id"), balance.label("balance"))
        .where(LedgerEntry.effective_date <= as_of)
        .group_by(LedgerEntry.claim_id)
        .having(balance > 0)
        .subquery()
    )
    bucket = case(
        (Claim.due_date > as_of, "not_due"),
        (Claim.due_date >= as_of - timedelta(days=30), "0_30"),
        (Claim.due_date >= as_of - timedelta(days=90), "31_90"),
        (Claim.due_date >= as_of - timedelta(days=365), "91_365"),
        else_="over_365",
    ).label("bucket")
    rows = session.execute(
        select(
            Claim.department_id,
            Claim.currency,
            bucket,
            func.count(),
            func.sum(per_claim.c.balance),
        )
        .join(per_claim, per_claim.c.claim_id == Claim.id)
        .group_by(Claim.department_id, Claim.currency, bucket)
    ).all()
    names = _department_names(session, locale)
    cells: dict[tuple[int, str], dict[str, Figure]] = {}
    for department_id, row_currency, row_bucket, count, amount in rows:
        cells.setdefault((department_id, row_currency), {})[row_bucket] = Figure(
            _int(count), _int(amount), row_currency
        )
    lines = sorted(
        (
            _outstanding_line(names.get(dept, str(dept)), row_currency, found)
            for (dept, row_currency), found in cells.items()
        ),
        key=lambda line: (line.currency != currency, line.currency, line.department.lower()),
    )
    totals = []
    for total_currency in _currencies({line.currency for line in lines}, currency):
        same = [line for line in lines if line.currency == total_currency]
        summed = {
            name: Figure(
                sum(line.buckets[name].count for line in same),
                sum(line.buckets[name].amount for line in same),
                total_currency,
            )
            for name in AGE_BUCKETS
        }
        totals.append(_outstanding_line("", total_currency, summed))
    return OutstandingReport(as_of=as_of, lines=tuple(lines), totals=tuple(totals))


def _outstanding_line(department: str, currency: str, found: dict[str, Figure]) -> OutstandingLine:
    buckets = {name: found.get(name, Figure(0, 0, currency)) for name in AGE_BUCKETS}
    return OutstandingLine(
        department=department,
        currency=currency,
        buckets=buckets,
        total=Figure(
            sum(figure.count for figure in buckets.values()),
            sum(figure.amount for figure in buckets.values()),
            currency,
        ),
    )


def _booked() -> ColumnElement[bool]:
    return Payment.state != "reversed"


def collected(session: Session, period: Period, *, currency: str) -> CollectedReport:
    """Payments received in the period by month, and the month and year to the period's end."""
    year = extract("year", Payment.received_on)
    month = extract("month", Payment.received_on)
    rows = session.execute(
        select(year, month, Payment.currency, func.count(), func.sum(Payment.amount))
        .where(Payment.received_on.between(period.start, period.end), _booked())
        .group_by(year, month, Payment.currency)
    ).all()
    by_month = {(int(y), int(m), cur): Figure(_int(n), _int(a), cur) for y, m, cur, n, a in rows}
    found = {cur for _, _, cur in by_month}
    currencies = _currencies(found, currency)
    months = tuple(
        MonthFigure(y, m, by_month.get((y, m, cur), Figure(0, 0, cur)))
        for cur in currencies
        for y, m in period.months()
    )
    period_total = tuple(
        Figure(
            sum(item.figure.count for item in months if item.figure.currency == cur),
            sum(item.figure.amount for item in months if item.figure.currency == cur),
            cur,
        )
        for cur in currencies
    )
    month_start = period.end.replace(day=1)
    in_month = Payment.received_on >= month_start
    to_date = session.execute(
        select(
            Payment.currency,
            func.sum(case((in_month, 1), else_=0)),
            func.sum(case((in_month, Payment.amount), else_=0)),
            func.count(),
            func.sum(Payment.amount),
        )
        .where(
            Payment.received_on.between(date(period.end.year, 1, 1), period.end),
            _booked(),
        )
        .group_by(Payment.currency)
    ).all()
    mtd = {cur: Figure(_int(n), _int(a), cur) for cur, n, a, _, _ in to_date}
    ytd = {cur: Figure(_int(n), _int(a), cur) for cur, _, _, n, a in to_date}
    ytd_currencies = _currencies(set(ytd), currency)
    return CollectedReport(
        months=months,
        period_total=period_total,
        month_to_date=tuple(mtd.get(cur, Figure(0, 0, cur)) for cur in ytd_currencies),
        year_to_date=tuple(ytd.get(cur, Figure(0, 0, cur)) for cur in ytd_currencies),
    )


def _count_and_sum(condition: ColumnElement[bool], amount: Any) -> tuple[Any, Any]:
    return func.sum(case((condition, 1), else_=0)), func.sum(case((condition, amount), else_=0))


def plans(session: Session, period: Period, *, currency: str) -> tuple[LabelledFigure, ...]:
    """Active on the last day, completed in the period, defaulted in the period (one query)."""
    end = period.end
    active = and_(
        or_(Plan.defaulted_on.is_(None), Plan.defaulted_on > end),
        or_(Plan.ended_on.is_(None), Plan.ended_on > end),
    )
    completed = and_(Plan.state == "completed", Plan.ended_on.between(period.start, end))
    defaulted = Plan.defaulted_on.between(period.start, end)
    conditions = {"active": active, "completed": completed, "defaulted": defaulted}
    columns = [part for cond in conditions.values() for part in _count_and_sum(cond, Plan.total)]
    rows = session.execute(
        select(Plan.currency, *columns)
        .where(Plan.activated_on.is_not(None), Plan.activated_on <= end)
        .group_by(Plan.currency)
    ).all()
    found = {row[0]: row[1:] for row in rows}
    result = []
    for cur in _currencies(set(found), currency):
        values = found.get(cur, (0,) * len(columns))
        for index, key in enumerate(conditions):
            count, amount = values[2 * index], values[2 * index + 1]
            result.append(LabelledFigure(key, Figure(_int(count), _int(amount), cur)))
    return tuple(result)


def remissions(
    session: Session, period: Period, *, zone: tzinfo, currency: str
) -> tuple[RemissionLine, ...]:
    """Applications decided in the period, by decision: how many, applied for, waived."""
    first, after = period.moments(zone)
    applied = (
        select(
            RemissionClaim.application_id.label("application_id"),
            func.sum(RemissionClaim.amount_at_application).label("applied"),
        )
        .group_by(RemissionClaim.application_id)
        .subquery()
    )
    rows = session.execute(
        select(
            RemissionApplication.state,
            RemissionApplication.currency,
            func.count(),
            func.sum(applied.c.applied),
            func.sum(RemissionApplication.granted_total),
        )
        .outerjoin(applied, applied.c.application_id == RemissionApplication.id)
        .where(
            RemissionApplication.state.in_(REMISSION_DECISIONS),
            RemissionApplication.decided_at >= first,
            RemissionApplication.decided_at < after,
        )
        .group_by(RemissionApplication.state, RemissionApplication.currency)
    ).all()
    found = {(state, cur): (n, a, g) for state, cur, n, a, g in rows}
    result = []
    for cur in _currencies({cur for _, cur in found}, currency):
        for decision in REMISSION_DECISIONS:
            count, applied_for, granted = found.get((decision, cur), (0, 0, 0))
            result.append(
                RemissionLine(decision, cur, _int(count), _int(applied_for), _int(granted))
            )
    return tuple(result)


def write_offs(session: Session, period: Period, *, locale: str) -> tuple[LabelledFigure, ...]:
    """Written off in the period, by department: claims and the amount (largest first)."""
    rows = session.execute(
        select(
            Claim.department_id,
            LedgerEntry.currency,
            func.count(func.distinct(LedgerEntry.claim_id)),
            -func.sum(LedgerEntry.amount),
        )
        .join(Claim, Claim.id == LedgerEntry.claim_id)
        .where(
            LedgerEntry.cause == "write_off",
            LedgerEntry.effective_date.between(period.start, period.end),
        )
        .group_by(Claim.department_id, LedgerEntry.currency)
    ).all()
    names = _department_names(session, locale)
    lines = [
        LabelledFigure(names.get(dept, str(dept)), Figure(_int(n), _int(amount), cur))
        for dept, cur, n, amount in rows
    ]
    return tuple(sorted(lines, key=lambda line: (-line.figure.amount, line.key.lower())))


def signals(session: Session, period: Period, *, zone: tzinfo) -> SignalsReport:
    """Signals raised in the period: by reason (raised, open, closed) and by outcome."""
    first, after = period.moments(zone)
    rows = session.execute(
        select(Signal.reason, Signal.state, Signal.outcome, func.count())
        .where(Signal.raised_at >= first, Signal.raised_at < after)
        .group_by(Signal.reason, Signal.state, Signal.outcome)
    ).all()
    reasons: dict[str, list[int]] = {}
    outcomes: dict[str, int] = {}
    for reason, state, outcome, count in rows:
        line = reasons.setdefault(reason, [0, 0])
        is_open = state == "open"
        line[0 if is_open else 1] += count
        key = STILL_OPEN if is_open else (outcome or "")
        outcomes[key] = outcomes.get(key, 0) + count
    by_reason = tuple(
        SignalLine(reason, still_open + closed, still_open, closed)
        for reason, (still_open, closed) in sorted(reasons.items())
    )
    ordered = tuple(sorted(outcomes.items(), key=lambda item: (-item[1], item[0])))
    return SignalsReport(by_reason=by_reason, outcomes=ordered)


def costs(session: Session, period: Period, *, currency: str) -> tuple[LabelledFigure, ...]:
    """Reminder fees and interest charged in the period, against the costs avoided."""
    charged = session.execute(
        select(LedgerEntry.cause, LedgerEntry.currency, func.count(), func.sum(LedgerEntry.amount))
        .where(
            LedgerEntry.cause.in_(("reminder_fee", "interest")),
            LedgerEntry.effective_date.between(period.start, period.end),
        )
        .group_by(LedgerEntry.cause, LedgerEntry.currency)
    ).all()
    avoided = session.execute(
        select(SuppressedCharge.currency, func.count(), func.sum(SuppressedCharge.amount))
        .where(SuppressedCharge.on_date.between(period.start, period.end))
        .group_by(SuppressedCharge.currency)
    ).all()
    found = {(cause, cur): (n, a) for cause, cur, n, a in charged}
    found |= {("avoided", cur): (n, a) for cur, n, a in avoided}
    result = []
    for cur in _currencies({cur for _, cur in found}, currency):
        for key in COST_ROWS:
            count, amount = found.get((key, cur), (0, 0))
            result.append(LabelledFigure(key, Figure(_int(count), _int(amount), cur)))
    return tuple(result)


def build_reports(
    session: Session, period: Period, *, locale: str, zone: tzinfo, currency: str
) -> Reports:
    """Every report for the period. `currency` is the installation's (shown first, always)."""
    return Reports(
        period=period,
        currency=currency,
        outstanding=outstanding(session, period.end, locale=locale, currency=currency),
        collected=collected(session, period, currency=currency),
        plans=plans(session, period, currency=currency),
        remissions=remissions(session, period, zone=zone, currency=currency),
        write_offs=write_offs(session, period, locale=locale),
        signals=signals(session, period, zone=zone),
        costs=costs(session, period, currency=currency),
    )
