"""The daily bank reconciliation (issue 9; decisions.md "Stripe payouts").

For one booking day of the bank statements: the credits on the collection account equal
the payments booked from them + the credits still unmatched (waiting in the queue) + the
Stripe payouts (the lump sums of card and iDEAL payments, booked one by one through the
webhook). Every credit that is none of these is a difference, listed per bank entry with the
reason, so finance knows what to chase. Duplicates (the same transaction in a camt.054 and a
camt.053) are not counted twice; reversals and debits are not credits.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import BankEntry
from portal.models import Payment
from portal.services.finance_exports import decimal_amount
from portal.services.finance_exports import safe_cell

#: why a credit is a difference (codes; the page names them)
DIFFERENCE_REASONS = (
    "not_processed",
    "rejected",
    "currency",
    "booked_without_payment",
    "amount_differs",
    "payment_reversed",
)
RECONCILIATION_HEADER = (
    "booking_date",
    "bank_entry_id",
    "statement_id",
    "category",
    "credit",
    "explained",
    "difference",
    "currency",
    "payment_id",
    "reason",
)


@dataclass(frozen=True)
class ReconciliationLine:
    entry_id: int
    statement_id: int
    #: booked, unmatched, payout or difference
    category: str
    #: the bank credit and the part of it explained by a category (minor units)
    amount: int
    explained: int
    currency: str
    payment_id: int | None = None
    reason: str | None = None

    @property
    def difference(self) -> int:
        return self.amount - self.explained


@dataclass(frozen=True)
class Reconciliation:
    day: date
    currency: str
    lines: tuple[ReconciliationLine, ...] = field(default_factory=tuple)

    def total(self, category: str | None = None) -> int:
        return sum(
            line.explained if category else line.amount
            for line in self.lines
            if line.currency == self.currency and category in (None, line.category)
        )

    @property
    def credits(self) -> int:
        return self.total()

    @property
    def booked(self) -> int:
        return self.total("booked")

    @property
    def unmatched(self) -> int:
        return self.total("unmatched")

    @property
    def payouts(self) -> int:
        return self.total("payout")

    @property
    def difference(self) -> int:
        return self.credits - self.booked - self.unmatched - self.payouts

    @property
    def differences(self) -> tuple[ReconciliationLine, ...]:
        return tuple(line for line in self.lines if line.category == "difference")

    @property
    def balanced(self) -> bool:
        return self.difference == 0 and not self.differences

    @property
    def empty(self) -> bool:
        return not self.lines


def reconcile_day(session: Session, day: date, *, currency: str) -> Reconciliation:
    """The reconciliation of the bank credits booked by the bank on `day`."""
    booking_day = func.coalesce(BankEntry.booking_date, BankEntry.value_date)
    rows = session.execute(
        select(BankEntry, Payment)
        .outerjoin(Payment, Payment.id == BankEntry.payment_id)
        .where(
            booking_day == day,
            BankEntry.credit.is_(True),
            BankEntry.reversal.is_(False),
            BankEntry.state != "duplicate",
        )
        .order_by(BankEntry.id)
    ).all()
    return Reconciliation(
        day=day,
        currency=currency,
        lines=tuple(_line(entry, payment, currency) for entry, payment in rows),
    )


def _line(entry: BankEntry, payment: Payment | None, currency: str) -> ReconciliationLine:
    def line(category: str, explained: int, reason: str | None = None) -> ReconciliationLine:
        return ReconciliationLine(
            entry_id=entry.id,
            statement_id=entry.statement_id,
            category=category,
            amount=entry.amount,
            explained=explained,
            currency=entry.currency,
            payment_id=entry.payment_id,
            reason=reason,
        )

    if entry.currency != currency:
        return line("difference", 0, "currency")
    if entry.state == "payout":
        return line("payout", entry.amount)
    if entry.state == "unmatched":
        return line("unmatched", entry.amount)
    if entry.state in ("booked", "assigned"):
        if payment is None:
            return line("difference", 0, "booked_without_payment")
        if payment.state == "reversed":
            # the money came back out: the reversal is its own (debit) entry on a later day
            return line("booked", payment.amount)
        if payment.amount != entry.amount:
            return line("difference", min(payment.amount, entry.amount), "amount_differs")
        return line("booked", payment.amount)
    if entry.state == "rejected":
        return line("difference", 0, "rejected")
    return line("difference", 0, "not_processed")


def reconciliation_csv(*reports: Reconciliation) -> bytes:
    """Per day: one row per bank credit, then the day's totals. UTF-8 with a byte order mark
    (Excel reads the letters right); a period without credits gives the header only."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RECONCILIATION_HEADER)
    for report in reports:
        if report.empty:
            continue
        for line in report.lines:
            writer.writerow(_cells(report.day, line))
        for label, amount in _totals(report):
            row = [report.day.isoformat(), "", "", label, decimal_amount(amount, report.currency)]
            writer.writerow([*row, "", "", report.currency, "", ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cells(day: date, line: ReconciliationLine) -> Sequence[str]:
    return [
        safe_cell(cell)
        for cell in (
            day.isoformat(),
            line.entry_id,
            line.statement_id,
            line.category,
            decimal_amount(line.amount, line.currency),
            decimal_amount(line.explained, line.currency),
            decimal_amount(line.difference, line.currency),
            line.currency,
            "" if line.payment_id is None else line.payment_id,
            line.reason or "",
        )
    ]


def _totals(report: Reconciliation) -> list[tuple[str, int]]:
    return [
        ("total_credits", report.credits),
        ("total_booked", report.booked),
        ("total_unmatched", report.unmatched),
        ("total_payouts", report.payouts),
        ("total_difference", report.difference),
    ]
