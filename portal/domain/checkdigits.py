"""Check-digit algorithms behind the payment references (domain-rules.md §1.5, §2.6, §3.3, §4.1).

Written out here rather than taken from python-stdnum because stdnum has no NL
betalingskenmerk or FIK module, and one place with all four keeps them comparable.
Inputs are assumed to be normalised (ASCII digits, uppercase letters) by the caller.
"""

from __future__ import annotations

#: §1.5: weights 2^i mod 11, applied from the right.
_NL_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)


def iso7064_mod97_value(text: str) -> int:
    """Letters A=10 ... Z=35, digits as themselves, read as one number, mod 97 (ISO 7064)."""
    return int("".join(str(int(c, 36)) for c in text)) % 97


def rf_check_digits(body: str) -> str:
    """ISO 11649 §4.1: check = 98 - (body + "RF00" mod 97), two digits."""
    return f"{98 - iso7064_mod97_value(body + 'RF00'):02d}"


def nl_check_digit(digits_after_c: str) -> str:
    """Betalingskenmerk §1.5: C = 11 - (weighted sum mod 11), with 10 -> 1 and 11 -> 0."""
    total = sum(
        int(d) * _NL_WEIGHTS[i % len(_NL_WEIGHTS)] for i, d in enumerate(reversed(digits_after_c))
    )
    check = 11 - total % 11
    return {10: "1", 11: "0"}.get(check, str(check))


def ogm_check_digits(body10: str) -> str:
    """OGM/VCS §3.3: body mod 97, where a remainder of 0 is written 97."""
    return f"{int(body10) % 97 or 97:02d}"


def luhn_check_digit(body: str) -> str:
    """Modulus 10 (Luhn) §2.6: weights 2, 1, 2, ... from the right, products >= 10 minus 9."""
    total = 0
    for i, d in enumerate(reversed(body)):
        product = int(d) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product >= 10 else product
    return str((10 - total % 10) % 10)
