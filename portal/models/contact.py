"""The contact log (calls, desk visits, letters) and warm referrals to debt help (issue 6).

Both are records of what happened: a note is never edited; a correction is a new note.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow

CONTACT_CHANNELS = ("phone", "desk", "letter", "email")
CONTACT_OUTCOMES = (
    "reached",
    "plan_agreed",
    "remission_started",
    "referred_to_debt_help",
    "declined",
    "unreachable",
    "other",
)
#: how the citizen gave consent to a referral (in person, on the phone, or in writing)
CONSENT_CHANNELS = ("phone", "desk", "letter")


class ContactNote(Base):
    """One contact attempt with a debtor and how it went, written by a staff member."""

    __tablename__ = "contact_note"
    __table_args__ = (
        CheckConstraint(f"channel IN {CONTACT_CHANNELS!r}", name="channel"),
        CheckConstraint(f"outcome IN {CONTACT_OUTCOMES!r}", name="outcome"),
        Index("ix_contact_note_debtor_created", "debtor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    channel: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(30))
    #: the staff member's own words; may hold personal details, so never logged
    note: Mapped[str] = mapped_column(Text, default="")
    #: the early signal this contact answered (it was closed with this outcome)
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signal.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Referral(Base):
    """A warm referral to debt help, made with the citizen's recorded consent.

    Collection on the debtor's open claims pauses (CollectionHold "debt_help") until
    `pause_until` (exclusive: collection may go on from that day).
    """

    __tablename__ = "referral"
    __table_args__ = (
        CheckConstraint(f"consent_channel IN {CONSENT_CHANNELS!r}", name="consent_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    consent_recorded_at: Mapped[datetime]
    consent_channel: Mapped[str] = mapped_column(String(10))
    #: the debt-help organisation's name as the rule pack gives it, in the debtor's language
    organisation: Mapped[str] = mapped_column(String(120))
    pause_until: Mapped[date]
    #: the debt overview made for the referral (to hand to the counsellor)
    overview_document_id: Mapped[int | None] = mapped_column(ForeignKey("overview_document.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
