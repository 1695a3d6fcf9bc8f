"""Hand-over to the external collector (issue 8): batches, one record per claim, report lines.

A `HandoverRecord` is the claim's stay with the collector: created by a hand-over batch from
a caseworker's approval (a closed `handover_check` work item, consumed once), updated by the
collector's report, ended by a recall. At most one record per claim is not recalled.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow

COLLECTOR_STATUSES = (
    "handed_over",
    "in_progress",
    "paid",
    "partly_paid",
    "uncollectable",
    "returned",
    "recalled",
)


class HandoverBatch(Base):
    """One run of the hand-over batch and the CSV file it wrote (under Config.data_dir)."""

    __tablename__ = "handover_batch"
    __table_args__ = (
        CheckConstraint("claim_count >= 0", name="claim_count_not_negative"),
        CheckConstraint("recall_count >= 0", name="recall_count_not_negative"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_on: Mapped[date]
    #: the file's name inside <data_dir>/handover/ (no path: never from user input)
    file_name: Mapped[str] = mapped_column(String(120), unique=True)
    claim_count: Mapped[int]
    recall_count: Mapped[int] = mapped_column(default=0)
    #: sum of the balances handed over, minor units
    total: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: None when the CLI ran it
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HandoverRecord(Base):
    """A claim's stay with the external collector, as the collector reports it."""

    __tablename__ = "handover_record"
    __table_args__ = (
        CheckConstraint(f"status IN {COLLECTOR_STATUSES!r}", name="status"),
        CheckConstraint("reported_paid >= 0", name="reported_paid_not_negative"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        # One stay per claim at a time: handing over twice is refused by the database too.
        Index(
            "uq_handover_record_active_claim",
            "claim_id",
            unique=True,
            postgresql_where=text("recalled_at IS NULL"),
            sqlite_where=text("recalled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("handover_batch.id"), index=True)
    #: the caseworker's approval (closed handover_check work item); each approval is used once
    approval_item_id: Mapped[int] = mapped_column(ForeignKey("work_item.id"), unique=True)
    collector_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="handed_over")
    #: the balance handed over, minor units
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: total the collector reports as collected (they keep it and remit later; not booked here)
    reported_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    status_reported_on: Mapped[date | None]
    handed_over_on: Mapped[date]
    recalled_at: Mapped[datetime | None]
    recalled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    recall_reason: Mapped[str | None] = mapped_column(String(300))
    #: the batch whose file told the collector about the recall (None: not yet sent)
    recall_batch_id: Mapped[int | None] = mapped_column(ForeignKey("handover_batch.id"))


class CollectorReportLine(Base):
    """One imported line of the collector's report, keyed on their transaction id (once)."""

    __tablename__ = "collector_report_line"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("handover_record.id"), index=True)
    transaction_id: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    #: amount the collector reports collected with this line, minor units
    amount: Mapped[int] = mapped_column(BigInteger)
    reported_on: Mapped[date]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
