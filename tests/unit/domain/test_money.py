from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.money import CURRENCY_EXPONENTS
from portal.domain.money import CurrencyMismatch
from portal.domain.money import InvalidAmount
from portal.domain.money import Money
from portal.domain.money import UnknownCurrency

MAX_INPUT = 99_999_999_999  # 999 999 999.99 in minor units

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
amounts = st.integers(min_value=-(10**15), max_value=10**15)
input_amounts = st.integers(min_value=1, max_value=MAX_INPUT)


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


# -- construction and validation -------------------------------------------------------------


def test_amount_must_be_int_minor_units() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(Decimal("12"), "EUR")  # type: ignore[arg-type]


def test_bool_is_not_an_amount() -> None:
    with pytest.raises(TypeError):
        Money(True, "EUR")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        Money(100, "USD")


def test_money_is_immutable_and_hashable() -> None:
    money = eur(100)
    with pytest.raises(AttributeError):
        money.amount = 5  # type: ignore[misc]
    assert {money, eur(100)} == {money}


def test_zero_and_sign_queries() -> None:
    assert Money.zero("DKK") == Money(0, "DKK")
    assert Money.zero("EUR").is_zero()
    assert eur(1).is_positive()
    assert not eur(1).is_negative()
    assert eur(-1).is_negative()
    assert not eur(-1).is_positive()


def test_arithmetic() -> None:
    assert eur(150) + eur(50) == eur(200)
    assert eur(150) - eur(200) == eur(-50)
    assert -eur(5) == eur(-5)
    assert abs(eur(-5)) == eur(5)
    assert eur(250) * 3 == 3 * eur(250) == eur(750)


def test_sum_of_nothing_is_zero_in_the_given_currency() -> None:
    assert Money.sum([], "DKK") == Money(0, "DKK")
    assert Money.sum([eur(1), eur(2), eur(3)], "EUR") == eur(6)


def test_sum_refuses_other_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.sum([eur(1)], "DKK")


def test_comparisons() -> None:
    assert eur(1) < eur(2) <= eur(2) < eur(3)
    assert eur(3) > eur(2) >= eur(2)
    assert eur(1) != Money(1, "DKK")


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_currency_mismatch_raises(operation: object) -> None:
    assert callable(operation)
    with pytest.raises(CurrencyMismatch):
        operation(eur(1), Money(1, "DKK"))


def test_float_never_mixes_with_money() -> None:
    with pytest.raises(TypeError):
        eur(100) * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur(100) + 1  # type: ignore[operator]


# -- decimals ----------------------------------------------------------------------------------


def test_to_decimal_is_exact_with_two_places() -> None:
    assert str(eur(1250).to_decimal()) == "12.50"
    assert str(eur(1).to_decimal()) == "0.01"
    assert str(eur(-1).to_decimal()) == "-0.01"
    assert eur(10**30 + 1).to_decimal() == Decimal("10000000000000000000000000000.01")


@pytest.mark.parametrize(
    ("value", "amount"),
    [("12.5", 1250), ("12.50", 1250), ("12.500", 1250), ("-0.01", -1), ("1E+3", 100000)],
)
def test_from_decimal(value: str, amount: int) -> None:
    assert Money.from_decimal(Decimal(value), "EUR") == eur(amount)


