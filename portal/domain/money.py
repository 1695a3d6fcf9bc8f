"""Money as integer minor units plus a currency.

Why integers: every amount in Saldo (ledger, Stripe, camt) is a whole number of cents or øre,
so we never round by accident (decisions.md "Money and rules"). Decimals appear only at the edge:
user input (`Money.parse`), the EPC QR amount (`to_decimal`), display.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

#: Minor-unit exponent per ISO 4217. Only the currencies of the rule packs (NL/BE: EUR, DK: DKK).
CURRENCY_EXPONENTS: dict[str, int] = {"EUR": 2, "DKK": 2}

#: Largest amount a citizen may enter: the EPC069-12 element 8 upper bound (EUR 999999999.99),
#: used for DKK too so that one limit holds for every form.
MAX_INPUT_MAJOR = Decimal("999999999.99")

#: Longer input is not an amount; the cap also keeps int() away from huge strings.
_MAX_INPUT_LENGTH = 40

# Currency markers a citizen may type around the number, per currency.
_MARKERS: dict[str, tuple[str, ...]] = {
    "EUR": ("€", "EUR"),
    "DKK": ("KR.", "KR", "DKK"),
}
_ALL_MARKERS = sorted({m for ms in _MARKERS.values() for m in ms}, key=len, reverse=True)
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " "})
_NUMBER = re.compile(r"[0-9., ]+")
_DIGITS = re.compile(r"[0-9]+")


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies met in one operation."""


class UnknownCurrency(ValueError):
    """A currency that no rule pack uses."""


class InvalidAmount(ValueError):
    """User input or a Decimal that is not a valid amount; `reason` is a stable code for forms."""

    def __init__(self, reason: str) -> None:
        # The input itself is left out of the message on purpose: it may end up in logs.
        super().__init__(f"invalid amount: {reason}")
        self.reason = reason


def exponent_of(currency: str) -> int:
    """Minor-unit exponent of `currency`; raises UnknownCurrency."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise UnknownCurrency(f"unknown currency: {currency!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of integer minor units (cents, øre) in one currency. May be negative."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; True cents is always a bug.
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError(f"Money.amount must be int minor units, got {type(self.amount)!r}")
        exponent_of(self.currency)

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """Total of `items`; the currency is explicit so an empty list still has one."""
        total = cls.zero(currency)
        for item in items:
            total = total + item
        return total

    @classmethod
    def from_decimal(cls, value: Decimal, currency: str) -> Money:
        """Exact conversion from major units; never rounds (raises InvalidAmount instead)."""
        exponent = exponent_of(currency)
        if not value.is_finite():
            raise InvalidAmount("not_a_number")
        # Work on the digit tuple so no Decimal context precision can round large values.
        sign, digits, exp = value.as_tuple()
        assert isinstance(exp, int)  # finite, checked above
        coefficient = int("".join(map(str, digits)) or "0")
        shift = exp + exponent
        if shift >= 0:
            minor = coefficient * 10**shift
        else:
            minor, rest = divmod(coefficient, 10**-shift)
            if rest:
                raise InvalidAmount("too_many_decimals")
        return cls(-minor if sign else minor, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a positive amount typed by a citizen or clerk.

        Accepts both decimal conventions ("1.234,50" in da/nl, "1,234.50" in en), a currency
        marker ("€", "kr.") and the Dutch ",-". One separator followed by exactly three digits
        is a thousands separator ("1.234" is 1234.00), as a Dane or Dutchman would mean it.
        Raises InvalidAmount with reason not_a_number, wrong_currency, too_many_decimals,
        negative, zero or too_large.
        """
        exponent = exponent_of(currency)
        major, minor_digits = _split_number(text, currency, exponent)
        value = int(major or "0") * 10**exponent + int(minor_digits.ljust(exponent, "0") or "0")
        if value == 0:
            raise InvalidAmount("zero")
        result = cls(value, currency)
        if result > cls.from_decimal(MAX_INPUT_MAJOR, currency):
            raise InvalidAmount("too_large")
        return result

    # -- queries -----------------------------------------------------------------------------

    @property
    def exponent(self) -> int:
        return CURRENCY_EXPONENTS[self.currency]

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def to_decimal(self) -> Decimal:
        """Major units, exact, with exactly `exponent` decimals (Decimal('12.50'))."""
        if self.exponent == 0:
            return Decimal(self.amount)
        return Decimal(f"{self.amount}e-{self.exponent}")

    def split(self, parts: int) -> list[Money]:
        """Split into `parts` amounts that sum exactly, larger parts first, differing by ≤ 1.

        Used for installments: the remainder cents go to the first installments so the
        last one is never the odd one out.
        """
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
            raise ValueError("parts must be an int >= 1")
        # Floor division keeps q*parts + r == amount for negative amounts too.
        base, remainder = divmod(self.amount, parts)
        return [Money(base + 1 if i < remainder else base, self.currency) for i in range(parts)]

    # -- arithmetic --------------------------------------------------------------------------

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        """Multiply by a whole number (e.g. a fee times a count); never by a float."""
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.amount >= other.amount


