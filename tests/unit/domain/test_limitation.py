"""Limitation dates (domain-rules.md §2.4; NL/BE periods ⚠)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest

from portal.domain.limitation import LIMITATION_YEARS
from portal.domain.limitation import UnknownLimitationRule
from portal.domain.limitation import limitation_date
from portal.domain.limitation import limitation_years
from portal.domain.limitation import time_barred
from portal.domain.rules.base import LegalBasis

DUE = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("country", "basis", "expected"),
    [
        ("dk", LegalBasis.TAX, date(2029, 3, 1)),
        ("dk", LegalBasis.PRIVATE_LAW, date(2029, 3, 1)),
        ("nl", LegalBasis.TAX, date(2031, 3, 1)),
        ("nl", LegalBasis.PRIVATE_LAW, date(2031, 3, 1)),
        ("be", LegalBasis.PUBLIC_LAW, date(2031, 3, 1)),
        ("DK", LegalBasis.PUBLIC_LAW, date(2029, 3, 1)),
    ],
)
def test_period_runs_from_when_the_claim_can_be_demanded(
    country: str, basis: LegalBasis, expected: date
) -> None:
    assert limitation_date(country, basis, DUE, ()) == expected


def test_an_acknowledgement_starts_a_new_period_of_the_same_length() -> None:
    paid = date(2027, 6, 10)
    assert limitation_date("dk", LegalBasis.TAX, DUE, [paid]) == date(2030, 6, 10)


def test_the_latest_interruption_counts_in_any_order() -> None:
    dates = [date(2028, 1, 5), date(2026, 9, 1), date(2027, 4, 2)]
    assert limitation_date("dk", LegalBasis.TAX, DUE, dates) == date(2031, 1, 5)


def test_an_interruption_before_the_claim_could_be_demanded_changes_nothing() -> None:
    assert limitation_date("dk", LegalBasis.TAX, DUE, [date(2025, 12, 1)]) == date(2029, 3, 1)


def test_29_february_moves_to_28_february() -> None:
    assert limitation_date("dk", LegalBasis.TAX, date(2028, 2, 29), ()) == date(2031, 2, 28)


def test_time_barred_from_the_limitation_date_on() -> None:
    barred_on = date(2029, 3, 1)
    before = barred_on - timedelta(days=1)
    assert not time_barred("dk", LegalBasis.TAX, DUE, (), as_of=before)
    assert time_barred("dk", LegalBasis.TAX, DUE, (), as_of=barred_on)


def test_an_interruption_keeps_an_old_claim_alive() -> None:
    as_of = date(2030, 1, 1)
    assert time_barred("dk", LegalBasis.TAX, DUE, (), as_of=as_of)
    assert not time_barred("dk", LegalBasis.TAX, DUE, [date(2028, 12, 1)], as_of=as_of)


def test_every_pack_has_a_period_for_every_legal_basis_with_a_source() -> None:
    for code, periods in LIMITATION_YEARS.items():
        for basis in LegalBasis:
            years, source = periods[basis]
            assert limitation_years(code, basis) == years > 0
            assert source.strip()


def test_an_unknown_pack_has_no_limitation_rule() -> None:
    with pytest.raises(UnknownLimitationRule):
        limitation_date("se", LegalBasis.TAX, DUE, ())
