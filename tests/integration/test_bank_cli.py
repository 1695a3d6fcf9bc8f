"""`flask import-statement FILE` and `flask demo-statement`."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.domain.camt import CamtError
from portal.models import BankStatement
from portal.models import Payment
from portal.payments import camt_parser
from portal.payments import cli
from portal.payments.camt_parser import parse_camt
from tests.support.bank import FIXTURES
from tests.support.bank import camt_fixture
from tests.support.bank import large_statement
from tests.support.bank import run_import
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.payments import count


def test_import_statement_prints_the_summary(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    path = tmp_path / "statement.xml"
    path.write_bytes(camt_fixture("single_credit.053.v02.xml", claim))
    result = app.test_cli_runner().invoke(args=["import-statement", str(path)])
    assert result.exit_code == 0, result.output
    assert "entries read: 1" in result.output
    assert "booked: 1" in result.output
    again = app.test_cli_runner().invoke(args=["import-statement", str(path)])
    assert "already imported" in again.output
    assert count(db_session, Payment) == 1


def test_import_statement_refuses_a_hostile_file_with_exit_code_1(
    app: Flask, db_session: Session
) -> None:
    path = FIXTURES / "external_entity.xml"
    result = app.test_cli_runner().invoke(args=["import-statement", str(path)])
    assert result.exit_code == 1
    assert "refused for safety" in result.output
    assert count(db_session, BankStatement) == 0


def test_import_statement_refuses_another_account(app: Flask, db_session: Session) -> None:
    path = FIXTURES / "other_account.053.v02.xml"
    result = app.test_cli_runner().invoke(args=["import-statement", str(path)])
    assert result.exit_code == 1
    assert "for another account" in result.output


def test_demo_statement_pays_open_claims_and_adds_an_unmatched_credit_and_a_payout(
    app: Flask, db_session: Session
) -> None:
    claims = [make_claim(db_session, make_debtor(db_session, f"Demo {i}"), 1_000) for i in range(3)]
    result = app.test_cli_runner().invoke(args=["demo-statement"])
    assert result.exit_code == 0
    [statement] = parse_camt(result.stdout_bytes).statements
    assert len(statement.entries) == 5
    assert statement.entries[-1].additional_info.startswith("STRIPE PAYOUT")
    summary = run_import(db_session, result.stdout_bytes)
    assert (summary.booked, summary.unmatched, summary.payouts) == (3, 1, 1)
    for claim in claims:
        db_session.refresh(claim)
    assert [c.balance for c in claims] == [0, 0, 0]


def test_import_statement_reads_a_file_over_the_upload_limit_as_a_stream(
    app: Flask, db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = [
        make_claim(db_session, make_debtor(db_session, f"Drop {i}"), 50_000) for i in range(2)
    ]
    data = large_statement([c.reference or "" for c in claims], 40)
    monkeypatch.setattr(camt_parser, "MAX_FILE_BYTES", len(data) // 4)  # the upload's cap
    with pytest.raises(CamtError):
        parse_camt(data)
    path = tmp_path / "daily.xml"
    path.write_bytes(data)

    result = app.test_cli_runner().invoke(args=["import-statement", str(path)])

    assert result.exit_code == 0, result.output
    assert "entries read: 40" in result.output
    assert "booked: 32" in result.output
    assert count(db_session, Payment) == 32


def test_import_statement_refuses_a_file_over_its_own_limit(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "MAX_STREAM_BYTES", 100)
    path = FIXTURES / "unmatched_credit.053.v02.xml"
    result = app.test_cli_runner().invoke(args=["import-statement", str(path)])
    assert result.exit_code == 1
    assert "larger than" in result.output
    assert count(db_session, BankStatement) == 0
