"""Shared primitives for people's work: work items, signals, collection holds, avoided costs."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow


class WorkItem(Base):
    """Anything a person must look at: a plan to decide, an unmatched payment, a call-back..."""

    __tablename__ = "work_item"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'done', 'cancelled')", name="state"),
        # One open item per kind and subject: opening it again returns the open one.
        Index(
            "uq_work_item_open_subject",
            "kind",
            "subject_type",
            "subject_id",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
        Index("ix_work_item_state_opened", "state", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtor.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    state: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    outcome: Mapped[str | None] = mapped_column(String(40))


class Signal(Base):
    """Early signalling (vroegsignalering): a reason to contact a debtor before costs pile up."""

    __tablename__ = "signal"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'closed')", name="state"),
        # At most one open signal per debtor and reason (decisions.md).
        Index(
            "uq_signal_open_reason",
            "debtor_id",
            "reason",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default="open")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    outcome: Mapped[str | None] = mapped_column(String(40))


HOLD_REASONS = (
    "plan",
    "remission",
    "debt_help",
    "dispute",
    "legal_wsnp",
    "legal_collective_debt_settlement",
    "legal_gaeldssanering",
    "death",
    "payment_pending",
)


class CollectionHold(Base):
    """Why collection on a claim is paused, from when until when. Batches ask before acting."""

    __tablename__ = "collection_hold"
    __table_args__ = (
        CheckConstraint(f"reason IN {HOLD_REASONS!r}", name="reason"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        Index("ix_collection_hold_claim", "claim_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    reason: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date]
    #: exclusive: the hold no longer applies on this day; None = until released
    ends_on: Mapped[date | None]
    #: what placed it, e.g. "plan:12", "remission:4", "staff:7"
    source: Mapped[str] = mapped_column(String(60))
    #: a legal stop's reference (court decision number, ...)
    reference: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SuppressedCharge(Base):
    """A fee or step a batch skipped because of a hold or policy: 'costs avoided'."""

    __tablename__ = "suppressed_charge"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        # Two batches at the same minute must not record the same avoided cost twice.
        UniqueConstraint("claim_id", "action_key", name="uq_suppressed_charge_claim_action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(40))
    #: idempotency per action, e.g. "reminder:2" for the claim's second reminder
    action_key: Mapped[str] = mapped_column(String(60))
    on_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
