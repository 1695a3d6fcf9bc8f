"""The batch runner: steps in a fixed order, a commit after each, a failing step rolled back on
its own; the run-batch command with --as-of and --only; two batches at once (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Mapping
from datetime import date
from datetime import timedelta

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import create_app
from portal.batch.base import BatchStep
from portal.batch.runner import UnknownStep
from portal.batch.runner import run_batch
from portal.batch.runner import select_steps
from portal.batch.steps import BATCH_STEPS
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import LedgerEntry
from portal.models import ReminderRecord
from portal.models import Signal
from portal.services.catalogue import sync_catalogue
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import raise_signal
from tests.support.batch import DUE
from tests.support.batch import claim_of
from tests.support.batch import ledger_count
from tests.support.batch import reminders_of
from tests.support.config import make_test_config
from tests.support.config import sibling_database_url
from tests.support.factories import make_debtor
from tests.support.plans import rules as nl_rules
from tests.support.primitives import NOW

MakeApp = Callable[..., Flask]
FIRST = DUE + timedelta(days=7)


def test_the_steps_run_in_a_fixed_order_money_before_lists_and_letters_last() -> None:
    names = [step.name for step in BATCH_STEPS]

    assert names.index("plan_checks") < names.index("interest") < names.index("dunning")
    assert names.index("dunning") < names.index("limitation") < names.index("letters")
    assert names[-2:] == ["letters", "letter_delivery"]
    assert [step.name for step in BATCH_STEPS if step.money] == [
        "direct_debit",
        "interest",
        "dunning",
    ]


def test_the_report_has_counts_per_step_and_action_and_the_time_taken(
    db_session: Session,
) -> None:
    claim = claim_of(db_session, "ozb_residential", 30_000)

    report = run_batch(db_session, nl_rules(), as_of=FIRST, steps=select_steps(["dunning"]))

    assert report.ok
    assert [step.name for step in report.steps] == ["dunning"]
    assert report.counts("dunning")["reminders"] == 1
    assert report.seconds >= report.steps[0].seconds >= 0
    assert claim.reminders_sent == 1


def test_a_failing_step_is_rolled_back_alone_and_the_other_steps_still_run(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session)
    db_session.commit()

    def good(session: Session, rules: RulePack, *, as_of: date) -> Mapping[str, int]:
        raise_signal(session, debtor.id, SEVERAL_ARREARS, now=NOW)
        return {"raised": 1}

    def bad(session: Session, rules: RulePack, *, as_of: date) -> Mapping[str, int]:
        session.add(Signal(debtor_id=debtor.id, reason="plan_defaulted", state="open"))
        session.flush()
        raise RuntimeError("boom")

    steps = [BatchStep("good", good), BatchStep("bad", bad), BatchStep("after", good)]
    report = run_batch(db_session, nl_rules(), as_of=FIRST, steps=steps)

    assert not report.ok
    assert [(s.name, s.error) for s in report.steps] == [
        ("good", None),
        ("bad", "RuntimeError"),
        ("after", None),
    ]
    reasons = db_session.scalars(select(Signal.reason).where(Signal.debtor_id == debtor.id))
    assert list(reasons) == [SEVERAL_ARREARS]


def test_a_second_run_of_the_whole_batch_the_same_day_changes_nothing(
    db_session: Session,
) -> None:
    claim_of(db_session, "ozb_residential", 30_000)
    claim_of(db_session, "childcare_contribution", 30_000)
    money = [step for step in BATCH_STEPS if step.money]
    run_batch(db_session, nl_rules(), as_of=FIRST, steps=money)
    entries = ledger_count(db_session)

    again = run_batch(db_session, nl_rules(), as_of=FIRST, steps=money)

    assert again.ok
    assert ledger_count(db_session) == entries
    assert all(v == 0 for s in again.steps for k, v in s.counts.items() if k != "checked")


def test_unknown_step_names_are_refused() -> None:
    with pytest.raises(UnknownStep):
        select_steps(["dunning", "nonsense"])


def test_the_command_prints_counts_per_action_and_the_seconds(
    app: Flask, db_session: Session
) -> None:
    claim = claim_of(db_session, "ozb_residential", 30_000)

    result = app.test_cli_runner().invoke(
        args=["run-batch", "--as-of", FIRST.isoformat(), "--only", "dunning"]
    )

    assert result.exit_code == 0, result.output
    assert f"batch as of {FIRST.isoformat()}" in result.output
    assert "dunning: checked=1, reminders=1, fees_charged=1" in result.output
    assert " s)" in result.output
    assert "total:" in result.output
    assert "interest" not in result.output
    db_session.expire_all()
    assert len(reminders_of(db_session, claim)) == 1


@pytest.mark.parametrize("bad", ["2026-13-01", "23-11-2026", "tomorrow", ""])
def test_the_command_refuses_a_bad_date_with_a_clear_message(
    app: Flask, db_session: Session, bad: str
) -> None:
    before = ledger_count(db_session)

    result = app.test_cli_runner().invoke(args=["run-batch", "--as-of", bad])

    assert result.exit_code != 0
    assert "--as-of" in result.output
    assert "YYYY-MM-DD" in result.output
    assert ledger_count(db_session) == before


def test_the_command_refuses_an_unknown_step(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["run-batch", "--only", "everything"])

    assert result.exit_code != 0
    assert "everything" in result.output


DATABASE = "saldo_batch_race"


def _fresh_database(url: str) -> None:
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")


@pytest.mark.postgres_only
def test_two_batches_at_once_book_each_fee_once(database_url: str) -> None:
    assert database_url.startswith("postgresql"), "run with --db=postgres"
    url = sibling_database_url(database_url, DATABASE)
    _fresh_database(url)
    app = create_app(make_test_config(url, rules="dk"))
    rules: RulePack = app.config["RULE_PACK"]
    with app.app_context():
        upgrade()
        session = db.session()
        sync_catalogue(session, rules)
        claims = [claim_of(session, "waste_fee", 80_000 + n) for n in range(40)]
        ids = [claim.id for claim in claims]
        session.commit()
        db.session.remove()

    money = [step for step in BATCH_STEPS if step.money]
    rounds = 3
    errors: list[BaseException] = []
    for round_number in range(rounds):
        day = FIRST + timedelta(days=10 * round_number)
        barrier = threading.Barrier(2)

        def run(day: date = day, barrier: threading.Barrier = barrier) -> None:
            try:
                with app.app_context():
                    barrier.wait()
                    report = run_batch(db.session(), rules, as_of=day, steps=money)
                    assert report.ok, report
                    db.session.remove()
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    with app.app_context():
        session = db.session()
        fees = session.execute(
            select(LedgerEntry.claim_id, func.count(LedgerEntry.id), func.sum(LedgerEntry.amount))
            .where(LedgerEntry.claim_id.in_(ids), LedgerEntry.cause == "reminder_fee")
            .group_by(LedgerEntry.claim_id)
        ).all()
        assert sorted((claim_id, n, total) for claim_id, n, total in fees) == [
            (claim_id, rounds, rounds * 25_000) for claim_id in ids
        ]
        records = session.scalar(
            select(func.count(ReminderRecord.id)).where(ReminderRecord.claim_id.in_(ids))
        )
        assert records == rounds * len(ids)
        db.session.remove()
        db.engine.dispose()


def test_a_step_that_wrote_a_lot_refreshes_its_tables_statistics_on_postgresql(
    db_session: Session,
) -> None:
    """After thousands of new rows the planner must not keep costing the tables as they were
    (a sequential scan where an index lookup belongs); small runs leave it to autovacuum."""
    executed: list[str] = []
    engine = db_session.get_bind()

    def remember(conn: object, cursor: object, statement: str, *args: object) -> None:
        executed.append(statement)

    def step_doing(count: int) -> BatchStep:
        return BatchStep(
            f"did_{count}",
            # an amount in cents is no number of rows: only `written_by` counts
            lambda session, rules, *, as_of: {"done": count, "fee_amount": 99_999_999},
            writes=("signal", "reminder_record"),
            written_by=("done",),
        )

    event.listen(engine, "before_cursor_execute", remember)
    try:
        run_batch(db_session, nl_rules(), as_of=DUE, steps=[step_doing(9_999)])
        small = [s for s in executed if s.startswith("ANALYZE")]
        run_batch(db_session, nl_rules(), as_of=DUE, steps=[step_doing(10_000)])
        large = [s for s in executed if s.startswith("ANALYZE")]
    finally:
        event.remove(engine, "before_cursor_execute", remember)

    assert small == []
    if engine.dialect.name == "postgresql":
        assert large == ["ANALYZE signal, reminder_record"]
    else:
        assert large == []  # SQLite keeps no statistics unless asked
