"""Installment schedules (issue 4 step 4): examples and named errors."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.schedule import InstallmentBelowMinimum
from portal.domain.schedule import InstallmentNotPositive
from portal.domain.schedule import NothingToSchedule
from portal.domain.schedule import ScheduleTooLong
from portal.domain.schedule import add_months
from portal.domain.schedule import build_schedule
from portal.domain.schedule import lowest_monthly
from portal.domain.schedule import months_needed
from portal.domain.schedule import suggest_monthly

FIRST = date(2026, 1, 15)


def build(total: int, monthly: int, first: date = FIRST, **kw: int) -> list[tuple[date, int]]:
    limits = {"max_months": 12, "minimum_installment": 2_500}
    limits.update(kw)
    schedule = build_schedule(total, monthly, first, **limits)
    return [(i.due_date, i.amount) for i in schedule.installments]


def test_last_installment_absorbs_the_remainder() -> None:
    assert build(100_001, 25_000) == [
        (date(2026, 1, 15), 25_000),
        (date(2026, 2, 15), 25_000),
        (date(2026, 3, 15), 25_000),
        (date(2026, 4, 15), 25_000),
        (date(2026, 5, 15), 1),
    ]


def test_exact_multiple_has_no_odd_installment() -> None:
    assert [amount for _, amount in build(75_000, 25_000)] == [25_000] * 3


def test_last_installment_may_be_below_the_minimum() -> None:
    assert build(26_000, 25_000)[-1] == (date(2026, 2, 15), 1_000)


def test_monthly_above_total_is_one_installment_of_the_total() -> None:
    assert build(10_000, 50_000) == [(FIRST, 10_000)]


def test_total_below_minimum_with_the_minimum_is_one_installment() -> None:
    assert build(1_000, 2_500) == [(FIRST, 1_000)]


def test_schedule_properties() -> None:
    schedule = build_schedule(100_001, 25_000, FIRST, max_months=12, minimum_installment=2_500)
    assert (schedule.months, schedule.first_due, schedule.last_due) == (
        5,
        FIRST,
        date(2026, 5, 15),
    )
    assert (schedule.total, schedule.monthly, schedule.last_amount) == (100_001, 25_000, 1)
    assert [i.number for i in schedule.installments] == [1, 2, 3, 4, 5]


def test_month_end_is_clamped_and_springs_back() -> None:
    dates = [d for d, _ in build(4 * 2_500, 2_500, date(2024, 1, 31))]
    assert dates == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    dates = [d for d, _ in build(2 * 2_500, 2_500, date(2025, 1, 31))]
    assert dates == [date(2025, 1, 31), date(2025, 2, 28)]


def test_schedule_crosses_the_year() -> None:
    dates = [d for d, _ in build(3 * 2_500, 2_500, date(2025, 11, 30))]
    assert dates == [date(2025, 11, 30), date(2025, 12, 30), date(2026, 1, 30)]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -12, date(2025, 1, 15)),
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
        (date(2023, 12, 31), 2, date(2024, 2, 29)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_monthly_below_minimum_is_refused() -> None:
    with pytest.raises(InstallmentBelowMinimum) as error:
        build(100_000, 2_499)
    assert (error.value.monthly, error.value.minimum) == (2_499, 2_500)


@pytest.mark.parametrize("monthly", [0, -100])
def test_monthly_not_positive_is_refused(monthly: int) -> None:
    with pytest.raises(InstallmentNotPositive):
        build(100_000, monthly, minimum_installment=0)


def test_too_long_schedule_reports_the_months_needed() -> None:
    with pytest.raises(ScheduleTooLong) as error:
        build(100_000, 8_000)
    assert (error.value.months_needed, error.value.max_months) == (13, 12)


def test_exactly_max_months_is_allowed() -> None:
    assert len(build(96_000, 8_000)) == 12


@pytest.mark.parametrize("total", [0, -1])
def test_nothing_to_schedule(total: int) -> None:
    with pytest.raises(NothingToSchedule):
        build(total, 2_500)


def test_amounts_must_be_int_minor_units() -> None:
    with pytest.raises(TypeError):
        build_schedule(100_000, True, FIRST, max_months=12, minimum_installment=1)
    with pytest.raises(TypeError):
        months_needed(100_000.0, 100)  # type: ignore[arg-type]


def test_max_months_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_months"):
        build(10_000, 2_500, max_months=0)


@pytest.mark.parametrize(
    ("total", "monthly", "expected"),
    [(1, 1, 1), (100, 100, 1), (101, 100, 2), (1_200, 100, 12), (1_201, 100, 13)],
)
def test_months_needed(total: int, monthly: int, expected: int) -> None:
    assert months_needed(total, monthly) == expected


@pytest.mark.parametrize(
    ("total", "capacity", "expected"),
    [
        (100_000, 50_000, 8_334),  # ⌈100,000 / 12⌉: finishes in 12 months
        (10_000, 50_000, 2_500),  # the minimum: finishes in 4 months
        (100_000, 8_334, 8_334),  # exactly the capacity
        (100_000, 8_333, None),  # cannot finish in 12 months within the capacity
        (1_000, 1_000, 2_500),  # below the minimum: one installment of €10
        (1_000, 999, None),
    ],
)
def test_suggest_monthly(total: int, capacity: int, expected: int | None) -> None:
    assert suggest_monthly(total, capacity, max_months=12, minimum_installment=2_500) == expected


def test_suggest_monthly_refuses_negative_capacity() -> None:
    with pytest.raises(ValueError, match="never negative"):
        suggest_monthly(10_000, -1, max_months=12, minimum_installment=2_500)


def test_lowest_monthly_ignores_capacity() -> None:
    assert lowest_monthly(1_000_000, max_months=12, minimum_installment=2_500) == 83_334
    with pytest.raises(NothingToSchedule):
        lowest_monthly(0, max_months=12, minimum_installment=2_500)
