"""Call-back days are the next ten working days; phone numbers are checked loosely."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services.callbacks import callback_days
from portal.services.callbacks import normalise_phone


def test_call_back_days_are_the_next_ten_working_days() -> None:
    days = callback_days(date(2026, 11, 27))  # a Friday
    assert len(days) == 10
    assert days[0] == date(2026, 11, 30)  # the Monday after
    assert all(day.weekday() < 5 for day in days)
    assert days[-1] == date(2026, 12, 11)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12345678", "06 12345678"),
        ("+31  6 1234 5678 ", "+31 6 1234 5678"),
        ("+4512345678", "+4512345678"),
    ],
)
def test_good_phone_numbers_are_kept_with_single_spaces(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "call me", "06-12345678", "12345", "+31 6 +1234", "1" * 16])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    assert normalise_phone(raw) is None
