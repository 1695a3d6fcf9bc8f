"""Business numbers per decisions.md: KvK format only; CVR and KBO with their check digits."""

from __future__ import annotations

import pytest

from portal.services.claim_checks import business_number_error
from portal.services.claim_checks import compact_business_number


@pytest.mark.parametrize(
    ("country", "number"),
    [
        ("NL", "69841234"),
        ("NL", "6984 1234"),
        ("NL", "00000000"),  # KvK numbers have no check digit: the format is all there is
        ("DK", "13585628"),
        ("BE", "0403.170.701"),
        ("BE", "BE0403170701"),
    ],
)
def test_a_valid_business_number_passes(country: str, number: str) -> None:
    assert business_number_error(country, number) is None


@pytest.mark.parametrize(
    ("country", "number"),
    [
        ("NL", "1234567"),
        ("NL", "123456789"),
        ("NL", "1234567a"),
        ("DK", "13585627"),  # wrong check digit
        ("DK", "1358562"),
        ("BE", "0403170702"),  # wrong check digits
        ("BE", "x" * 30),
        ("SE", "12345678"),
    ],
)
def test_an_invalid_business_number_is_refused_with_a_reason(country: str, number: str) -> None:
    assert business_number_error(country, number)


def test_business_numbers_are_stored_compact() -> None:
    assert compact_business_number("NL", "6984 1234") == "69841234"
    assert compact_business_number("BE", "BE 0403.170.701") == "0403170701"
    assert compact_business_number("DK", "13 58 56 28") == "13585628"
