"""The pure direct debit rules (issue 8): business days, identifiers, the 14-day notice."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain import direct_debit as dd


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5))],
)
def test_easter_sunday_matches_the_calendar(year: int, easter: date) -> None:
    assert dd.easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("start", "count", "target", "expected"),
    [
        (date(2026, 11, 20), 1, True, date(2026, 11, 23)),  # Friday -> Monday
        (date(2026, 11, 23), 5, True, date(2026, 11, 30)),
        (date(2026, 12, 23), 2, True, date(2026, 12, 28)),  # 25 and 26 Dec are TARGET days
        (date(2026, 12, 23), 2, False, date(2026, 12, 25)),
        (date(2026, 4, 2), 1, True, date(2026, 4, 7)),  # Good Friday and Easter Monday
    ],
)
def test_business_days_skip_weekends_and_optionally_target_holidays(
    start: date, count: int, target: bool, expected: date
) -> None:
    assert dd.add_business_days(start, count, target=target) == expected


def test_a_collection_date_is_the_due_day_or_the_next_business_day_but_never_too_soon() -> None:
    # due on a Saturday: the Monday after
    assert dd.collection_date(date(2026, 12, 5), as_of=date(2026, 11, 23), lead_days=5) == date(
        2026, 12, 7
    )
    # the batch is late: the earliest day the bank accepts
    assert dd.collection_date(date(2026, 11, 24), as_of=date(2026, 11, 23), lead_days=5) == date(
        2026, 11, 30
    )


def test_the_window_takes_installments_due_within_the_lead_days() -> None:
    monday = date(2026, 11, 30)
    assert dd.falls_in_window(date(2026, 12, 7), as_of=monday, lead_days=5)
    assert not dd.falls_in_window(date(2026, 12, 8), as_of=monday, lead_days=5)


def test_a_debit_needs_14_days_notice() -> None:
    signed = date(2026, 11, 23)
    assert dd.prenotified_in_time(date(2026, 12, 7), prenotified_on=signed)
    assert not dd.prenotified_in_time(date(2026, 12, 6), prenotified_on=signed)
    assert not dd.prenotified_in_time(date(2027, 1, 7), prenotified_on=None)


def test_the_first_debit_is_frst_and_later_ones_rcur() -> None:
    assert [dd.sequence_type(n) for n in (0, 1, 5)] == ["FRST", "RCUR", "RCUR"]


def test_mandate_references_are_short_sepa_identifiers() -> None:
    reference = dd.mandate_reference(prefix="SALDO-M", debtor_id=123456, plan_id=7890, serial=2)
    assert reference == "SALDO-M-123456-7890-2"
    assert dd.is_sepa_id(reference)
    assert not dd.is_sepa_id("with space")
    assert not dd.is_sepa_id("x" * 36)
    with pytest.raises(ValueError, match="35"):
        dd.mandate_reference(prefix="P" * 30, debtor_id=1, plan_id=1, serial=1)


@pytest.mark.parametrize(
    ("creditor_id", "valid"),
    [
        ("DE98ZZZ09999999999", True),  # the Bundesbank's published test identifier
        ("NL69ZZZ123456780000", True),  # the example in portal/config.py
        ("NL68ZZZ123456780000", False),
        ("NL69ZZ", False),
    ],
)
def test_creditor_identifiers_are_checked_with_mod_97(creditor_id: str, valid: bool) -> None:
    assert dd.creditor_id_valid(creditor_id) is valid


def test_two_failures_end_a_mandate() -> None:
    assert not dd.should_end_mandate(1)
    assert dd.should_end_mandate(2)
