"""Valid, made-up national ids and business numbers for demo debtors.

Each passes the same check the portal applies (portal.services.identity, decisions.md
"Identity and privacy"): NL BSN the 11-test, DK CPR a real birth date, BE national number
the mod-97 check (with a 2 in front for births from 2000). CVR and KBO numbers carry their
check digits; a KvK number has none.
"""

from __future__ import annotations

import random
from datetime import date
from datetime import timedelta

_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)


def _digits(rng: random.Random, count: int, *, first_nonzero: bool = True) -> list[int]:
    digits = [rng.randint(0, 9) for _ in range(count)]
    if first_nonzero and digits[0] == 0:
        digits[0] = rng.randint(1, 9)
    return digits


def _birth_date(rng: random.Random, year: int) -> date:
    start = date(year, 1, 1)
    return start + timedelta(days=rng.randint(0, 364))


def make_bsn(rng: random.Random) -> str:
    """A 9-digit BSN passing the 11-test: sum(d_i * w_i) - last digit is divisible by 11."""
    while True:
        digits = _digits(rng, 8)
        check = sum(d * w for d, w in zip(digits, _BSN_WEIGHTS, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def make_cpr(rng: random.Random, year: int) -> str:
    """A CPR number (ddmmyy + 4 digits) whose 7th digit gives the century of `year`.

    Only the date is checked (CPR numbers have not all passed modulus 11 since 2007).
    """
    born = _birth_date(rng, year)
    # 0-3: born 1900-1999; 4 with a two-digit year below 37: born 2000-2036
    century_digit = rng.randint(0, 3) if year < 2000 else 4
    serial = f"{century_digit}{rng.randint(0, 999):03d}"
    return born.strftime("%d%m%y") + serial


def make_be_national_number(rng: random.Random, year: int) -> str:
    """A Belgian national number: yymmdd, a 3-digit serial, 2 check digits (97 - n mod 97)."""
    born = _birth_date(rng, year)
    body = born.strftime("%y%m%d") + f"{rng.randint(1, 997):03d}"
    checked = int(("2" if year >= 2000 else "") + body)
    return body + f"{97 - checked % 97:02d}"


def make_kvk(rng: random.Random) -> str:
    """A Dutch KvK number: 8 digits, no check digit (format only)."""
    return "".join(map(str, _digits(rng, 8)))


def make_cvr(rng: random.Random) -> str:
    """A Danish CVR number: 8 digits with a modulus-11 check digit."""
    while True:
        digits = _digits(rng, 7)
        check = -sum(d * w for d, w in zip(digits, _CVR_WEIGHTS, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def make_kbo(rng: random.Random) -> str:
    """A Belgian enterprise (KBO) number: 0 + 7 digits + 2 check digits (97 - n mod 97)."""
    body = "0" + "".join(map(str, _digits(rng, 7)))
    return body + f"{97 - int(body) % 97:02d}"