@pytest.mark.parametrize(
    ("value", "reason"),
    [("12.345", "too_many_decimals"), ("NaN", "not_a_number"), ("Infinity", "not_a_number")],
)
def test_from_decimal_never_rounds(value: str, reason: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        Money.from_decimal(Decimal(value), "EUR")
    assert excinfo.value.reason == reason


@given(amounts, currencies)
def test_decimal_round_trip(amount: int, currency: str) -> None:
    money = Money(amount, currency)
    assert Money.from_decimal(money.to_decimal(), currency) == money


# -- parse -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [
        ("12", "EUR", 1200),
        ("12.5", "EUR", 1250),
        ("12.50", "EUR", 1250),
        ("12,50", "EUR", 1250),
        ("1.234,50", "EUR", 123450),
        ("1,234.50", "EUR", 123450),
        ("€ 12,50", "EUR", 1250),
        ("12,50 €", "EUR", 1250),
        ("EUR 12.50", "EUR", 1250),
        (" 12 ", "EUR", 1200),
        ("kr. 100,00", "DKK", 10000),
        ("100 kr", "DKK", 10000),
        ("DKK 1.500", "DKK", 150000),
        ("1.234", "EUR", 123400),  # one separator + 3 digits = thousands
        ("12,345", "EUR", 1234500),
        ("1.234.567,89", "EUR", 123456789),
        ("1,234,567.89", "EUR", 123456789),
        ("1 234,50", "EUR", 123450),
        ("1\u00a0234,50", "EUR", 123450),
        ("12,-", "EUR", 1200),  # Dutch "twelve euros exactly"
        ("0,50", "EUR", 50),
        (",50", "EUR", 50),
        ("0.01", "EUR", 1),
        ("999999999.99", "EUR", MAX_INPUT),
        ("999.999.999,99", "DKK", MAX_INPUT),
    ],
)
def test_parse_accepts(text: str, currency: str, amount: int) -> None:
    assert Money.parse(text, currency) == Money(amount, currency)


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("", "EUR", "not_a_number"),
        ("   ", "EUR", "not_a_number"),
        ("abc", "EUR", "not_a_number"),
        ("12abc", "EUR", "not_a_number"),
        ("NaN", "EUR", "not_a_number"),
        ("inf", "EUR", "not_a_number"),
        ("Infinity", "EUR", "not_a_number"),
        ("1e3", "EUR", "not_a_number"),
        ("12.", "EUR", "not_a_number"),
        ("1.2.3", "EUR", "not_a_number"),
        ("1,234,5", "EUR", "not_a_number"),
        ("12..5", "EUR", "not_a_number"),
        ("1.234,5.6", "EUR", "not_a_number"),
        ("\u0661\u0662", "EUR", "not_a_number"),  # Arabic-Indic digits pass str.isdigit()
        ("1" * 41, "EUR", "not_a_number"),
        ("12.345,678", "EUR", "too_many_decimals"),
        ("12.3456", "EUR", "too_many_decimals"),
        ("0.001", "EUR", "too_many_decimals"),
        ("1,234.567", "EUR", "too_many_decimals"),
        ("-12", "EUR", "negative"),
        ("€ -12,50", "EUR", "negative"),
        ("\u221212", "EUR", "negative"),  # the typographic minus sign
        ("0", "EUR", "zero"),
        ("0,00", "EUR", "zero"),
        ("1000000000", "EUR", "too_large"),
        ("999999999.991", "EUR", "too_many_decimals"),
        ("1.000.000.000", "EUR", "too_large"),
        ("€ 5", "DKK", "wrong_currency"),
        ("5 kr", "EUR", "wrong_currency"),
    ],
)
def test_parse_rejects_with_reason(text: str, currency: str, reason: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        Money.parse(text, currency)
    assert excinfo.value.reason == reason


def test_invalid_amount_message_does_not_echo_input() -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        Money.parse("NL91ABNA0417164300", "EUR")
    assert "NL91" not in str(excinfo.value)


@given(input_amounts, currencies)
def test_parse_round_trips_the_plain_decimal(amount: int, currency: str) -> None:
    money = Money(amount, currency)
    assert Money.parse(str(money.to_decimal()), currency) == money


@given(input_amounts)
def test_parse_round_trips_local_formats(amount: int) -> None:
    euros, cents = divmod(amount, 100)
    english = f"{euros:,}.{cents:02d}"
    danish_dutch = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    assert Money.parse(english, "EUR") == eur(amount)
    assert Money.parse(danish_dutch, "EUR") == eur(amount)
    assert Money.parse(f"€ {danish_dutch}", "EUR") == eur(amount)


# -- properties of the arithmetic and split --------------------------------------------------


@given(amounts, amounts, amounts)
def test_addition_is_associative_and_commutative(a: int, b: int, c: int) -> None:
    x, y, z = eur(a), eur(b), eur(c)
    assert (x + y) + z == x + (y + z)
    assert x + y == y + x
    assert x - y == x + (-y)


@given(amounts, amounts)
def test_mismatched_currencies_always_raise(a: int, b: int) -> None:
    with pytest.raises(CurrencyMismatch):
        eur(a) + Money(b, "DKK")
    with pytest.raises(CurrencyMismatch):
        _ = eur(a) < Money(b, "DKK")


@given(amounts, st.integers(min_value=1, max_value=120), currencies)
def test_split_sums_exactly_and_is_fair(amount: int, parts: int, currency: str) -> None:
    pieces = Money(amount, currency).split(parts)
    assert len(pieces) == parts
    assert Money.sum(pieces, currency) == Money(amount, currency)
    values = [p.amount for p in pieces]
    assert max(values) - min(values) <= 1
    assert values == sorted(values, reverse=True)  # larger parts first


def test_split_examples() -> None:
    assert eur(1000).split(3) == [eur(334), eur(333), eur(333)]
    assert eur(2).split(3) == [eur(1), eur(1), eur(0)]
    assert eur(999).split(1) == [eur(999)]


@pytest.mark.parametrize("parts", [0, -1, True])
def test_split_needs_at_least_one_part(parts: int) -> None:
    with pytest.raises(ValueError, match="parts"):
        eur(100).split(parts)
