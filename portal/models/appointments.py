"""Desk appointments, phone call-backs and citizen feedback (issue 8).

A slot is a time at the desk with room for `capacity` people; an appointment takes one place
in it. The capacity is checked in the booking transaction with the slot row locked
(services/appointments.py). Feedback is anonymous by design: no debtor, only the month.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.models.base import Base
from portal.models.base import utcnow

APPOINTMENT_TOPICS = ("bills", "plan", "remission", "other")
APPOINTMENT_STATES = ("booked", "cancelled")
PARTS_OF_DAY = ("morning", "afternoon")
CALLBACK_STATES = ("open", "done")
FEEDBACK_JOURNEYS = ("payment", "plan", "overview_document", "remission")


class AppointmentSlot(Base):
    """A time at the desk that staff opened for bookings."""

    __tablename__ = "appointment_slot"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_appointment_slot_day_start", "day", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    start_time: Mapped[time]
    duration_minutes: Mapped[int]
    place: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Appointment(Base):
    """One citizen's place in a slot. Cancelled bookings stay (as a record), state "cancelled"."""

    __tablename__ = "appointment"
    __table_args__ = (
        CheckConstraint(f"topic IN {APPOINTMENT_TOPICS!r}", name="topic"),
        CheckConstraint(f"state IN {APPOINTMENT_STATES!r}", name="state"),
        Index("ix_appointment_slot_state", "slot_id", "state"),
        Index("ix_appointment_debtor_state", "debtor_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slot.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    topic: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="booked")
    #: desk mode: the staff member who booked it for the citizen
    booked_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    #: the day the reminder letter was made (idempotency of the batch step)
    reminded_on: Mapped[date | None]

    slot: Mapped[AppointmentSlot] = relationship(lazy="joined")


class CallbackRequest(Base):
    """A citizen asks us to phone them on a day, in the morning or the afternoon."""

    __tablename__ = "callback_request"
    __table_args__ = (
        CheckConstraint(f"part_of_day IN {PARTS_OF_DAY!r}", name="part_of_day"),
        CheckConstraint(f"topic IN {APPOINTMENT_TOPICS!r}", name="topic"),
        CheckConstraint(f"state IN {CALLBACK_STATES!r}", name="state"),
        Index("ix_callback_request_state_day", "state", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    day: Mapped[date]
    part_of_day: Mapped[str] = mapped_column(String(10))
    #: shown to staff only; never logged or audited
    phone: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="open")
    requested_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    contact_note_id: Mapped[int | None] = mapped_column(ForeignKey("contact_note.id"))


class Feedback(Base):
    """An answer to "Was this easy?". Anonymous by design: no debtor id, no time but the month."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(f"journey IN {FEEDBACK_JOURNEYS!r}", name="journey"),
        CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)", name="score_range"),
        Index("ix_feedback_month_journey", "month", "journey"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journey: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None]
    #: free text, scrubbed of what looks like personal data (portal.domain.feedback)
    text: Mapped[str] = mapped_column(String(500), default="")
    #: "YYYY-MM": the month only, so an answer cannot be matched to a visit
    month: Mapped[str] = mapped_column(String(7))
