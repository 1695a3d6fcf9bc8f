"""Progress and summary lines on stderr for the long commands (issue 10): seed-demo, run-batch,
import-statement, import-claims. Not a terminal here, so plain lines, no bar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tests.support.bank import camt_fixture
from tests.support.factories import ensure_catalogue
from tests.support.factories import make_claim
from tests.support.factories import make_debtor

CLAIMS_CSV = Path(__file__).resolve().parent.parent / "fixtures" / "claims" / "mixed.csv"


@pytest.fixture(autouse=True)
def _outer_transaction_on_sqlite(db_session: Session) -> None:
    """As in tests/web/test_demo_cli.py: keep the commands' commits inside the test on SQLite."""
    connection = db_session.bind
    if (
        isinstance(connection, Connection)
        and connection.dialect.name == "sqlite"
        and not getattr(connection.connection.dbapi_connection, "in_transaction", True)
    ):
        connection.exec_driver_sql("BEGIN")


def test_seed_demo_reports_debtors_made_and_a_summary_on_stderr(
    app: Flask, db_session: Session
) -> None:
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--debtors", "20", "--today", "2026-11-23", "--seed", "3"]
    )

    assert result.exit_code == 0, result.output
    progress = result.stderr.splitlines()
    assert "seed-demo debtors: 10/20 (50 %)" in result.stderr
    assert progress[-1].startswith("seed-demo debtors: 20/20 done in ")
    assert "claims" in progress[-1]
    assert "seed-demo" not in result.stdout  # the report itself stays on stdout


def test_run_batch_reports_each_step_and_a_summary_on_stderr(
    app: Flask, db_session: Session
) -> None:
    result = app.test_cli_runner().invoke(
        args=["run-batch", "--as-of", "2026-11-23", "--only", "interest", "--only", "dunning"]
    )

    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("run-batch step 1/2: interest: ")
    assert lines[1].startswith("run-batch step 2/2: dunning: ")
    assert lines[-1].startswith("run-batch: 2/2 done in ")
    assert lines[-1].endswith("(2 steps, 0 failed)")
    assert "batch as of 2026-11-23" in result.stdout


def test_import_statement_reports_entries_done_and_a_summary_on_stderr(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    path = tmp_path / "statement.xml"
    path.write_bytes(camt_fixture("single_credit.053.v02.xml", claim))

    result = app.test_cli_runner().invoke(args=["import-statement", str(path)])

    assert result.exit_code == 0, result.output
    last = result.stderr.splitlines()[-1]
    assert last.startswith("import-statement entries: 1/1 done in ")
    assert last.endswith("(1 read, 1 booked, 0 unmatched)")
    assert "booked: 1" in result.stdout


def test_import_claims_reports_rows_done_and_a_summary_on_stderr(
    app: Flask, db_session: Session
) -> None:
    ensure_catalogue(db_session)
    rows = len(CLAIMS_CSV.read_text(encoding="utf-8").strip().splitlines()) - 1

    result = app.test_cli_runner().invoke(
        args=["import-claims", str(CLAIMS_CSV), "--department", "children", "--dry-run"]
    )

    lines = result.stderr.splitlines()
    assert f"import-claims rows: 4/{rows} (57 %), " in "\n".join(lines)
    assert lines[-1].startswith(f"import-claims rows: {rows}/{rows} done in ")
    assert "would_create" in lines[-1]
    assert "dry run, nothing stored" in result.stdout


def test_progress_never_goes_to_stdout_so_output_stays_parseable(
    app: Flask, db_session: Session
) -> None:
    result = app.test_cli_runner().invoke(
        args=["run-batch", "--as-of", date(2026, 11, 23).isoformat()]
    )

    assert result.exit_code == 0, result.output
    assert "run-batch step" not in result.stdout
    assert "run-batch step 1/" in result.stderr
