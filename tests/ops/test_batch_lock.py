"""portal.batch.lock: one batch (or import) run at a time across processes and servers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from portal.batch.lock import batch_lock
from portal.batch.lock import lock_key


def test_the_lock_key_is_fixed_per_name_and_differs_between_names() -> None:
    assert lock_key("run-batch") == lock_key("run-batch")
    assert lock_key("run-batch") != lock_key("import-statement")
    assert -(2**63) <= lock_key("run-batch") < 2**63


def test_on_sqlite_the_lock_is_a_no_op_that_is_always_granted(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'lock.sqlite'}")
    with (
        Session(engine) as one,
        Session(engine) as two,
        batch_lock(one, "run-batch") as first,
        batch_lock(two, "run-batch") as second,
    ):
        assert (first, second) == (True, True)
    engine.dispose()


@pytest.mark.postgres_only
def test_a_second_holder_is_refused_until_the_first_lets_go(db_session: Session) -> None:
    with batch_lock(db_session, "ops-test-lock") as first:
        assert first is True
        with batch_lock(db_session, "ops-test-lock") as second:
            assert second is False
        with batch_lock(db_session, "ops-test-other") as other:
            assert other is True
    with batch_lock(db_session, "ops-test-lock") as again:
        assert again is True


@pytest.mark.postgres_only
def test_the_lock_survives_the_sessions_commits(db_session: Session) -> None:
    with batch_lock(db_session, "ops-test-commits") as held:
        assert held
        db_session.commit()
        db_session.commit()
        with batch_lock(db_session, "ops-test-commits") as second:
            assert second is False


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "args",
    [["run-batch", "--as-of", "2026-11-23"], ["import-statement", "{statement}"]],
    ids=["run-batch", "import-statement"],
)
def test_a_command_that_finds_its_lock_taken_does_nothing_and_exits_0(
    app: Flask, db_session: Session, tmp_path: Path, args: list[str]
) -> None:
    statement = tmp_path / "statement.xml"
    statement.write_text("<not-read/>")  # the lock is checked before the file is parsed
    args = [arg.format(statement=statement) for arg in args]
    with batch_lock(db_session, args[0]) as held:  # another server's run, as it were
        assert held
        result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "another run is in progress" in result.output
    assert "batch as of" not in result.output
    assert "booked" not in result.output
