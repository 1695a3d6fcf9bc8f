"""What the reports (services/reports.py, which re-exports all of it) are made of: the
period, the report rows and their labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo

#: days past the due date on the period's last day; "not_due" = the due date is later
AGE_BUCKETS = ("not_due", "0_30", "31_90", "91_365", "over_365")
PLAN_ROWS = ("active", "completed", "defaulted")
REMISSION_DECISIONS = ("granted", "partially_granted", "rejected")
COST_ROWS = ("reminder_fee", "interest", "avoided")
#: a signal raised in the period and not closed yet
STILL_OPEN = "open"
#: the longest period the page reports on, in months touched (the month table lists each one)
MAX_PERIOD_MONTHS = 120
#: the dates the filter accepts (date arithmetic must stay far from date.min and date.max)
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


class InvalidPeriod(ValueError):
    """`reason`: "order" (the end is before the start), "range" (a date before 1900 or after
    2999), "too_long" (it touches more than MAX_PERIOD_MONTHS months)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Period:
    """Local days in the installation's time zone, both inclusive."""

    start: date
    end: date

    @classmethod
    def checked(cls, start: date, end: date) -> Period:
        if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
            raise InvalidPeriod("range")
        if end < start:
            raise InvalidPeriod("order")
        if (end.year - start.year) * 12 + end.month - start.month >= MAX_PERIOD_MONTHS:
            raise InvalidPeriod("too_long")
        return cls(start, end)

    @classmethod
    def year_to_date(cls, today: date) -> Period:
        return cls(date(today.year, 1, 1), today)

    def moments(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[first moment, first moment after) of the period, for timestamp columns."""
        return (
            datetime.combine(self.start, time(), zone),
            datetime.combine(self.end + timedelta(days=1), time(), zone),
        )

    def months(self) -> tuple[tuple[int, int], ...]:
        """(year, month) of every month the period touches, in order."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(months)


@dataclass(frozen=True)
class Figure:
    """A count and an amount (minor units of `currency`)."""

    count: int
    amount: int
    currency: str


@dataclass(frozen=True)
class OutstandingLine:
    department: str
    currency: str
    #: bucket (AGE_BUCKETS) -> claims and their balance; every bucket is present
    buckets: Mapping[str, Figure]
    total: Figure


@dataclass(frozen=True)
class OutstandingReport:
    as_of: date
    lines: tuple[OutstandingLine, ...]
    #: one line per currency, department "" (the sums of the lines above)
    totals: tuple[OutstandingLine, ...]


@dataclass(frozen=True)
class MonthFigure:
    year: int
    month: int
    figure: Figure


@dataclass(frozen=True)
class CollectedReport:
    #: every month of the period, also those without payments (count 0)
    months: tuple[MonthFigure, ...]
    period_total: tuple[Figure, ...]
    #: the month of the period's last day, from its first day up to the period's last day
    month_to_date: tuple[Figure, ...]
    #: 1 January of the period's last day's year up to the period's last day
    year_to_date: tuple[Figure, ...]


@dataclass(frozen=True)
class LabelledFigure:
    """One row of a small table: a key (PLAN_ROWS, a decision, a department...) and figures."""

    key: str
    figure: Figure


@dataclass(frozen=True)
class RemissionLine:
    decision: str
    currency: str
    applications: int
    applied_for: int
    granted: int


@dataclass(frozen=True)
class SignalLine:
    reason: str
    raised: int
    still_open: int
    closed: int


@dataclass(frozen=True)
class SignalsReport:
    by_reason: tuple[SignalLine, ...]
    #: outcome (or STILL_OPEN) -> how many of the signals raised in the period, most first
    outcomes: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Reports:
    period: Period
    currency: str
    outstanding: OutstandingReport
    collected: CollectedReport
    #: PLAN_ROWS, in that order, per currency
    plans: tuple[LabelledFigure, ...]
    #: REMISSION_DECISIONS, in that order, per currency
    remissions: tuple[RemissionLine, ...]
    #: by department (localised name), largest first
    write_offs: tuple[LabelledFigure, ...]
    signals: SignalsReport
    #: COST_ROWS, in that order, per currency
    costs: tuple[LabelledFigure, ...]
