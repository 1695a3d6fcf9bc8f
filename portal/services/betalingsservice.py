"""Betalingsservice agreement status (issue 8, DKK): which citizens have signed up in their
netbank, imported from a file.

The Nets agreement file itself is not parsed: its specification is not at hand and Saldo does
not guess it. The import reads a small CSV that the municipality makes from the Nets
agreement report (docs/direct-debit.md), one agreement per line:

    kundenummer;status;date
    000000042;active;2026-11-20
    000000043;cancelled;2026-11-21

`kundenummer` is the debtor number shown on /direct-debit (9 digits), `status` is `active`
or `cancelled` (Danish `tilmeldt` / `afmeldt` also accepted), `date` is ISO (YYYY-MM-DD).
The file is checked as a whole first: one bad line (unknown kundenummer, bad status or
date) and nothing is imported. Services never commit.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import BetalingsserviceAgreement
from portal.models import Debtor
from portal.services import audit
from portal.services.audit import Actor

STATUS_WORDS = {
    "active": "active",
    "tilmeldt": "active",
    "cancelled": "cancelled",
    "afmeldt": "cancelled",
}
HEADER = ("kundenummer", "status", "date")
MAX_LINES = 100_000


@dataclass(frozen=True)
class AgreementLine:
    line: int
    debtor_id: int
    status: str
    status_on: date


class AgreementFileRefused(ValueError):
    """The file was not imported; `problems` are (line number, code) pairs: header,
    columns, kundenummer, unknown_debtor, status, date, too_long, empty, encoding."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(", ".join(f"line {line}: {code}" for line, code in problems))
        self.problems = problems


def parse_agreement_file(data: bytes) -> list[AgreementLine]:
    """The lines of an agreement status CSV; raises AgreementFileRefused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AgreementFileRefused([(0, "encoding")]) from None
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    if len(rows) > MAX_LINES:
        raise AgreementFileRefused([(0, "too_long")])
    if not rows or tuple(c.strip().lower() for c in rows[0]) != HEADER:
        raise AgreementFileRefused([(1, "header")])
    lines: list[AgreementLine] = []
    problems: list[tuple[int, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            problems.append((number, "columns"))
            continue
        customer, status, on = (cell.strip() for cell in row)
        if not customer.isdigit() or len(customer) > 15 or int(customer) == 0:
            problems.append((number, "kundenummer"))
            continue
        if status.lower() not in STATUS_WORDS:
            problems.append((number, "status"))
            continue
        try:
            status_on = date.fromisoformat(on)
        except ValueError:
            problems.append((number, "date"))
            continue
        lines.append(AgreementLine(number, int(customer), STATUS_WORDS[status.lower()], status_on))
    if problems:
        raise AgreementFileRefused(problems)
    if not lines:
        raise AgreementFileRefused([(0, "empty")])
    return lines


def import_agreements(
    session: Session, lines: list[AgreementLine], *, source: str, actor: Actor
) -> dict[str, int]:
    """Store the status of each line (the newest date wins); raises AgreementFileRefused
    (unknown_debtor) before changing anything."""
    ids = {line.debtor_id for line in lines}
    known = set(session.scalars(select(Debtor.id).where(Debtor.id.in_(ids))))
    unknown = [(line.line, "unknown_debtor") for line in lines if line.debtor_id not in known]
    if unknown:
        raise AgreementFileRefused(unknown)
    counts = {"active": 0, "cancelled": 0, "unchanged": 0}
    for line in sorted(lines, key=lambda item: (item.status_on, item.line)):
        row = session.scalar(
            select(BetalingsserviceAgreement).where(
                BetalingsserviceAgreement.debtor_id == line.debtor_id
            )
        )
        if row is not None and (row.status, row.status_on) == (line.status, line.status_on):
            counts["unchanged"] += 1
            continue
        if row is not None and row.status_on > line.status_on:
            counts["unchanged"] += 1  # an older line than what we know
            continue
        if row is None:
            row = BetalingsserviceAgreement(debtor_id=line.debtor_id)
            session.add(row)
        row.status, row.status_on, row.source = line.status, line.status_on, source[:120]
        session.flush()
        counts[line.status] += 1
        audit.record(
            session,
            actor,
            "betalingsservice.agreement_status",
            object_type="betalingsservice_agreement",
            object_id=row.id,
            debtor_id=line.debtor_id,
            status=line.status,
        )
    return counts


def agreement_of(session: Session, debtor_id: int) -> BetalingsserviceAgreement | None:
    return session.scalar(
        select(BetalingsserviceAgreement).where(BetalingsserviceAgreement.debtor_id == debtor_id)
    )
