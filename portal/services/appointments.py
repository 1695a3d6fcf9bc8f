"""Desk appointments (issue 8): staff open slots, a citizen books one place, cancels, re-books.

Capacity is enforced in the booking transaction: the slot row is locked (SELECT ... FOR
UPDATE on PostgreSQL; SQLite lets one writer at a time anyway) and the booked places are
counted under that lock, so two people cannot both take the last place. One open booking per
citizen: a booking is "open" while it is booked and its day has not passed.

Services flush, never commit; the view or the batch runner commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import SUPPORTED_LOCALES
from portal.config import Config
from portal.documents.delivery import DeliveryFailed
from portal.documents.delivery import get_delivery_adapter
from portal.domain.rules.base import RulePack
from portal.models import Appointment
from portal.models import AppointmentSlot
from portal.models import Debtor
from portal.models import Letter
from portal.models.appointments import APPOINTMENT_TOPICS
from portal.models.base import utcnow
from portal.services import audit
from portal.services.audit import Actor
from portal.services.letters import create_letter
from portal.services.letters import deliver_letter

BOOKING_DAYS = 14  # how far ahead a citizen sees free slots
MAX_SLOTS_PER_DAY = 60
CONFIRMATION_KIND = "appointment_confirmation"
REMINDER_KIND = "appointment_reminder"
LETTER_KINDS = (CONFIRMATION_KIND, REMINDER_KIND)
REMINDER_DAYS_AHEAD = 2  # stored two days ahead, delivered by the next run (see below)


class AppointmentError(ValueError):
    """`reason` names what was wrong, for the view's message."""

    reason = "invalid"

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or self.reason)
        if reason is not None:
            self.reason = reason


class InvalidSlot(AppointmentError):
    """reason: past, duration, capacity, place, range."""


class NoSuchSlot(AppointmentError):
    reason = "no_such_slot"


class SlotInPast(AppointmentError):
    reason = "past"


class SlotFull(AppointmentError):
    reason = "full"


class AlreadyBooked(AppointmentError):
    reason = "already_booked"


class InvalidTopic(AppointmentError):
    reason = "topic"


class NoSuchAppointment(AppointmentError):
    reason = "no_such_appointment"


@dataclass(frozen=True)
class Booking:
    appointment: Appointment
    #: the stored confirmation; deliver it with `deliver_stored_letter` after the commit
    letter: Letter


@dataclass(frozen=True)
class FreeSlot:
    slot: AppointmentSlot
    free: int


def _check_slot(
    day: date, start: time, duration: int, place: str, capacity: int, today: date
) -> None:
    if day < today:
        raise InvalidSlot("past")
    if not 5 <= duration <= 240:
        raise InvalidSlot("duration")
    if not 1 <= capacity <= 50:
        raise InvalidSlot("capacity")
    if not place.strip() or len(place) > 120:
        raise InvalidSlot("place")


def add_slot(
    session: Session,
    *,
    day: date,
    start: time,
    duration_minutes: int,
    place: str,
    capacity: int,
    staff_user_id: int,
    today: date,
) -> AppointmentSlot:
    """Open one slot. Raises InvalidSlot (a day in the past, a bad length, capacity or place)."""
    _check_slot(day, start, duration_minutes, place, capacity, today)
    slot = AppointmentSlot(
        day=day,
        start_time=start,
        duration_minutes=duration_minutes,
        place=place.strip(),
        capacity=capacity,
        created_by_id=staff_user_id,
    )
    session.add(slot)
    session.flush()
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "appointment_slot.added",
        object_type="slot",
        object_id=slot.id,
    )
    return slot


def add_slots_for_day(
    session: Session,
    *,
    day: date,
    start: time,
    end: time,
    length_minutes: int,
    place: str,
    capacity: int,
    staff_user_id: int,
    today: date,
) -> list[AppointmentSlot]:
    """Fill `start`-`end` with back-to-back slots of `length_minutes` (the last one ends by
    `end`). Raises InvalidSlot("range") when not even one slot fits."""
    _check_slot(day, start, length_minutes, place, capacity, today)
    begin = datetime.combine(day, start)
    finish = datetime.combine(day, end)
    step = timedelta(minutes=length_minutes)
    starts: list[time] = []
    while begin + step <= finish and len(starts) < MAX_SLOTS_PER_DAY:
        starts.append(begin.time())
        begin += step
    if not starts:
        raise InvalidSlot("range")
    return [
        add_slot(
            session,
            day=day,
            start=moment,
            duration_minutes=length_minutes,
            place=place,
            capacity=capacity,
            staff_user_id=staff_user_id,
            today=today,
        )
        for moment in starts
    ]


