"""`flask import-claims FILE.csv --department X [--dry-run]`: each row on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.services.claim_import import CsvInvalid
from portal.services.claim_import import read_rows
from tests.api.helpers import counts
from tests.support.factories import ensure_catalogue

MIXED = Path(__file__).resolve().parent.parent / "fixtures" / "claims" / "mixed.csv"
GOOD = {"CC-2026-001", "CC-2026-005", "CC-2026-007"}


def _run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["import-claims", *args])
    return result.exit_code, result.output


def _external_ids(session: Session) -> set[str]:
    session.expire_all()
    return {e for e in session.scalars(select(Claim.external_id)) if e}


def test_good_rows_are_imported_and_bad_rows_reported(app: Flask, db_session: Session) -> None:
    ensure_catalogue(db_session)
    code, output = _run(app, str(MIXED), "--department", "children")
    assert code == 1  # some rows were rejected
    assert _external_ids(db_session) >= GOOD
    assert not _external_ids(db_session) & {"CC-2026-002", "CC-2026-003", "CC-2026-004"}
    assert "line 2 [CC-2026-001]: created" in output
    assert "line 3 [CC-2026-002]: rejected" in output
    assert "amount:" in output
    assert "line 4 [CC-2026-003]: rejected - due_date:" in output
    assert "debtor.national_id" in output
    assert "claim_type" in output
    assert "7 rows: 3 created, 4 rejected" in output
    for secret in ("291417772", "Anna de Vries", "Kinderopvang"):
        assert secret not in output


def test_importing_the_same_file_again_changes_nothing(app: Flask, db_session: Session) -> None:
    ensure_catalogue(db_session)
    _run(app, str(MIXED), "--department", "children")
    before = counts(db_session)
    _, output = _run(app, str(MIXED), "--department", "children")
    assert "3 unchanged, 4 rejected" in output
    assert counts(db_session)[:3] == before[:3]


def test_a_dry_run_checks_every_row_and_stores_nothing(app: Flask, db_session: Session) -> None:
    ensure_catalogue(db_session)
    before = counts(db_session)
    code, output = _run(app, str(MIXED), "--department", "children", "--dry-run")
    assert code == 1
    assert "dry run, nothing stored: 7 rows: 3 would_create, 4 rejected" in output
    assert counts(db_session) == before


def test_an_unknown_department_or_a_wrong_header_is_a_clear_error(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    ensure_catalogue(db_session)
    code, output = _run(app, str(MIXED), "--department", "nope")
    assert code != 0
    assert "no department 'nope'" in output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,amount\n1,2\n", encoding="utf-8")
    code, output = _run(app, str(wrong), "--department", "children")
    assert code != 0
    assert "missing columns" in output


def test_reading_rows_turns_digit_amounts_into_integers_only() -> None:
    text = MIXED.read_text(encoding="utf-8")
    rows = dict(read_rows(text))
    assert rows[2]["amount"] == 45000
    assert rows[3]["amount"] == "12.50"
    assert rows[6]["debtor"] == {
        "name": "Kinderopvang BV",
        "national_id": None,
        "business_number": "69841234",
    }
    with pytest.raises(CsvInvalid, match="external_id"):
        list(read_rows("a,b\n1,2\n"))
