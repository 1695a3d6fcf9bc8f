"""What the daily batch did, one row per action: reminders sent and interest accrued.

Idempotency is per action (decisions.md "Time"): a reminder is keyed on (claim, sequence), an
interest accrual on (claim, first day of the period it covers). A second run, or a second
runner at the same moment, hits the unique constraint and does nothing.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow


class ReminderRecord(Base):
    """Reminder `sequence` of a claim: when it was due, when it was sent, its fee, its letter."""

    __tablename__ = "reminder_record"
    __table_args__ = (
        UniqueConstraint("claim_id", "sequence", name="uq_reminder_record_claim_sequence"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("fee_amount >= 0", name="fee_not_negative"),
        # The letters step looks for reminders without a letter.
        Index("ix_reminder_record_letter", "letter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    sequence: Mapped[int]
    #: the day the reminder fell due by the calendar (a catch-up sends it later)
    due_on: Mapped[date]
    #: the batch day that sent it (the letter's date)
    sent_on: Mapped[date]
    #: minor units charged with this reminder (0 for a free one)
    fee_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: set once by the letters step
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InterestAccrual(Base):
    """Interest for the started months `period_start`..`period_end` (inclusive) of a claim.

    `months` is how many started months the row covers (a catch-up covers several).
    `suppressed` rows cover months under a hold: no interest was charged for them, and they
    are never charged later.
    """

    __tablename__ = "interest_accrual"
    __table_args__ = (
        UniqueConstraint("claim_id", "period_start", name="uq_interest_accrual_claim_period"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("months >= 1", name="months_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    months: Mapped[int]
    #: minor units posted to the ledger for this row (0 when suppressed or nothing was left)
    amount: Mapped[int] = mapped_column(BigInteger)
    suppressed: Mapped[bool] = mapped_column(default=False)
    posted_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
