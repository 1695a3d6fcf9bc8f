"""Desk appointments: slots, booking within capacity, one open booking, reminders (issue 8)."""

from __future__ import annotations

from datetime import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Appointment
from portal.models import AppointmentSlot
from portal.models import AuditEvent
from portal.models import Letter
from portal.services import appointments as svc
from portal.services.audit import Actor
from tests.support.appointments import NOW
from tests.support.appointments import TODAY
from tests.support.appointments import count
from tests.support.appointments import day
from tests.support.appointments import make_slot
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff


def _book(session: Session, app: Flask, debtor_id: int, slot_id: int, **kw: object) -> svc.Booking:
    return svc.book_appointment(
        session,
        app.config["RULE_PACK"],
        debtor_id=debtor_id,
        slot_id=slot_id,
        topic=str(kw.pop("topic", "bills")),
        actor=Actor.citizen(debtor_id),
        now=NOW,
        today=TODAY,
        **kw,  # type: ignore[arg-type]
    )


def test_a_slot_in_the_past_is_refused(db_session: Session) -> None:
    staff = make_staff(db_session, "desk")
    with pytest.raises(svc.InvalidSlot) as error:
        svc.add_slot(
            db_session,
            day=day(-1),
            start=time(9),
            duration_minutes=15,
            place="Desk",
            capacity=1,
            staff_user_id=staff.id,
            today=TODAY,
        )
    assert error.value.reason == "past"
    assert count(db_session, AppointmentSlot) == 0


def test_slots_for_a_day_fill_the_time_back_to_back(db_session: Session) -> None:
    staff = make_staff(db_session, "desk")
    slots = svc.add_slots_for_day(
        db_session,
        day=day(3),
        start=time(9),
        end=time(10, 10),
        length_minutes=20,
        place="Desk 1",
        capacity=2,
        staff_user_id=staff.id,
        today=TODAY,
    )
    assert [slot.start_time for slot in slots] == [time(9), time(9, 20), time(9, 40)]
    assert {slot.capacity for slot in slots} == {2}
    with pytest.raises(svc.InvalidSlot) as error:
        svc.add_slots_for_day(
            db_session,
            day=day(3),
            start=time(10),
            end=time(10, 5),
            length_minutes=20,
            place="Desk 1",
            capacity=2,
            staff_user_id=staff.id,
            today=TODAY,
        )
    assert error.value.reason == "range"


def test_booking_takes_a_place_and_stores_a_confirmation_letter(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Booker")
    slot = make_slot(db_session, capacity=2)
    booking = _book(db_session, app, debtor.id, slot.id)
    assert booking.appointment.state == "booked"
    assert booking.letter.kind == "appointment_confirmation"
    assert booking.letter.debtor_id == debtor.id
    free = {item.slot.id: item.free for item in svc.free_slots(db_session, today=TODAY)}
    assert free[slot.id] == 1
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "appointment.booked"))
    assert event is not None
    assert event.debtor_id == debtor.id


def test_a_full_slot_refuses_the_next_booking_and_changes_nothing(
    app: Flask, db_session: Session
) -> None:
    first, second = make_debtor(db_session, "First"), make_debtor(db_session, "Second")
    slot = make_slot(db_session, capacity=1)
    _book(db_session, app, first.id, slot.id)
    letters = count(db_session, Letter)
    with pytest.raises(svc.SlotFull):
        _book(db_session, app, second.id, slot.id)
    assert count(db_session, Appointment) == 1
    assert count(db_session, Letter) == letters
    assert svc.free_slots(db_session, today=TODAY) == []


