"""Properties every schedule keeps (design.md "Quality bars": schedules sum to the plan total)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.schedule import Schedule
from portal.domain.schedule import ScheduleTooLong
from portal.domain.schedule import build_schedule
from portal.domain.schedule import months_needed
from portal.domain.schedule import suggest_monthly

totals = st.integers(min_value=1, max_value=100_000_000)
minimums = st.integers(min_value=0, max_value=10_000)
max_months = st.integers(min_value=1, max_value=120)
first_dues = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Schedule, int, int]:
    total, minimum, longest = draw(totals), draw(minimums), draw(max_months)
    lowest = max(minimum, 1, -(-total // longest))
    monthly = draw(st.integers(min_value=lowest, max_value=max(lowest, total)))
    schedule = build_schedule(
        total, monthly, draw(first_dues), max_months=longest, minimum_installment=minimum
    )
    return schedule, longest, minimum


@given(schedules())
def test_installments_sum_exactly_to_the_total(case: tuple[Schedule, int, int]) -> None:
    schedule, _, _ = case
    assert sum(i.amount for i in schedule.installments) == schedule.total


@given(schedules())
def test_every_installment_but_the_last_is_the_monthly_amount(
    case: tuple[Schedule, int, int],
) -> None:
    schedule, _, minimum = case
    *body, last = schedule.installments
    assert all(i.amount == schedule.monthly for i in body)
    assert all(i.amount >= minimum for i in body)  # only the last may be below the minimum
    assert 0 < last.amount <= schedule.monthly


@given(schedules())
def test_no_more_than_max_months_and_dates_strictly_increase(
    case: tuple[Schedule, int, int],
) -> None:
    schedule, longest, _ = case
    assert 1 <= schedule.months <= longest
    dates = [i.due_date for i in schedule.installments]
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    assert schedule.months == months_needed(schedule.total, schedule.monthly)


@given(schedules())
def test_due_dates_keep_the_first_day_of_month_or_the_month_end(
    case: tuple[Schedule, int, int],
) -> None:
    schedule, _, _ = case
    day = schedule.first_due.day
    for n, installment in enumerate(schedule.installments):
        due = installment.due_date
        months_on = (due.year - schedule.first_due.year) * 12 + due.month - schedule.first_due.month
        assert months_on == n
        assert due.day <= day
        if due.day < day:  # clamped: must be the last day of its month
            next_day = date.fromordinal(due.toordinal() + 1)
            assert next_day.month != due.month


@given(totals, minimums, max_months, first_dues)
def test_too_long_exactly_when_months_needed_exceeds_max(
    total: int, minimum: int, longest: int, first: date
) -> None:
    monthly = max(minimum, 1)
    needed = months_needed(total, monthly)
    if needed > longest:
        with pytest.raises(ScheduleTooLong) as error:
            build_schedule(total, monthly, first, max_months=longest, minimum_installment=0)
        assert error.value.months_needed == needed
    else:
        schedule = build_schedule(total, monthly, first, max_months=longest, minimum_installment=0)
        assert schedule.months == needed


@given(
    st.integers(min_value=1, max_value=5_000),
    st.integers(min_value=0, max_value=5_000),
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=1, max_value=24),
)
def test_suggestion_is_the_smallest_amount_that_fits(
    total: int, capacity: int, minimum: int, longest: int
) -> None:
    suggestion = suggest_monthly(total, capacity, max_months=longest, minimum_installment=minimum)

    def fits(monthly: int) -> bool:
        return (
            monthly >= max(minimum, 1)
            and months_needed(total, monthly) <= longest
            and min(monthly, total) <= capacity
        )

    if suggestion is None:
        assert not any(fits(m) for m in range(1, total + minimum + 2))
    else:
        assert fits(suggestion)
        assert not any(fits(m) for m in range(1, suggestion))
        schedule = build_schedule(
            total, suggestion, date(2026, 1, 1), max_months=longest, minimum_installment=minimum
        )
        assert max(i.amount for i in schedule.installments) <= capacity


@given(totals, st.integers(min_value=1, max_value=100_000_000))
def test_months_needed_is_the_ceiling(total: int, monthly: int) -> None:
    n = months_needed(total, monthly)
    assert monthly * (n - 1) < total <= monthly * n
