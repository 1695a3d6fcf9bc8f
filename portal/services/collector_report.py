"""Import the external collector's report (issue 8): status and amounts per claim.

The CSV (docs/handover.md) has a header line and the columns
`claim_id,transaction_id,status,amount_collected,reported_on`.

Decision: the collector (bailiff, Gældsstyrelsen) keeps what it collects and remits it later
in bulk, net of its own costs. So a reported amount is RECORDED as reported (on the claim's
hand-over record, shown read-only to the citizen), never booked on the claim here: booking it
too would count the money twice when the remittance arrives in the bank statement.
Each line is keyed on the collector's `transaction_id`: a line imported before is reported as
"already imported" and changes nothing (exactly once).

Each row is its own transaction: `import_collector_report` runs each row in a savepoint and
calls `commit` (given by the caller, a view or the CLI) after each good row; a bad row's
savepoint is rolled back, and a dry run rolls every row back. A bad row (unknown claim,
claim not with the collector, bad amount, bad status or date) changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.money import exponent_of
from portal.models import Claim
from portal.models.base import utcnow
from portal.models.handover import CollectorReportLine
from portal.models.handover import HandoverRecord
from portal.services import audit
from portal.services.audit import Actor

COLUMNS = ("claim_id", "transaction_id", "status", "amount_collected", "reported_on")
#: statuses a collector may report ("recalled" is ours, set by a recall)
REPORTED_STATUSES = ("in_progress", "paid", "partly_paid", "uncollectable", "returned")
MAX_ROWS = 10_000
_AMOUNT = re.compile(r"^\d{1,12}(\.\d+)?$")
_TRANSACTION = re.compile(r"^[A-Za-z0-9._:/-]{1,80}$")


class ReportFileError(ValueError):
    """The file as a whole cannot be read (not CSV/UTF-8, wrong header, too many rows)."""


class RowError(ValueError):
    """One row is wrong; `code` is a stable key the pages translate."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class RowResult:
    line: int  # line number in the file (header is line 1)
    claim_id: str
    outcome: str  # "imported", "already_imported", "error"
    error: str | None = None
    status: str | None = None
    amount: int = 0


def parse_report(data: bytes) -> list[dict[str, str]]:
    """The rows of the file as dicts. Raises ReportFileError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReportFileError("not_utf8") from error
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(name.strip() for name in (reader.fieldnames or ()))
    if header[: len(COLUMNS)] != COLUMNS:
        raise ReportFileError("bad_header")
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise ReportFileError("too_many_rows")
            rows.append({key.strip(): (value or "").strip() for key, value in row.items() if key})
    except csv.Error as error:
        raise ReportFileError("not_csv") from error
    if not rows:
        raise ReportFileError("empty")
    return rows


def _minor_units(text: str, currency: str) -> int:
    if not _AMOUNT.match(text):
        raise RowError("bad_amount")
    exponent = exponent_of(currency)
    major, _, fraction = text.partition(".")
    if len(fraction) > exponent:
        raise RowError("bad_amount")
    return int(major) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")


def apply_row(
    session: Session, row: dict[str, str], *, staff_user_id: int | None
) -> tuple[str, HandoverRecord | None, int]:
    """Record one report row. Returns (outcome, record, amount). Raises RowError."""
    raw_id = row.get("claim_id", "")
    if not raw_id.isdigit() or len(raw_id) > 12:
        raise RowError("unknown_claim")
    claim = session.get(Claim, int(raw_id))
    if claim is None:
        raise RowError("unknown_claim")
    transaction_id = row.get("transaction_id", "")
    if not _TRANSACTION.match(transaction_id):
        raise RowError("bad_transaction_id")
    if session.scalar(
        select(CollectorReportLine.id).where(CollectorReportLine.transaction_id == transaction_id)
    ):
        return "already_imported", None, 0
    record = session.scalar(
        select(HandoverRecord)
        .where(HandoverRecord.claim_id == claim.id, HandoverRecord.recalled_at.is_(None))
        .with_for_update()
    )
    if record is None:
        raise RowError("not_handed_over")
    status = row.get("status", "")
    if status not in REPORTED_STATUSES:
        raise RowError("bad_status")
    amount = _minor_units(row.get("amount_collected", ""), record.currency)
    if record.reported_paid + amount > record.amount:
        raise RowError("more_than_handed_over")
    try:
        reported_on = date.fromisoformat(row.get("reported_on", ""))
    except ValueError:
        raise RowError("bad_date") from None
    session.add(
        CollectorReportLine(
            record_id=record.id,
            transaction_id=transaction_id,
            status=status,
            amount=amount,
            reported_on=reported_on,
            imported_by_id=staff_user_id,
        )
    )
    record.reported_paid += amount
    record.status = status
    record.status_reported_on = reported_on
    if status == "returned":
        # The collector gives the claim back: it returns to normal collection. It needs no
        # recall line in the next file (the collector knows), so it counts as reported.
        record.recalled_at = utcnow()
        record.recall_reason = "returned by the collector"
        record.recall_batch_id = record.batch_id
        claim.handed_over_on = None
    actor = Actor.staff(staff_user_id) if staff_user_id is not None else Actor.system()
    audit.record(
        session,
        actor,
        "handover.report_imported",
        object_type="handover_record",
        object_id=record.id,
        debtor_id=claim.debtor_id,
        status=status,
        amount=amount,
    )
    session.flush()
    return "imported", record, amount


def import_collector_report(
    session: Session,
    data: bytes,
    *,
    dry_run: bool,
    staff_user_id: int | None,
    commit: Callable[[], None],
) -> list[RowResult]:
    """Import every row in its own transaction; a result per row. Raises ReportFileError.

    `commit` is the caller's (db.session.commit); a dry run never calls it.
    """
    results: list[RowResult] = []
    for number, row in enumerate(parse_report(data), start=2):
        claim_id = row.get("claim_id", "")[:12]
        # A savepoint per row: a bad row (or a dry run) undoes only that row, nothing else.
        savepoint = session.begin_nested()
        try:
            outcome, record, amount = apply_row(session, row, staff_user_id=staff_user_id)
        except RowError as error:
            savepoint.rollback()
            results.append(RowResult(number, claim_id, "error", error=error.code))
            continue
        status = record.status if record is not None else None
        if dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
            commit()
        results.append(RowResult(number, claim_id, outcome, status=status, amount=amount))
    return results
