"""The journal of ledger movements and the batch that writes the daily finance files."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.models import Debtor
from portal.services.finance_batch import write_day_files
from portal.services.finance_batch import write_finance_exports
from portal.services.finance_exports import JOURNAL_HEADER
from portal.services.finance_exports import gl_accounts
from portal.services.finance_exports import journal_csv
from portal.services.finance_exports import journal_lines
from portal.services.reports import Period
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay


def _today(app: Flask) -> datetime:
    return datetime.now(ZoneInfo(app.config["RULE_PACK"].timezone))


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _journal(session: Session, app: Flask, mapping: str = "") -> list[dict[str, str]]:
    today = _today(app).date()
    zone = ZoneInfo(app.config["RULE_PACK"].timezone)
    lines = journal_lines(session, Period(today, today), zone=zone, accounts=gl_accounts(mapping))
    return _rows(b"".join(journal_csv(lines)))


def test_the_journal_has_one_line_per_ledger_movement_with_type_department_and_account(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Journal Person")
    claim = make_claim(db_session, debtor, 20_000)
    pay(db_session, debtor, 5_000, claim=claim)
    db_session.flush()

    rows = [
        row
        for row in _journal(db_session, app, '{"payment": "1100"}')
        if row["claim_id"] == str(claim.id)
    ]

    assert [(row["cause"], row["debit"], row["credit"]) for row in rows] == [
        ("issued", "200.00", ""),
        ("payment", "", "50.00"),
    ]
    issued, payment = rows
    assert issued["claim_type"] == claim.claim_type.code
    assert issued["department"] == claim.department.code
    assert (issued["gl_account"], payment["gl_account"]) == ("1300", "1100")
    assert payment["payment_id"]
    assert not issued["payment_id"]
    assert {row["currency"] for row in rows} == {"EUR"}
    assert issued["booking_date"] == _today(app).date().isoformat()
    assert issued["value_date"] == claim.issue_date.isoformat()


def test_a_description_that_looks_like_a_formula_cannot_reach_the_journal(
    app: Flask, db_session: Session
) -> None:
    """The journal carries codes and numbers only; free text (descriptions, names) stays out."""
    debtor = make_debtor(db_session, "=cmd|' /C calc'!A0")
    claim = make_claim(db_session, debtor, 1_000, description='=HYPERLINK("x")')
    db_session.flush()

    body = b"".join(
        journal_csv(
            journal_lines(
                db_session,
                Period(_today(app).date(), _today(app).date()),
                zone=ZoneInfo(app.config["RULE_PACK"].timezone),
                accounts=gl_accounts(""),
            )
        )
    )

    assert b"HYPERLINK" not in body
    assert b"calc" not in body
    assert str(claim.id).encode() in body


def test_the_batch_writes_yesterdays_files_and_a_rerun_changes_nothing(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    debtor = make_debtor(db_session, "Batch Journal Person")
    make_claim(db_session, debtor, 7_500)
    db_session.flush()
    rules = app.config["RULE_PACK"]
    today = _today(app).date()

    first = write_day_files(db_session, rules, day=today, folder=tmp_path, accounts=gl_accounts(""))
    files = sorted(path.name for path in tmp_path.iterdir())
    content = {name: (tmp_path / name).read_bytes() for name in files}
    second = write_day_files(
        db_session, rules, day=today, folder=tmp_path, accounts=gl_accounts("")
    )

    assert files == [f"journal-{today}.csv", f"reconciliation-{today}.csv"]
    assert first["written"] == 2
    assert first["movements"] >= 1
    assert (second["written"], second["unchanged"]) == (0, 2)
    assert sorted(path.name for path in tmp_path.iterdir()) == files
    assert {name: (tmp_path / name).read_bytes() for name in files} == content


def test_the_batch_step_uses_the_configured_folder_and_the_day_before(
    app: Flask, db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = app.config["SALDO"].with_overrides(finance_dir=str(tmp_path / "finance"))
    monkeypatch.setitem(app.config, "SALDO", config)
    as_of = _today(app).date() + timedelta(days=1)

    counts = write_finance_exports(db_session, app.config["RULE_PACK"], as_of=as_of)

    day = as_of - timedelta(days=1)
    assert counts["written"] == 2
    assert (tmp_path / "finance" / f"journal-{day}.csv").exists()


def test_a_day_without_movements_gives_a_journal_with_the_header_only(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    day = _today(app).date() - timedelta(days=3650)

    counts = write_day_files(
        db_session, app.config["RULE_PACK"], day=day, folder=tmp_path, accounts=gl_accounts("")
    )

    assert counts["movements"] == 0
    body = (tmp_path / f"journal-{day}.csv").read_bytes()
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == [list(JOURNAL_HEADER)]


def test_the_journal_leaves_personal_data_out(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session, "Very Private Name", national_id="111222333")
    make_claim(db_session, debtor, 3_000)
    db_session.flush()

    text = str(_journal(db_session, app))

    assert "Very Private" not in text
    assert "111222333" not in text
    assert db_session.get(Debtor, debtor.id) is not None
