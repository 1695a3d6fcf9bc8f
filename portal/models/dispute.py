"""A citizen says "this bill is wrong": collection on the claim pauses until a clerk decides."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.models.base import Base
from portal.models.base import utcnow
from portal.models.claim import Claim

DISPUTE_REASONS = ("amount_wrong", "already_paid", "not_mine", "not_received", "other")
DISPUTE_STATES = ("open", "upheld", "corrected", "cancelled")


class Dispute(Base):
    __tablename__ = "dispute"
    __table_args__ = (
        CheckConstraint(f"reason IN {DISPUTE_REASONS!r}", name="reason"),
        CheckConstraint(f"state IN {DISPUTE_STATES!r}", name="state"),
        CheckConstraint(
            "correction_amount IS NULL OR correction_amount > 0", name="correction_positive"
        ),
        # One open dispute per claim: a second "this bill is wrong" waits for the first answer.
        Index(
            "uq_dispute_open_claim",
            "claim_id",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
        Index("ix_dispute_state_opened", "state", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: a code from DISPUTE_REASONS; the citizen's own words are in `text`
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(2000), default="")
    state: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: desk mode: the staff member who filed it for the citizen (None: the citizen themself)
    opened_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: why, in words the citizen reads on the claim page
    decision_note: Mapped[str | None] = mapped_column(String(2000))
    #: "corrected": how much the bill went down (minor units)
    correction_amount: Mapped[int | None] = mapped_column(BigInteger)
    #: evidence file: random storage name under the data directory, never under static/
    evidence_storage_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    evidence_name: Mapped[str | None] = mapped_column(String(120))
    evidence_content_type: Mapped[str | None] = mapped_column(String(40))
    evidence_size: Mapped[int | None] = mapped_column(BigInteger)

    claim: Mapped[Claim] = relationship()
