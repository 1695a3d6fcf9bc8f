"""Phone call-backs (issue 8): a citizen asks us to call on a working day, morning or
afternoon; the request becomes a "call_back" work item; staff log the call in the contact log,
which closes the item.

The phone number is personal data: it is stored and shown to staff, never written to a log
line or to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CallbackRequest
from portal.models import ContactNote
from portal.models import WorkItem
from portal.models.appointments import APPOINTMENT_TOPICS
from portal.models.appointments import PARTS_OF_DAY
from portal.services import audit
from portal.services import work
from portal.services.audit import Actor
from portal.services.contact_log import log_contact

WORKING_DAYS_AHEAD = 10
SUBJECT_TYPE = "callback_request"
_PHONE = re.compile(r"\+?[0-9 ]+")


class InvalidCallback(ValueError):
    """`reason`: day, part_of_day, phone, topic, already_open, no_such_request."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def callback_days(today: date, count: int = WORKING_DAYS_AHEAD) -> list[date]:
    """The next `count` working days (Monday-Friday) after today."""
    days: list[date] = []
    day = today
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def normalise_phone(raw: str) -> str | None:
    """A loosely checked phone number: digits, spaces and one leading +, 6-15 digits.
    Returns it with single spaces, or None when it does not look like a phone number."""
    text = " ".join((raw or "").split())
    if not text or len(text) > 40 or not _PHONE.fullmatch(text):
        return None
    digits = sum(ch.isdigit() for ch in text)
    return text if 6 <= digits <= 15 else None


def request_callback(
    session: Session,
    *,
    debtor_id: int,
    day: date,
    part_of_day: str,
    phone: str,
    topic: str,
    actor: Actor,
    now: datetime,
    today: date,
) -> CallbackRequest:
    """Store the request and open a call_back work item. Raises InvalidCallback."""
    if day not in callback_days(today):
        raise InvalidCallback("day")
    if part_of_day not in PARTS_OF_DAY:
        raise InvalidCallback("part_of_day")
    if topic not in APPOINTMENT_TOPICS:
        raise InvalidCallback("topic")
    number = normalise_phone(phone)
    if number is None:
        raise InvalidCallback("phone")
    if open_request(session, debtor_id) is not None:
        raise InvalidCallback("already_open")
    request = CallbackRequest(
        debtor_id=debtor_id,
        day=day,
        part_of_day=part_of_day,
        phone=number,
        topic=topic,
        state="open",
        requested_by_staff_id=actor.staff_user_id,
        created_at=now,
    )
    session.add(request)
    session.flush()
    work.open_work_item(
        session, work.CALL_BACK, SUBJECT_TYPE, request.id, debtor_id=debtor_id, now=now
    )
    # no phone number here: the audit log carries ids and codes only
    audit.record(
        session,
        actor,
        "callback.requested",
        object_type=SUBJECT_TYPE,
        object_id=request.id,
        debtor_id=debtor_id,
        day=day.isoformat(),
        part_of_day=part_of_day,
        topic=topic,
    )
    return request


def open_request(session: Session, debtor_id: int) -> CallbackRequest | None:
    """The citizen's open request, if any (one at a time)."""
    return session.scalar(
        select(CallbackRequest)
        .where(CallbackRequest.debtor_id == debtor_id, CallbackRequest.state == "open")
        .limit(1)
    )


def open_requests(session: Session) -> Sequence[CallbackRequest]:
    """Open requests, the earliest day first (the staff list)."""
    return session.scalars(
        select(CallbackRequest)
        .where(CallbackRequest.state == "open")
        .order_by(CallbackRequest.day, CallbackRequest.part_of_day, CallbackRequest.id)
    ).all()


def log_callback(
    session: Session,
    *,
    request_id: int,
    staff_user_id: int,
    outcome: str,
    note: str,
    now: datetime,
) -> ContactNote:
    """Write the call to the contact log (channel phone) and close the request and its work
    item. Raises InvalidCallback("no_such_request") or contact_log.InvalidContact."""
    request = session.get(CallbackRequest, request_id)
    if request is None or request.state != "open":
        raise InvalidCallback("no_such_request")
    contact = log_contact(
        session,
        debtor_id=request.debtor_id,
        staff_user_id=staff_user_id,
        channel="phone",
        outcome=outcome,
        note=note,
        now=now,
    )
    request.state = "done"
    request.done_at = now
    request.contact_note_id = contact.id
    item = session.scalar(
        select(WorkItem).where(
            WorkItem.kind == work.CALL_BACK,
            WorkItem.subject_type == SUBJECT_TYPE,
            WorkItem.subject_id == request.id,
            WorkItem.state == "open",
        )
    )
    if item is not None:
        work.close_work_item(session, item, outcome=outcome, staff_user_id=staff_user_id, now=now)
    session.flush()
    return contact
