"""Call-backs: a request opens a call_back work item; logging the call closes it (issue 8)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import CallbackRequest
from portal.models import ContactNote
from portal.models import WorkItem
from portal.services import callbacks
from portal.services import work
from portal.services.audit import Actor
from tests.support.appointments import NOW
from tests.support.appointments import TODAY
from tests.support.appointments import count
from tests.support.appointments import day
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff

PHONE = "+31 6 9876 5432"


def _ask(session: Session, debtor_id: int, **kw: object) -> CallbackRequest:
    values: dict[str, object] = {
        "day": day(1),
        "part_of_day": "morning",
        "phone": PHONE,
        "topic": "plan",
    }
    values.update(kw)
    return callbacks.request_callback(
        session,
        debtor_id=debtor_id,
        actor=Actor.citizen(debtor_id),
        now=NOW,
        today=TODAY,
        **values,  # type: ignore[arg-type]
    )


def test_a_request_opens_a_call_back_work_item_without_the_phone_in_the_audit(
    db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    debtor = make_debtor(db_session)
    request = _ask(db_session, debtor.id)
    item = db_session.scalar(select(WorkItem).where(WorkItem.kind == work.CALL_BACK))
    assert item is not None
    assert (item.subject_type, item.subject_id, item.debtor_id) == (
        "callback_request",
        request.id,
        debtor.id,
    )
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "callback.requested"))
    assert event is not None
    assert "9876" not in str(event.details)
    assert "9876" not in caplog.text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"day": day(0)}, "day"),
        ({"day": day(5)}, "day"),  # a Saturday
        ({"day": day(40)}, "day"),
        ({"part_of_day": "night"}, "part_of_day"),
        ({"phone": "call me maybe"}, "phone"),
        ({"topic": "weather"}, "topic"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(
    db_session: Session, change: dict[str, object], reason: str
) -> None:
    debtor = make_debtor(db_session)
    with pytest.raises(callbacks.InvalidCallback) as error:
        _ask(db_session, debtor.id, **change)
    assert error.value.reason == reason
    assert count(db_session, CallbackRequest) == 0
    assert count(db_session, WorkItem) == 0


def test_one_open_request_per_citizen(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    _ask(db_session, debtor.id)
    with pytest.raises(callbacks.InvalidCallback) as error:
        _ask(db_session, debtor.id, day=day(2))
    assert error.value.reason == "already_open"


def test_logging_the_call_writes_the_contact_log_and_closes_the_work_item(
    db_session: Session,
) -> None:
    debtor = make_debtor(db_session)
    staff = make_staff(db_session, "caseworker")
    request = _ask(db_session, debtor.id)
    note = callbacks.log_callback(
        db_session,
        request_id=request.id,
        staff_user_id=staff.id,
        outcome="plan_agreed",
        note="Agreed 50 a month",
        now=NOW,
    )
    assert isinstance(note, ContactNote)
    assert (note.channel, note.outcome, note.debtor_id) == ("phone", "plan_agreed", debtor.id)
    assert request.state == "done"
    assert request.contact_note_id == note.id
    assert work.open_items(db_session, kind=work.CALL_BACK) == []
    assert callbacks.open_requests(db_session) == []
    with pytest.raises(callbacks.InvalidCallback):
        callbacks.log_callback(
            db_session,
            request_id=request.id,
            staff_user_id=staff.id,
            outcome="reached",
            note="",
            now=NOW,
        )
    assert count(db_session, ContactNote) == 1
