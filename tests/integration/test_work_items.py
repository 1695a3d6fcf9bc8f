"""Work items: one open item per kind and subject, closing, assignment, the queue order."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import AuditEvent
from portal.models import WorkItem
from portal.services import work
from portal.services.work import WORK_KINDS
from portal.services.work import UnknownWorkKind
from portal.services.work import WorkItemNotOpen
from portal.services.work import assign_work_item
from portal.services.work import close_work_item
from portal.services.work import open_items
from portal.services.work import open_work_item
from tests.support.factories import make_debtor
from tests.support.primitives import NOW
from tests.support.primitives import make_staff


def test_opening_the_same_item_twice_returns_the_open_one(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    first = open_work_item(db_session, "plan_decision", "plan", 41, debtor_id=debtor.id, now=NOW)
    again = open_work_item(db_session, "plan_decision", "plan", 41, debtor_id=debtor.id)

    assert again.id == first.id
    count = db_session.scalar(select(func.count()).select_from(WorkItem))
    assert count == 1
    assert first.state == "open"
    assert first.opened_at == NOW


def test_other_kinds_and_subjects_get_their_own_items(db_session: Session) -> None:
    a = open_work_item(db_session, "plan_decision", "plan", 1, now=NOW)
    b = open_work_item(db_session, "counter_proposal", "plan", 1, now=NOW)
    c = open_work_item(db_session, "plan_decision", "plan", 2, now=NOW)
    d = open_work_item(db_session, "plan_decision", "remission", 1, now=NOW)

    assert len({a.id, b.id, c.id, d.id}) == 4


def test_after_closing_a_new_item_for_the_same_subject_can_open(db_session: Session) -> None:
    first = open_work_item(db_session, "call_back", "debtor", 7, now=NOW)
    close_work_item(db_session, first, outcome="called", staff_user_id=None, now=NOW)

    second = open_work_item(db_session, "call_back", "debtor", 7, now=NOW + timedelta(days=3))

    assert second.id != first.id
    assert [item.id for item in open_items(db_session)] == [second.id]


@pytest.mark.parametrize("kind", ["", "plan-decision", "PLAN_DECISION", "made_up"])
def test_an_unknown_kind_is_refused(db_session: Session, kind: str) -> None:
    with pytest.raises(UnknownWorkKind):
        open_work_item(db_session, kind, "plan", 1)
    with pytest.raises(UnknownWorkKind):
        open_items(db_session, kind=kind or "x")


def test_every_agreed_kind_is_known() -> None:
    assert {
        "plan_decision",
        "remission_decision",
        "unmatched_payment",
        "counter_proposal",
        "call_back",
        "write_off_proposal",
        "handover_check",
        "dispute",
    } <= WORK_KINDS


def test_closing_records_outcome_staff_and_time_and_is_audited(db_session: Session) -> None:
    staff = make_staff(db_session)
    debtor = make_debtor(db_session)
    item = open_work_item(db_session, "plan_decision", "plan", 3, debtor_id=debtor.id, now=NOW)

    close_work_item(db_session, item, outcome="approved", staff_user_id=staff.id, now=NOW)
    db_session.flush()

    assert (item.state, item.outcome, item.closed_by_id) == ("done", "approved", staff.id)
    assert item.closed_at == NOW
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "work_item.closed"))
    assert event is not None
    assert (event.actor_kind, event.staff_user_id, event.debtor_id) == (
        "staff",
        staff.id,
        debtor.id,
    )
    assert event.object_id == item.id
    assert event.details == {"kind": "plan_decision", "outcome": "approved"}


def test_closing_a_closed_item_is_refused_and_keeps_the_first_decision(
    db_session: Session,
) -> None:
    item = open_work_item(db_session, "dispute", "claim", 5, now=NOW)
    close_work_item(db_session, item, outcome="upheld", staff_user_id=None, now=NOW)

    with pytest.raises(WorkItemNotOpen):
        close_work_item(db_session, item, outcome="rejected", staff_user_id=None, now=NOW)
    assert item.outcome == "upheld"


@pytest.mark.parametrize("outcome", ["", "   ", "x" * 41])
def test_an_outcome_must_be_short_text(db_session: Session, outcome: str) -> None:
    item = open_work_item(db_session, "dispute", "claim", 5, now=NOW)
    with pytest.raises(ValueError, match="outcome"):
        close_work_item(db_session, item, outcome=outcome, staff_user_id=None, now=NOW)
    assert item.state == "open"


def test_assigning_and_returning_an_item_to_the_queue(db_session: Session) -> None:
    staff = make_staff(db_session)
    item = open_work_item(db_session, "unmatched_payment", "payment", 9, now=NOW)

    assign_work_item(db_session, item, staff.id)
    assert item.assigned_to_id == staff.id
    assign_work_item(db_session, item, None)
    assert item.assigned_to_id is None

    close_work_item(db_session, item, outcome="matched", staff_user_id=staff.id, now=NOW)
    with pytest.raises(WorkItemNotOpen):
        assign_work_item(db_session, item, staff.id)


def test_open_items_are_oldest_first_and_filter_by_kind(db_session: Session) -> None:
    newest = open_work_item(db_session, "call_back", "debtor", 1, now=NOW)
    oldest = open_work_item(db_session, "plan_decision", "plan", 1, now=NOW - timedelta(days=5))
    middle = open_work_item(db_session, "call_back", "debtor", 2, now=NOW - timedelta(days=1))
    closed = open_work_item(db_session, "call_back", "debtor", 3, now=NOW - timedelta(days=9))
    close_work_item(db_session, closed, outcome="called", staff_user_id=None, now=NOW)

    assert [i.id for i in open_items(db_session)] == [oldest.id, middle.id, newest.id]
    assert [i.id for i in open_items(db_session, kind="call_back")] == [middle.id, newest.id]


def test_losing_an_insert_race_returns_the_item_the_other_transaction_opened(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = open_work_item(db_session, "handover_check", "claim", 77, now=NOW)
    real_find = work._find_open
    calls: list[int] = []

    def find_missing_the_first_time(*args: object) -> WorkItem | None:
        # As if the other transaction committed between our look-up and our insert.
        calls.append(1)
        return None if len(calls) == 1 else real_find(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(work, "_find_open", find_missing_the_first_time)
    result = open_work_item(db_session, "handover_check", "claim", 77, now=NOW)

    assert result.id == winner.id
    assert len(calls) == 2
    # The session is still usable after the refused insert.
    assert [i.id for i in open_items(db_session)] == [winner.id]


@pytest.mark.postgres_only
def test_two_transactions_opening_the_same_item_at_once_get_one_item(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real concurrency on PostgreSQL: B inserts while A's insert is uncommitted."""
    real_find = work._find_open
    lookups_by_thread: dict[str, int] = {}

    def counting_find(*args: object) -> WorkItem | None:
        name = threading.current_thread().name
        lookups_by_thread[name] = lookups_by_thread.get(name, 0) + 1
        return real_find(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(work, "_find_open", counting_find)
    with app.app_context():
        engine = db.engine
        subject_id = 900_001
        result: dict[str, int] = {}
        errors: list[BaseException] = []
        try:
            with Session(engine) as session_a:
                item_a = open_work_item(session_a, "call_back", "debtor", subject_id, now=NOW)

                def open_in_b() -> None:
                    try:
                        with Session(engine) as session_b:
                            item_b = open_work_item(session_b, "call_back", "debtor", subject_id)
                            result["b"] = item_b.id
                            session_b.commit()
                    except BaseException as error:  # reported by the main thread
                        errors.append(error)

                thread = threading.Thread(target=open_in_b, name="b")
                thread.start()
                time.sleep(0.5)  # B has looked (nothing committed yet) and waits on the index
                assert "b" not in result
                session_a.commit()
                result["a"] = item_a.id
                thread.join(timeout=10)
            assert errors == []
            assert result["b"] == result["a"]
            # B found nothing, was refused by the unique index, and looked again.
            assert lookups_by_thread["b"] == 2
        finally:
            with Session(engine) as cleanup:
                cleanup.execute(delete(WorkItem).where(WorkItem.subject_id == subject_id))
                cleanup.commit()