def _booked_count(session: Session, slot_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.slot_id == slot_id, Appointment.state == "booked"
            )
        )
        or 0
    )


def free_slots(session: Session, *, today: date, days: int = BOOKING_DAYS) -> list[FreeSlot]:
    """Slots from tomorrow up to `days` ahead that still have a free place, in time order.

    Today's slots are left out: the desk needs a day to prepare (and the reminder goes out
    the day before)."""
    booked = (
        select(Appointment.slot_id, func.count(Appointment.id).label("taken"))
        .where(Appointment.state == "booked")
        .group_by(Appointment.slot_id)
        .subquery()
    )
    rows = session.execute(
        select(AppointmentSlot, func.coalesce(booked.c.taken, 0))
        .outerjoin(booked, booked.c.slot_id == AppointmentSlot.id)
        .where(AppointmentSlot.day > today, AppointmentSlot.day <= today + timedelta(days=days))
        .order_by(AppointmentSlot.day, AppointmentSlot.start_time, AppointmentSlot.id)
    ).all()
    return [FreeSlot(slot, slot.capacity - taken) for slot, taken in rows if taken < slot.capacity]


def open_appointment(session: Session, debtor_id: int, *, today: date) -> Appointment | None:
    """The citizen's booked appointment today or later, if any."""
    return session.scalar(
        select(Appointment)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .where(
            Appointment.debtor_id == debtor_id,
            Appointment.state == "booked",
            AppointmentSlot.day >= today,
        )
        .order_by(AppointmentSlot.day, AppointmentSlot.start_time)
        .limit(1)
    )


def _cancel(session: Session, appointment: Appointment, actor: Actor, now: datetime) -> None:
    appointment.state = "cancelled"
    appointment.cancelled_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "appointment.cancelled",
        object_type="appointment",
        object_id=appointment.id,
        debtor_id=appointment.debtor_id,
    )


def book_appointment(
    session: Session,
    rules: RulePack,
    *,
    debtor_id: int,
    slot_id: int,
    topic: str,
    actor: Actor,
    now: datetime,
    today: date,
    rebook: bool = False,
    locale: str | None = None,
) -> Booking:
    """Book a place in the slot and store a confirmation letter.

    With `rebook`, the citizen's open booking is cancelled in the same transaction (if the new
    slot is full, the caller rolls back and the old booking stays). Raises NoSuchSlot,
    SlotInPast, SlotFull, AlreadyBooked, InvalidTopic.
    """
    if topic not in APPOINTMENT_TOPICS:
        raise InvalidTopic()
    # Lock the debtor row too: two tabs of one citizen cannot both book.
    session.scalar(select(Debtor.id).where(Debtor.id == debtor_id).with_for_update())
    slot = session.scalar(
        select(AppointmentSlot).where(AppointmentSlot.id == slot_id).with_for_update()
    )
    if slot is None:
        raise NoSuchSlot()
    if slot.day <= today:
        raise SlotInPast()
    current = open_appointment(session, debtor_id, today=today)
    if current is not None:
        if current.slot_id == slot.id or not rebook:
            raise AlreadyBooked()
        _cancel(session, current, actor, now)
    if _booked_count(session, slot.id) >= slot.capacity:
        raise SlotFull()
    appointment = Appointment(
        slot_id=slot.id,
        debtor_id=debtor_id,
        topic=topic,
        state="booked",
        booked_by_staff_id=actor.staff_user_id,
        booked_at=now,
    )
    session.add(appointment)
    session.flush()
    audit.record(
        session,
        actor,
        "appointment.booked",
        object_type="appointment",
        object_id=appointment.id,
        debtor_id=debtor_id,
        slot_id=slot.id,
        topic=topic,
    )
    letter = _letter(session, rules, appointment, CONFIRMATION_KIND, today, locale)
    return Booking(appointment, letter)


