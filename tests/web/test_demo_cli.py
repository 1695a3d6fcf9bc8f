"""The demo commands a newcomer runs: seed-demo, totp-code, sync-catalogue."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.models import ClaimType
from portal.models import Debtor
from portal.models import Department
from portal.models import StaffUser
from portal.services.staff_accounts import create_staff_user
from portal.services.staff_accounts import current_totp_code


@pytest.fixture(autouse=True)
def _outer_transaction_on_sqlite(db_session: Session) -> None:
    """pysqlite sends no BEGIN for the fixture's `connection.begin()`, so the savepoint the
    command's `commit()` releases would be the outermost one and SQLite would commit for
    real. An explicit BEGIN keeps the data inside the test (see tests/support/auth_helpers)."""
    connection = db_session.bind
    if (
        isinstance(connection, Connection)
        and connection.dialect.name == "sqlite"
        and not getattr(connection.connection.dbapi_connection, "in_transaction", True)
    ):
        connection.exec_driver_sql("BEGIN")


SEED_ARGS = ["seed-demo", "--debtors", "20", "--today", "2026-11-23", "--seed", "3"]


def _debtor_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Debtor)) or 0)


def _invoke_outside_demo_mode(make_app: Callable[..., Flask], args: list[str]) -> Result:
    """The db_session fixture has pushed the main app's context, and Flask commands reuse
    a pushed context; push the other app's own."""
    other = make_app(demo=False)
    with other.app_context():
        return other.test_cli_runner().invoke(args=args)


def test_seed_demo_refuses_outside_demo_mode(
    make_app: Callable[..., Flask], db_session: Session
) -> None:
    result = _invoke_outside_demo_mode(make_app, SEED_ARGS)

    assert result.exit_code == 1
    assert "seed-demo only runs in demo mode (SALDO_DEMO=1)" in result.output
    assert _debtor_count(db_session) == 0


def test_seed_demo_prints_the_staff_accounts_and_a_letter_code(
    app: Flask, db_session: Session
) -> None:
    result = app.test_cli_runner().invoke(args=SEED_ARGS)

    assert result.exit_code == 0, result.output
    assert "20 debtors" in result.output
    for username in ("caseworker", "desk", "supervisor", "clerk", "admin"):
        assert f"saldo-demo-{username}" in result.output
        assert f"otpauth://totp/Saldo:{username}?secret=" in result.output
    assert "http://127.0.0.1:5000/login/demo" in result.output
    assert re.search(r"login code: +[0-9A-Z]{5}-[0-9A-Z]{5}", result.output)
    assert re.search(r"payment reference: +[0-9 ]{16,}", result.output)
    assert re.search(r"or the representative [^,]+, who acts for 2 of them", result.output)
    assert _debtor_count(db_session) == 20


def test_seed_demo_never_prints_a_national_id(app: Flask, db_session: Session) -> None:
    result = app.test_cli_runner().invoke(args=SEED_ARGS)

    assert result.exit_code == 0, result.output
    assert not re.search(r"\b\d{9,10}\b", result.output)


def test_seed_demo_a_second_time_changes_nothing(app: Flask, db_session: Session) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=SEED_ARGS).exit_code == 0

    again = runner.invoke(args=SEED_ARGS)

    assert again.exit_code == 0
    assert "Demo data already present; nothing changed" in again.output
    assert _debtor_count(db_session) == 20


def test_totp_code_prints_the_current_code_of_a_staff_user(app: Flask, db_session: Session) -> None:
    user = create_staff_user(
        db_session,
        app.config["SALDO"],
        username="caseworker",
        display_name="Ingrid Mulder",
        role="caseworker",
        password="saldo-demo-caseworker",
    )
    before = datetime.now(UTC)

    result = app.test_cli_runner().invoke(args=["totp-code", "Caseworker"])

    after = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    code = result.output.strip()
    assert re.fullmatch(r"\d{6}", code)
    # the 30-second step may turn over while the command runs
    assert code in {current_totp_code(user, before), current_totp_code(user, after)}


def test_totp_code_for_an_unknown_user_fails_with_a_message(
    app: Flask, db_session: Session
) -> None:
    result = app.test_cli_runner().invoke(args=["totp-code", "nobody"])

    assert result.exit_code == 1
    assert "No staff user named 'nobody'" in result.output


def test_totp_code_refuses_outside_demo_mode(
    make_app: Callable[..., Flask], db_session: Session
) -> None:
    result = _invoke_outside_demo_mode(make_app, ["totp-code", "caseworker"])

    assert result.exit_code == 1
    assert "totp-code only runs in demo mode" in result.output
    assert db_session.scalar(select(StaffUser.id)) is None


def test_sync_catalogue_creates_the_rule_packs_departments_and_claim_types(
    app: Flask, db_session: Session
) -> None:
    rules = app.config["RULE_PACK"]

    result = app.test_cli_runner().invoke(args=["sync-catalogue"])

    assert result.exit_code == 0, result.output
    assert f"{len(rules.departments)} departments" in result.output
    codes = set(db_session.scalars(select(ClaimType.code)))
    assert codes == {spec.code for spec in rules.claim_types}
    assert db_session.scalar(select(Department.id).where(Department.code == "tax")) is not None


def test_seed_demo_today_defaults_to_the_installations_day(app: Flask, db_session: Session) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--debtors", "8"])

    assert result.exit_code == 0, result.output
    printed = re.search(r"today (\d{4}-\d{2}-\d{2})", result.output)
    assert printed is not None
    day = datetime.fromisoformat(printed.group(1)).replace(tzinfo=UTC)
    assert abs(day - datetime.now(UTC)) < timedelta(days=2)