def _split_number(text: str, currency: str, exponent: int) -> tuple[str, str]:
    """Return (integer digits, decimal digits) of a typed amount, or raise InvalidAmount."""
    if len(text) > _MAX_INPUT_LENGTH:
        raise InvalidAmount("not_a_number")
    s = _strip_currency(text.translate(_SPACES).strip().upper(), currency)
    # Dutch "12,-" means twelve euros exactly.
    if s.endswith((",-", ".-")):
        s = s[:-2]
    if s.startswith(("-", "\u2212")) or s.endswith("-"):
        raise InvalidAmount("negative")
    if not s or not _NUMBER.fullmatch(s):
        raise InvalidAmount("not_a_number")
    integer, decimals = _separate(s)
    if decimals == "" or (not integer and not decimals):
        raise InvalidAmount("not_a_number")  # "12." or a lone separator
    if decimals and len(decimals) > exponent:
        raise InvalidAmount("too_many_decimals")
    return integer, decimals or ""


def _strip_currency(s: str, currency: str) -> str:
    """Remove one currency marker at the start or end; a marker of another currency is refused."""
    for marker in _ALL_MARKERS:
        if s.startswith(marker) or s.endswith(marker):
            if marker not in _MARKERS.get(currency, ()):
                raise InvalidAmount("wrong_currency")
            s = s[len(marker) :] if s.startswith(marker) else s[: -len(marker)]
            return s.strip()
    return s


def _separate(s: str) -> tuple[str, str | None]:
    """Split "1.234,50" into ("1234", "50"); decimals is None when there is no decimal part."""
    marks = [c for c in s if c in ".,"]
    thousands: str | None = " " if " " in s else None
    decimal: str | None = None
    if len(set(marks)) == 2:
        if thousands:
            raise InvalidAmount("not_a_number")
        # Both appear: the last one is the decimal separator ("1.234,50", "1,234.50").
        decimal = marks[-1]
        thousands = "," if decimal == "." else "."
    elif marks:
        mark = marks[0]
        head, _, tail = s.partition(mark)
        if thousands:
            decimal = mark  # "1 234,50": the space groups thousands
        elif len(marks) > 1:
            thousands = mark  # "1.234.567"
        elif len(tail) == 3 and 1 <= len(head) <= 3 and not head.startswith("0"):
            # The one ambiguous case: "1.234" is one thousand two hundred and thirty-four.
            # "1234.567" and "0.125" cannot be thousands, so they fall through to decimals.
            thousands = mark
        else:
            decimal = mark
    if decimal is None:
        return _ungroup(s, thousands), None
    integer_part, decimals = s.rsplit(decimal, 1)
    if decimals and not _DIGITS.fullmatch(decimals):
        raise InvalidAmount("not_a_number")
    return _ungroup(integer_part, thousands), decimals


def _ungroup(integer_part: str, thousands: str | None) -> str:
    """Digits of the integer part; thousands groups must be 1-3 digits, then exactly 3."""
    if thousands is None:
        if integer_part and not _DIGITS.fullmatch(integer_part):
            raise InvalidAmount("not_a_number")
        return integer_part
    groups = integer_part.split(thousands)
    first, rest = groups[0], groups[1:]
    if not (1 <= len(first) <= 3 and _DIGITS.fullmatch(first)):
        raise InvalidAmount("not_a_number")
    if any(len(g) != 3 or not _DIGITS.fullmatch(g) for g in rest):
        raise InvalidAmount("not_a_number")
    return "".join(groups)
