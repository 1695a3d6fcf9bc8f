"""The collector's report (issue 8): status and collected amounts per claim, recorded (never
booked: the collector remits later), exactly once per collector transaction id; a bad row is
reported and changes nothing; a dry run changes nothing; each row is its own transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models.handover import CollectorReportLine
from portal.models.handover import HandoverRecord
from portal.services import handover as svc
from portal.services.collector_report import ReportFileError
from portal.services.collector_report import import_collector_report
from tests.support.handover import READY_ON
from tests.support.handover import approve
from tests.support.handover import checked
from tests.support.handover import config_in
from tests.support.handover import reminded_claim
from tests.support.handover import rules
from tests.support.primitives import make_staff

HEADER = "claim_id,transaction_id,status,amount_collected,reported_on\n"


def _handed_over(session: Session, tmp_path: Path, name: str = "Report Person") -> Claim:
    caseworker = make_staff(session)
    claim = reminded_claim(session, name)
    checked(session)
    approve(session, claim, caseworker.id)
    svc.run_handover(session, rules(), as_of=READY_ON, config=config_in(tmp_path))
    session.commit()
    return claim


def _import(session: Session, text: str, *, dry_run: bool = False) -> list[tuple[str, str | None]]:
    results = import_collector_report(
        session, text.encode(), dry_run=dry_run, staff_user_id=None, commit=session.commit
    )
    return [(row.outcome, row.error) for row in results]


def _record(session: Session, claim: Claim) -> HandoverRecord:
    session.expire_all()
    record = session.scalar(select(HandoverRecord).where(HandoverRecord.claim_id == claim.id))
    assert record is not None
    return record


def test_a_good_row_records_status_and_amount_without_booking(
    db_session: Session, tmp_path: Path
) -> None:
    claim = _handed_over(db_session, tmp_path)
    ledger_before = db_session.scalar(select(func.count(LedgerEntry.id)))
    balance_before = claim.balance

    outcome = _import(db_session, HEADER + f"{claim.id},T-1,partly_paid,120.50,2026-10-15\n")

    assert outcome == [("imported", None)]
    record = _record(db_session, claim)
    assert (record.status, record.reported_paid) == ("partly_paid", 12_050)
    assert str(record.status_reported_on) == "2026-10-15"
    assert db_session.scalar(select(func.count(LedgerEntry.id))) == ledger_before
    assert db_session.get(Claim, claim.id).balance == balance_before  # type: ignore[union-attr]
    audit = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "handover.report_imported")
    )
    assert audit is not None
    assert audit.details == {"status": "partly_paid", "amount": 12_050}


def test_the_same_transaction_is_recorded_exactly_once(db_session: Session, tmp_path: Path) -> None:
    claim = _handed_over(db_session, tmp_path)
    row = f"{claim.id},T-1,partly_paid,50.00,2026-10-15\n"

    first = _import(db_session, HEADER + row)
    second = _import(db_session, HEADER + row + row)

    assert first == [("imported", None)]
    assert second == [("already_imported", None), ("already_imported", None)]
    assert _record(db_session, claim).reported_paid == 5_000
    assert db_session.scalar(select(func.count(CollectorReportLine.id))) == 1


def test_payments_add_up_over_several_transactions(db_session: Session, tmp_path: Path) -> None:
    claim = _handed_over(db_session, tmp_path)

    _import(
        db_session,
        HEADER
        + f"{claim.id},T-1,partly_paid,50.00,2026-10-15\n"
        + f"{claim.id},T-2,in_progress,25,2026-10-20\n",
    )

    record = _record(db_session, claim)
    assert (record.status, record.reported_paid) == ("in_progress", 7_500)


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("999999,T-9,paid,10.00,2026-10-15", "unknown_claim"),
        ("abc,T-9,paid,10.00,2026-10-15", "unknown_claim"),
        ("{claim},T-9,paid,-10.00,2026-10-15", "bad_amount"),
        ("{claim},T-9,paid,10.001,2026-10-15", "bad_amount"),
        ("{claim},T-9,paid,ten,2026-10-15", "bad_amount"),
        ("{claim},T-9,paid,99999.00,2026-10-15", "more_than_handed_over"),
        ("{claim},T-9,recalled,0,2026-10-15", "bad_status"),
        ("{claim},T-9,paid,10.00,15-10-2026", "bad_date"),
        ("{claim},,paid,10.00,2026-10-15", "bad_transaction_id"),
        ("{other},T-9,paid,10.00,2026-10-15", "not_handed_over"),
    ],
)
def test_a_bad_row_is_reported_and_changes_nothing(
    db_session: Session, tmp_path: Path, row: str, error: str
) -> None:
    claim = _handed_over(db_session, tmp_path)
    other = reminded_claim(db_session, "Not Handed Over")
    db_session.commit()

    outcome = _import(db_session, HEADER + row.format(claim=claim.id, other=other.id) + "\n")

    assert outcome == [("error", error)]
    record = _record(db_session, claim)
    assert (record.status, record.reported_paid) == ("handed_over", 0)
    assert db_session.scalar(select(func.count(CollectorReportLine.id))) == 0


def test_good_rows_around_a_bad_row_are_kept(db_session: Session, tmp_path: Path) -> None:
    claim = _handed_over(db_session, tmp_path)

    outcome = _import(
        db_session,
        HEADER
        + f"{claim.id},T-1,partly_paid,10.00,2026-10-15\n"
        + "999999,T-2,paid,10.00,2026-10-15\n"
        + f"{claim.id},T-3,partly_paid,5.00,2026-10-16\n",
    )

    assert outcome == [("imported", None), ("error", "unknown_claim"), ("imported", None)]
    assert _record(db_session, claim).reported_paid == 1_500


def test_a_dry_run_checks_every_row_and_changes_nothing(
    db_session: Session, tmp_path: Path
) -> None:
    claim = _handed_over(db_session, tmp_path)

    outcome = _import(
        db_session,
        HEADER + f"{claim.id},T-1,paid,10.00,2026-10-15\n" + "999999,T-2,paid,1,2026-10-15\n",
        dry_run=True,
    )

    assert outcome == [("imported", None), ("error", "unknown_claim")]
    record = _record(db_session, claim)
    assert (record.status, record.reported_paid) == ("handed_over", 0)
    assert db_session.scalar(select(func.count(CollectorReportLine.id))) == 0


def test_a_returned_claim_comes_back_to_normal_collection(
    db_session: Session, tmp_path: Path
) -> None:
    claim = _handed_over(db_session, tmp_path)

    _import(db_session, HEADER + f"{claim.id},T-1,returned,0,2026-10-15\n")

    record = _record(db_session, claim)
    assert record.status == "returned"
    assert record.recalled_at is not None
    assert db_session.get(Claim, claim.id).handed_over_on is None  # type: ignore[union-attr]
    later = svc.run_handover(db_session, rules(), as_of=READY_ON, config=config_in(tmp_path))
    assert later.batch is None  # no recall line: the collector sent it back itself


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe\x00bad", "not_utf8"),
        (b"id;status\n1;paid\n", "bad_header"),
        (HEADER.encode(), "empty"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(
    db_session: Session, data: bytes, reason: str
) -> None:
    with pytest.raises(ReportFileError, match=reason):
        import_collector_report(
            db_session, data, dry_run=False, staff_user_id=None, commit=db_session.commit
        )


def _cli(app: Flask, *args: str) -> Result:
    result: Result = app.test_cli_runner().invoke(args=list(args))
    return result


def test_the_cli_imports_a_report_and_lists_row_errors(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    claim = _handed_over(db_session, tmp_path)
    report = tmp_path / "report.csv"
    report.write_text(
        HEADER + f"{claim.id},T-1,paid,10.00,2026-10-15\n999999,T-2,paid,1,2026-10-15\n",
        encoding="utf-8",
    )

    dry = _cli(app, "import-collector-report", str(report), "--dry-run")
    real = _cli(app, "import-collector-report", str(report))

    assert "dry run (nothing changed): rows: 2, ok: 1" in dry.output
    assert "rows: 2, ok: 1, already imported: 0, errors: 1" in real.output
    assert "line 3: claim 999999: unknown_claim" in real.output
    assert real.exit_code == 1
    assert _record(db_session, claim).reported_paid == 1_000


def test_the_cli_runs_the_hand_over(app: Flask, db_session: Session) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)
    approve(db_session, claim, caseworker.id)
    db_session.commit()

    first = _cli(app, "run-handover", "--as-of", READY_ON.isoformat())
    second = _cli(app, "run-handover", "--as-of", READY_ON.isoformat())
    bad = _cli(app, "run-handover", "--as-of", "yesterday")

    assert "handed over: 1, recalls: 0" in first.output
    assert "nothing to hand over" in second.output
    assert bad.exit_code == 2
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).handed_over_on == READY_ON  # type: ignore[union-attr]