def test_a_slot_today_or_earlier_cannot_be_booked(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    slot = make_slot(db_session, in_days=0)
    with pytest.raises(svc.SlotInPast):
        _book(db_session, app, debtor.id, slot.id)
    with pytest.raises(svc.NoSuchSlot):
        _book(db_session, app, debtor.id, 999_999)
    with pytest.raises(svc.InvalidTopic):
        _book(db_session, app, debtor.id, slot.id, topic="gossip")
    assert count(db_session, Appointment) == 0


def test_one_open_booking_per_citizen_and_rebooking_moves_it(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    one, two = make_slot(db_session, in_days=2), make_slot(db_session, in_days=3)
    first = _book(db_session, app, debtor.id, one.id).appointment
    with pytest.raises(svc.AlreadyBooked):
        _book(db_session, app, debtor.id, two.id)
    with pytest.raises(svc.AlreadyBooked):
        _book(db_session, app, debtor.id, one.id, rebook=True)
    moved = _book(db_session, app, debtor.id, two.id, rebook=True).appointment
    assert first.state == "cancelled"
    assert svc.open_appointment(db_session, debtor.id, today=TODAY) is moved


def test_a_citizen_cancels_only_their_own_booking(app: Flask, db_session: Session) -> None:
    owner, other = make_debtor(db_session, "Owner"), make_debtor(db_session, "Other")
    slot = make_slot(db_session)
    appointment = _book(db_session, app, owner.id, slot.id).appointment
    with pytest.raises(svc.NoSuchAppointment):
        svc.cancel_appointment(
            db_session,
            debtor_id=other.id,
            appointment_id=appointment.id,
            actor=Actor.citizen(other.id),
            now=NOW,
        )
    assert appointment.state == "booked"
    svc.cancel_appointment(
        db_session,
        debtor_id=owner.id,
        appointment_id=appointment.id,
        actor=Actor.citizen(owner.id),
        now=NOW,
    )
    assert appointment.state == "cancelled"
    assert svc.free_slots(db_session, today=TODAY)[0].free == 1


def test_reminders_are_made_once_and_delivered_by_the_next_run(
    app: Flask, db_session: Session
) -> None:
    rules = app.config["RULE_PACK"]
    debtor = make_debtor(db_session)
    slot = make_slot(db_session, in_days=4)
    _book(db_session, app, debtor.id, slot.id)
    two_days_before = slot.day - timedelta(days=2)
    earlier = svc.send_appointment_reminders(
        db_session, rules, as_of=two_days_before - timedelta(days=1)
    )
    assert earlier == {"delivered": 1, "failed": 0, "reminders": 0}  # the confirmation
    made = svc.send_appointment_reminders(db_session, rules, as_of=two_days_before)
    assert made == {"delivered": 0, "failed": 0, "reminders": 1}
    again = svc.send_appointment_reminders(db_session, rules, as_of=two_days_before)
    assert again == {"delivered": 1, "failed": 0, "reminders": 0}  # the reminder goes out now
    day_before = svc.send_appointment_reminders(
        db_session, rules, as_of=slot.day - timedelta(days=1)
    )
    assert day_before == {"delivered": 0, "failed": 0, "reminders": 0}
    reminders = db_session.scalars(
        select(Letter).where(Letter.kind == "appointment_reminder", Letter.debtor_id == debtor.id)
    ).all()
    assert len(reminders) == 1
    assert reminders[0].delivered_at is not None


def test_cancelled_appointments_get_no_reminder(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    slot = make_slot(db_session, in_days=2)
    appointment = _book(db_session, app, debtor.id, slot.id).appointment
    svc.cancel_appointment(
        db_session,
        debtor_id=debtor.id,
        appointment_id=appointment.id,
        actor=Actor.citizen(debtor.id),
        now=NOW,
    )
    counts = svc.send_appointment_reminders(db_session, app.config["RULE_PACK"], as_of=TODAY)
    assert counts["reminders"] == 0


def test_the_reminder_step_is_registered_in_the_batch() -> None:
    from portal.batch.steps import BATCH_STEPS

    assert [s.run for s in BATCH_STEPS if s.name == "appointment_reminders"] == [
        svc.send_appointment_reminders
    ]
