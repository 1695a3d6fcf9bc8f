"""The daily journal for the finance department: one CSV line per ledger movement (issue 9).

A movement belongs to the local day (rule pack time zone) it was *recorded* on, its booking
date. A payment imported today for a transfer made yesterday is in today's journal, with
yesterday as its value date: a day's journal never changes once the day is over, so the file
the batch writes is final and a rerun writes the same bytes.

The general-ledger account comes from a mapping. Keys are tried most specific first:
"cause:component" (e.g. "write_off:principal"), then "cause", then "component", then "*".
The defaults below are an example: each municipality sets its own chart of accounts with
SALDO_GL_ACCOUNTS (JSON, merged over the defaults).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.money import CURRENCY_EXPONENTS
from portal.models import Claim
from portal.models import ClaimType
from portal.models import Department
from portal.models import LedgerEntry
from portal.services.reports import Period

#: example receivable accounts per component; "*" catches anything unmapped
DEFAULT_GL_ACCOUNTS: Mapping[str, str] = {
    "principal": "1300",
    "fee": "1310",
    "interest": "1320",
    "*": "1399",
}
JOURNAL_HEADER = (
    "booking_date",
    "value_date",
    "ledger_entry_id",
    "claim_id",
    "claim_type",
    "department",
    "gl_account",
    "component",
    "debit",
    "credit",
    "currency",
    "cause",
    "payment_id",
)
#: the first character of a spreadsheet formula (and tab/CR, which some programs strip first)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def gl_accounts(raw: str) -> dict[str, str]:
    """The defaults with the installation's SALDO_GL_ACCOUNTS (JSON object) over them."""
    mapping = dict(DEFAULT_GL_ACCOUNTS)
    if raw:
        mapping.update({str(key): str(value) for key, value in json.loads(raw).items()})
    return mapping


def gl_account(mapping: Mapping[str, str], cause: str, component: str) -> str:
    for key in (f"{cause}:{component}", cause, component, "*"):
        if key in mapping:
            return mapping[key]
    return ""


def decimal_amount(amount: int, currency: str) -> str:
    """Minor units as a plain decimal string: 123456 EUR -> '1234.56'."""
    return f"{Decimal(amount).scaleb(-CURRENCY_EXPONENTS.get(currency, 2)):f}"


def safe_cell(value: object) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading quote (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class JournalLine:
    booking_date: date
    value_date: date
    entry_id: int
    claim_id: int
    claim_type: str
    department: str
    gl_account: str
    component: str
    #: signed minor units: + raises what is owed (debit the receivable), - lowers it
    amount: int
    currency: str
    cause: str
    payment_id: int | None

    def cells(self) -> list[str]:
        debit = decimal_amount(self.amount, self.currency) if self.amount > 0 else ""
        credit = decimal_amount(-self.amount, self.currency) if self.amount < 0 else ""
        return [
            safe_cell(cell)
            for cell in (
                self.booking_date.isoformat(),
                self.value_date.isoformat(),
                self.entry_id,
                self.claim_id,
                self.claim_type,
                self.department,
                self.gl_account,
                self.component,
                debit,
                credit,
                self.currency,
                self.cause,
                "" if self.payment_id is None else self.payment_id,
            )
        ]


def journal_lines(
    session: Session, period: Period, *, zone: ZoneInfo, accounts: Mapping[str, str]
) -> Iterator[JournalLine]:
    """Every ledger movement recorded in the period, oldest first, read in chunks."""
    start, end = period.moments(zone)
    query = (
        select(LedgerEntry, ClaimType.code, Department.code)
        .join(Claim, Claim.id == LedgerEntry.claim_id)
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .join(Department, Department.id == Claim.department_id)
        .where(LedgerEntry.recorded_at >= start, LedgerEntry.recorded_at < end)
        .order_by(LedgerEntry.id)
        .execution_options(yield_per=500)
    )
    for entry, type_code, department_code in session.execute(query):
        yield JournalLine(
            booking_date=entry.recorded_at.astimezone(zone).date(),
            value_date=entry.effective_date,
            entry_id=entry.id,
            claim_id=entry.claim_id,
            claim_type=type_code,
            department=department_code,
            gl_account=gl_account(accounts, entry.cause, entry.component),
            component=entry.component,
            amount=entry.amount,
            currency=entry.currency,
            cause=entry.cause,
            payment_id=entry.payment_id,
        )


def count_movements(session: Session, period: Period, *, zone: ZoneInfo) -> int:
    start, end = period.moments(zone)
    total = session.scalar(
        select(func.count(LedgerEntry.id)).where(
            LedgerEntry.recorded_at >= start, LedgerEntry.recorded_at < end
        )
    )
    return int(total or 0)


def journal_csv(lines: Iterator[JournalLine]) -> Iterator[bytes]:
    """The journal as UTF-8 CSV chunks (byte order mark first, so Excel reads the letters
    right; CRLF line ends): the header, then one row per movement. Stream it or join it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(JOURNAL_HEADER)
    yield ("\ufeff" + _take(out)).encode("utf-8")
    for line in lines:
        writer.writerow(line.cells())
        yield _take(out).encode("utf-8")


def _take(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text