def cancel_appointment(
    session: Session, *, debtor_id: int, appointment_id: int, actor: Actor, now: datetime
) -> Appointment:
    """Cancel the citizen's own booking. Raises NoSuchAppointment (not theirs, or not booked)."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.debtor_id != debtor_id or appointment.state != "booked":
        raise NoSuchAppointment()
    _cancel(session, appointment, actor, now)
    return appointment


def appointments_from(session: Session, *, day: date, days: int = 14) -> Sequence[Appointment]:
    """Booked appointments from `day` for `days` days, in time order (the staff list)."""
    return session.scalars(
        select(Appointment)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .where(
            Appointment.state == "booked",
            AppointmentSlot.day >= day,
            AppointmentSlot.day < day + timedelta(days=days),
        )
        .order_by(AppointmentSlot.day, AppointmentSlot.start_time, Appointment.id)
    ).all()


def slots_from(session: Session, *, day: date, days: int = 14) -> list[FreeSlot]:
    """Every slot from `day` on, with its free places (also full ones), for staff."""
    result = []
    for slot in session.scalars(
        select(AppointmentSlot)
        .where(AppointmentSlot.day >= day, AppointmentSlot.day < day + timedelta(days=days))
        .order_by(AppointmentSlot.day, AppointmentSlot.start_time, AppointmentSlot.id)
    ):
        result.append(FreeSlot(slot, slot.capacity - _booked_count(session, slot.id)))
    return result


def _locale(session: Session, rules: RulePack, debtor_id: int, locale: str | None) -> str:
    if locale in ("da", "nl", "en"):
        return locale
    debtor = session.get(Debtor, debtor_id)
    preferred = debtor.preferred_locale if debtor is not None else None
    return preferred if preferred in SUPPORTED_LOCALES else rules.default_locale


def _letter(
    session: Session,
    rules: RulePack,
    appointment: Appointment,
    kind: str,
    today: date,
    locale: str | None = None,
) -> Letter:
    template = f"{kind}_letter.html"
    return create_letter(
        session,
        debtor_id=appointment.debtor_id,
        kind=kind,
        template=template,
        context={"appointment": appointment, "slot": appointment.slot},
        locale=_locale(session, rules, appointment.debtor_id, locale),
        letter_date=today,
    )


def send_appointment_reminders(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Batch step: deliver the appointment letters stored by earlier runs and bookings, then
    store a reminder for each booked appointment in the next two days that has none yet.

    A letter is only sent once it is committed (portal.services.letters), and the runner
    commits after the step; so a reminder stored two days ahead is delivered by the next
    day's run: the day before the appointment. Idempotent per appointment (`reminded_on`).
    """
    counts = {"delivered": 0, "failed": 0, "reminders": 0}
    config: Config = current_app.config["SALDO"]
    adapter = get_delivery_adapter(config)
    stored = session.scalars(
        select(Letter)
        .where(Letter.kind.in_(LETTER_KINDS), Letter.delivered_at.is_(None))
        .order_by(Letter.id)
        .with_for_update(skip_locked=True)
    ).all()
    for letter in stored:
        try:
            deliver_letter(session, letter, adapter, now=utcnow())
        except DeliveryFailed:
            counts["failed"] += 1  # stays undelivered; the next run tries again
            continue
        counts["delivered"] += 1
    due = session.scalars(
        select(Appointment)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .where(
            Appointment.state == "booked",
            Appointment.reminded_on.is_(None),
            AppointmentSlot.day > as_of,
            AppointmentSlot.day <= as_of + timedelta(days=REMINDER_DAYS_AHEAD),
        )
        .order_by(Appointment.id)
        .with_for_update(of=Appointment, skip_locked=True)
    ).all()
    for appointment in due:
        _letter(session, rules, appointment, REMINDER_KIND, as_of)
        appointment.reminded_on = as_of
        counts["reminders"] += 1
    session.flush()
    return counts


def deliver_stored_letter(session: Session, letter: Letter) -> bool:
    """Send a committed appointment letter now (after a booking); False if delivery failed
    (the batch step tries again)."""
    config: Config = current_app.config["SALDO"]
    try:
        deliver_letter(session, letter, get_delivery_adapter(config), now=utcnow())
    except DeliveryFailed:
        return False
    return True
