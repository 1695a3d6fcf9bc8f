"""Social status flags from departments (issue 8, "proactive offers from social status").

A department with the right (`SocialStatusRight`, granted by an administrator with its legal
basis) flags that a debtor receives e.g. social assistance until an end date. While a flag is
active Saldo offers the citizen, unasked, a plan without costs (and in NL a remission check).
Nothing is deleted: a flag is ended (`ended_at`), and every write is in the audit log.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow

#: the closed list of status kinds a department may record (one place)
STATUS_KINDS = ("social_assistance", "minimum_income")


class SocialStatusRight(Base):
    """A department's right to flag social status, with the legal basis it relies on."""

    __tablename__ = "social_status_right"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), unique=True)
    #: the recorded legal basis (an article, a covenant) or "consent"
    legal_basis: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    revoked_at: Mapped[datetime | None]


class SocialStatus(Base):
    __tablename__ = "social_status"
    __table_args__ = (
        CheckConstraint("kind IN ('social_assistance', 'minimum_income')", name="kind"),
        CheckConstraint("valid_until >= valid_from", name="valid_until_after_from"),
        CheckConstraint("recorded_via IN ('api', 'upload', 'cli')", name="recorded_via"),
        # idempotency: a department's own reference names one flag
        UniqueConstraint("department_id", "reference", name="uq_social_status_reference"),
        Index("ix_social_status_debtor_until", "debtor_id", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    kind: Mapped[str] = mapped_column(String(30))
    legal_basis: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    #: the department's own id for this flag (idempotency key)
    reference: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: how it came in: the API (token below), the staff upload (staff user below), the CLI
    recorded_via: Mapped[str] = mapped_column(String(10))
    recorded_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    recorded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    ended_at: Mapped[datetime | None]
    #: the citizen closed the banner for this flag ("remembered")
    offer_dismissed_at: Mapped[datetime | None]

    def active_on(self, as_of: date) -> bool:
        return self.ended_at is None and self.valid_from <= as_of <= self.valid_until
