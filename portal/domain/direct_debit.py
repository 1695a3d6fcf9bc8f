"""Pure rules for SEPA direct debit (issue 8): bank business days, creditor identifiers,
mandate references, sequence types and the 14-day pre-notification.

No I/O and no clock: every "today" is passed in. IBANs are checked with schwifty in the
service layer (portal/services/direct_debit.py), not here.
"""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

#: SEPA Core: the debtor is told at least this many calendar days before a debit (rulebook
#: default; a shorter period needs a separate agreement, which Saldo does not make)
PRENOTIFICATION_DAYS = 14
#: two failed debits end the arrangement (domain-rules.md §1.3: Westland, Heerhugowaard)
MAX_FAILURES = 2
#: The SEPA character set (EPC guidance): Latin letters, digits and / - ? : ( ) . , ' + space
_SEPA_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+]{1,35}")
_CREDITOR_ID = re.compile(r"([A-Z]{2})([0-9]{2})([A-Z0-9]{3})([A-Z0-9]{1,28})")


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * m + 114, 31)
    return date(year, month, day + 1)


def target_holidays(year: int) -> frozenset[date]:
    """TARGET2 closing days: 1 Jan, Good Friday, Easter Monday, 1 May, 25 and 26 Dec."""
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter - timedelta(days=2),
            easter + timedelta(days=1),
            date(year, 5, 1),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_business_day(day: date, *, target: bool = True) -> bool:
    if day.weekday() >= 5:
        return False
    return not (target and day in target_holidays(day.year))


def next_business_day(day: date, *, target: bool = True) -> date:
    """`day` itself when it is a business day, else the first one after it."""
    while not is_business_day(day, target=target):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int, *, target: bool = True) -> date:
    """`count` bank business days after `day` (weekends and, optionally, TARGET days skipped)."""
    if count < 0:
        raise ValueError("count must not be negative")
    for _ in range(count):
        day += timedelta(days=1)
        day = next_business_day(day, target=target)
    return day


def collection_date(due: date, *, as_of: date, lead_days: int, target: bool = True) -> date:
    """The ReqdColltnDt for an installment due on `due`: the due day (or the next business
    day), but never earlier than `lead_days` business days after the file is made."""
    earliest = add_business_days(as_of, lead_days, target=target)
    return max(next_business_day(due, target=target), earliest)


def falls_in_window(due: date, *, as_of: date, lead_days: int, target: bool = True) -> bool:
    """Is an installment due on `due` to go into today's file?"""
    return due <= add_business_days(as_of, lead_days, target=target)


def prenotified_in_time(due: date, *, prenotified_on: date | None) -> bool:
    """May a debit due on `due` be collected? Only if the citizen was told 14+ days before."""
    return prenotified_on is not None and due >= prenotified_on + timedelta(
        days=PRENOTIFICATION_DAYS
    )


def sequence_type(earlier_collections: int) -> str:
    """FRST for the first debit of a mandate, RCUR for every later one."""
    return "FRST" if earlier_collections == 0 else "RCUR"


def is_sepa_id(text: str) -> bool:
    """An identifier (mandate reference, EndToEndId, MsgId) of 1-35 SEPA characters."""
    return bool(_SEPA_ID.fullmatch(text))


def mandate_reference(*, prefix: str, debtor_id: int, plan_id: int, serial: int) -> str:
    """A unique mandate reference (UMR): e.g. "SALDO-DD-12-34-1"; ≤ 35 SEPA characters."""
    reference = f"{prefix}-{debtor_id}-{plan_id}-{serial}"
    if not is_sepa_id(reference):
        raise ValueError("a mandate reference is 1-35 SEPA characters")
    return reference


def creditor_id_valid(creditor_id: str) -> bool:
    """A SEPA creditor identifier: country, 2 check digits (ISO 7064 mod 97-10 over the
    national id + country + "00", the 3-character business code left out), business code,
    national id."""
    match = _CREDITOR_ID.fullmatch(creditor_id.replace(" ", "").upper())
    if match is None:
        return False
    country, check, _business, national = match.groups()
    digits = "".join(str(int(char, 36)) for char in national + country + check)
    return int(digits) % 97 == 1


def should_end_mandate(failures: int) -> bool:
    return failures >= MAX_FAILURES
