"""`flask import-claims FILE.csv --department X [--dry-run]`: each row on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import Department
from portal.services.audit import Actor
from portal.services.claim_import import CsvInvalid
from portal.services.claim_import import import_rows
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


def _row(external_id: str, amount: object, national_id: str, name: str) -> dict[str, object]:
    return {
        "external_id": external_id,
        "claim_type": "childcare_contribution",
        "amount": amount,
        "currency": "EUR",
        "issue_date": "2026-11-01",
        "due_date": "2026-12-01",
        "description": f"Childcare {external_id}",
        "debtor": {"name": name, "national_id": national_id, "business_number": None},
    }


def test_a_bad_row_in_the_middle_of_a_chunk_leaves_the_good_rows_of_that_chunk_imported(
    app: Flask, db_session: Session
) -> None:
    ensure_catalogue(db_session)
    department = db_session.scalar(select(Department).where(Department.code == "children"))
    assert department is not None
    rows = [
        (2, _row("CHUNK-1", 45000, "291417772", "Anna de Vries")),
        (3, _row("CHUNK-2", 30000, "411524495", "Bram Jansen")),
        # same external id as line 2, another amount: fails inside its savepoint
        (4, _row("CHUNK-1", 99999, "291417772", "Anna de Vries")),
        (5, _row("CHUNK-3", "12.50", "411524495", "Bram Jansen")),  # fails its checks
        (6, _row("CHUNK-4", 38000, "411524495", "Bram Jansen")),  # debtor new in this chunk
        (7, _row("CHUNK-5", 20000, "398259793", "Dana Smit")),  # next chunk
    ]
    with app.app_context():
        outcomes = []
        for outcome in import_rows(
            db_session,
            app.config["SALDO"],
            app.config["RULE_PACK"],
            department,
            rows,
            actor=Actor.system(),
            dry_run=False,
            chunk_rows=5,
        ):
            db_session.commit()
            outcomes.append(outcome)
    assert [(o.line, o.outcome) for o in outcomes] == [
        (2, "created"),
        (3, "created"),
        (4, "rejected"),
        (5, "rejected"),
        (6, "created"),
        (7, "created"),
    ]
    assert outcomes[2].errors[0].code == "conflict"
    assert outcomes[2].claim_id == outcomes[0].claim_id
    assert outcomes[3].errors[0].field == "amount"
    db_session.expire_all()
    claims = {
        c.external_id: c
        for c in db_session.scalars(select(Claim).where(Claim.external_id.like("CHUNK-%")))
    }
    assert set(claims) == {"CHUNK-1", "CHUNK-2", "CHUNK-4", "CHUNK-5"}
    assert claims["CHUNK-1"].original_amount == 45000
    assert claims["CHUNK-2"].debtor_id == claims["CHUNK-4"].debtor_id  # one debtor, not two


def test_the_chunk_size_does_not_change_the_outcomes(app: Flask, db_session: Session) -> None:
    ensure_catalogue(db_session)
    department = db_session.scalar(select(Department).where(Department.code == "children"))
    assert department is not None
    text = MIXED.read_text(encoding="utf-8")

    def outcomes(chunk_rows: int) -> list[tuple[int, str]]:
        with app.app_context():
            found = import_rows(
                db_session,
                app.config["SALDO"],
                app.config["RULE_PACK"],
                department,
                read_rows(text),
                actor=Actor.system(),
                dry_run=True,
                chunk_rows=chunk_rows,
            )
            return [(o.line, o.outcome) for o in found]

    expected = outcomes(1)
    assert [kind for _, kind in expected].count("would_create") == 3
    assert outcomes(2) == outcomes(500) == expected
    with pytest.raises(ValueError, match="chunk_rows"):
        outcomes(0)
