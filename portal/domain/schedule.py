"""Installment schedules: equal monthly amounts, the last one absorbing the remainder.

Rules (issue 4, step 4):
- every installment but the last is exactly `monthly`; the last is the rest, 0 < last ≤ monthly
  (it may be below the minimum installment: it only finishes the debt);
- the installments sum exactly to the total;
- due dates fall monthly on the first due date's day of the month, clamped to the month's end
  (31 Jan → 28/29 Feb → 31 Mar: each date is computed from the first, never from the previous);
- at most `max_months` installments.

Pure: the first due date is passed in, amounts are integer minor units.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


class InvalidSchedule(ValueError):
    """Base class: a schedule that cannot be built from these numbers."""


class NothingToSchedule(InvalidSchedule):
    """The total is zero or negative."""

    def __init__(self, total: int) -> None:
        super().__init__(f"nothing to schedule: total {total}")
        self.total = total


class InstallmentNotPositive(InvalidSchedule):
    """The monthly amount is zero or negative."""

    def __init__(self, monthly: int) -> None:
        super().__init__(f"monthly amount must be positive, got {monthly}")
        self.monthly = monthly


class InstallmentBelowMinimum(InvalidSchedule):
    """The monthly amount is below the rule pack's minimum installment."""

    def __init__(self, monthly: int, minimum: int) -> None:
        super().__init__(f"monthly amount {monthly} is below the minimum {minimum}")
        self.monthly = monthly
        self.minimum = minimum


class ScheduleTooLong(InvalidSchedule):
    """Paying `monthly` would take `months_needed` months, more than `max_months`."""

    def __init__(self, months_needed: int, max_months: int) -> None:
        super().__init__(f"{months_needed} months needed, at most {max_months} allowed")
        self.months_needed = months_needed
        self.max_months = max_months


def _check_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int minor units, got {type(value)!r}")


@dataclass(frozen=True)
class Installment:
    """Installment `number` (1-based) of `amount` minor units, due on `due_date`."""

    number: int
    due_date: date
    amount: int


@dataclass(frozen=True)
class Schedule:
    total: int
    monthly: int
    installments: tuple[Installment, ...]

    @property
    def months(self) -> int:
        return len(self.installments)

    @property
    def first_due(self) -> date:
        return self.installments[0].due_date

    @property
    def last_due(self) -> date:
        return self.installments[-1].due_date

    @property
    def last_amount(self) -> int:
        return self.installments[-1].amount


def add_months(start: date, months: int) -> date:
    """`start` moved `months` calendar months on, the day clamped to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def months_needed(total: int, monthly: int) -> int:
    """How many installments of `monthly` pay `total` (the last one may be smaller)."""
    _check_int("total", total)
    _check_int("monthly", monthly)
    if total <= 0:
        raise NothingToSchedule(total)
    if monthly <= 0:
        raise InstallmentNotPositive(monthly)
    return -(-total // monthly)


def build_schedule(
    total: int,
    monthly: int,
    first_due: date,
    *,
    max_months: int,
    minimum_installment: int,
) -> Schedule:
    """Equal installments of `monthly` from `first_due`, the last absorbing the remainder.

    Raises NothingToSchedule (total ≤ 0), InstallmentNotPositive (monthly ≤ 0),
    InstallmentBelowMinimum (monthly < minimum_installment) or ScheduleTooLong.
    """
    _check_int("max_months", max_months)
    _check_int("minimum_installment", minimum_installment)
    if max_months < 1:
        raise ValueError("max_months must be >= 1")
    count = months_needed(total, monthly)
    if monthly < minimum_installment:
        raise InstallmentBelowMinimum(monthly, minimum_installment)
    if count > max_months:
        raise ScheduleTooLong(count, max_months)
    last = total - monthly * (count - 1)
    installments = tuple(
        Installment(
            number=i + 1,
            due_date=add_months(first_due, i),
            amount=last if i == count - 1 else monthly,
        )
        for i in range(count)
    )
    return Schedule(total=total, monthly=monthly, installments=installments)


def lowest_monthly(total: int, *, max_months: int, minimum_installment: int) -> int:
    """The lowest monthly amount the policy accepts for `total` (ignoring capacity).

    At least `minimum_installment` and enough to finish within `max_months`. When `total` is
    below the minimum, the schedule built from this amount is one installment of `total`.
    """
    _check_int("total", total)
    if total <= 0:
        raise NothingToSchedule(total)
    if max_months < 1:
        raise ValueError("max_months must be >= 1")
    return max(minimum_installment, 1, -(-total // max_months))


def suggest_monthly(
    total: int, capacity: int, *, max_months: int, minimum_installment: int
) -> int | None:
    """The smallest monthly amount ≥ the minimum that finishes within `max_months` and that
    the household can pay (no installment above `capacity`); None when there is none.

    None means no plan fits the policy and the capacity: the page then offers remission,
    debt help, or a caseworker's review instead.
    """
    _check_int("capacity", capacity)
    if capacity < 0:
        raise ValueError("capacity is never negative")
    monthly = lowest_monthly(total, max_months=max_months, minimum_installment=minimum_installment)
    # The largest installment actually charged is min(monthly, total).
    return monthly if min(monthly, total) <= capacity else None


__all__ = [
    "Installment",
    "InstallmentBelowMinimum",
    "InstallmentNotPositive",
    "InvalidSchedule",
    "NothingToSchedule",
    "Schedule",
    "ScheduleTooLong",
    "add_months",
    "build_schedule",
    "lowest_monthly",
    "months_needed",
    "suggest_monthly",
]
