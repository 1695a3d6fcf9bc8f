"""Remission applications (kwijtschelding), the claims applied for, and the evidence files.

The calculation lives in portal/domain/remission.py, the state machine in
portal/domain/remission_states.py; the table only checks that a stored state is one of its
values. Money is integer minor units of `currency`.
The household, income, cost and asset fields stay empty while the wizard is a draft.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.domain.remission import ASSET_FIELDS
from portal.domain.remission import MONTHLY_FIELDS
from portal.domain.remission_states import RemissionState
from portal.models.base import Base
from portal.models.base import utcnow

REMISSION_STATES = tuple(state.value for state in RemissionState)
#: Money fields of an application (monthly amounts, then assets), nullable while a draft.
APPLICATION_AMOUNT_FIELDS = MONTHLY_FIELDS + ASSET_FIELDS


class RemissionApplication(Base):
    __tablename__ = "remission_application"
    __table_args__ = (
        CheckConstraint(f"state IN {REMISSION_STATES!r}", name="state"),
        CheckConstraint("adults IS NULL OR (adults >= 1 AND adults <= 2)", name="adults_range"),
        CheckConstraint("granted_total IS NULL OR granted_total >= 0", name="granted_not_negative"),
        *(
            CheckConstraint(f"{name} IS NULL OR {name} >= 0", name=f"{name}_not_negative")
            for name in APPLICATION_AMOUNT_FIELDS
        ),
        Index("ix_remission_application_debtor_state", "debtor_id", "state"),
        Index("ix_remission_application_state_submitted", "state", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    state: Mapped[str] = mapped_column(String(30), default=RemissionState.DRAFT.value)
    currency: Mapped[str] = mapped_column(String(3))
    #: one per "start" form: a double click returns the first application
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: the last wizard step saved (resume starts after it)
    step: Mapped[str | None] = mapped_column(String(20))
    adults: Mapped[int | None]
    #: comma-separated whole years ("3,7"); "" means no children
    children_ages: Mapped[str | None] = mapped_column(String(100))
    net_income: Mapped[int | None] = mapped_column(BigInteger)
    rent: Mapped[int | None] = mapped_column(BigInteger)
    housing_allowance: Mapped[int | None] = mapped_column(BigInteger)
    health_premium: Mapped[int | None] = mapped_column(BigInteger)
    health_allowance: Mapped[int | None] = mapped_column(BigInteger)
    other_costs: Mapped[int | None] = mapped_column(BigInteger)
    bank_balance: Mapped[int | None] = mapped_column(BigInteger)
    car_value: Mapped[int | None] = mapped_column(BigInteger)
    car_needed: Mapped[bool | None]
    other_assets: Mapped[int | None] = mapped_column(BigInteger)
    #: when the citizen agreed to the check of their data (explicit consent)
    consent_at: Mapped[datetime | None]
    #: domain RemissionCalculation.to_snapshot() at submission: every step and the data used
    calculation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None]
    #: what was waived in total (minor units), once decided
    granted_total: Mapped[int | None] = mapped_column(BigInteger)
    #: None with a decided state = decided automatically (a full grant within policy)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None]
    #: a code: "auto_granted", "granted", "partially_granted", or a rejection reason
    decision_reason: Mapped[str | None] = mapped_column(String(40))
    #: the caseworker's words to the citizen
    decision_note: Mapped[str | None] = mapped_column(Text)
    info_request_note: Mapped[str | None] = mapped_column(Text)
    info_deadline: Mapped[date | None]
    #: desk mode: the staff member who typed it in with the citizen beside them
    entered_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the last time the citizen (or desk) saved something: drafts untouched too long drop out
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: issue 8: the social-status flag known when the application was started (NL), its
    #: kind, source department and end date; the wizard is prefilled from it
    known_status_id: Mapped[int | None] = mapped_column(ForeignKey("social_status.id"))
    known_social_status: Mapped[str | None] = mapped_column(String(30))
    known_status_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    known_status_until: Mapped[date | None]

    claims: Mapped[list[RemissionClaim]] = relationship(
        back_populates="application",
        order_by="RemissionClaim.claim_id",
        cascade="all, delete-orphan",
    )
    evidence: Mapped[list[RemissionEvidence]] = relationship(
        back_populates="application",
        order_by="RemissionEvidence.id",
        cascade="all, delete-orphan",
    )

    @property
    def remission_state(self) -> RemissionState:
        return RemissionState(self.state)

    @property
    def children(self) -> tuple[int, ...]:
        if not self.children_ages:
            return ()
        return tuple(int(part) for part in self.children_ages.split(","))


class RemissionClaim(Base):
    __tablename__ = "remission_claim"
    __table_args__ = (
        UniqueConstraint("application_id", "claim_id", name="uq_remission_claim_application_claim"),
        CheckConstraint("amount_at_application >= 0", name="amount_not_negative"),
        CheckConstraint(
            "granted_amount IS NULL OR (granted_amount >= 0 "
            "AND granted_amount <= amount_at_application)",
            name="granted_within_amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("remission_application.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    #: the claim's balance when the application was started (updated on submission)
    amount_at_application: Mapped[int] = mapped_column(BigInteger)
    granted_amount: Mapped[int | None] = mapped_column(BigInteger)

    application: Mapped[RemissionApplication] = relationship(back_populates="claims")


class RemissionEvidence(Base):
    """An uploaded file. The bytes live under the data directory, named `storage_name`."""

    __tablename__ = "remission_evidence"
    __table_args__ = (
        CheckConstraint(
            "content_type IN ('application/pdf', 'image/jpeg', 'image/png')", name="content_type"
        ),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("remission_application.id"), index=True)
    #: random, URL-safe; never derived from what the citizen sent
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: the citizen's file name, sanitised, for display only
    original_filename: Mapped[str] = mapped_column(String(120))
    #: detected from the file's first bytes, not from its name or the browser's claim
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    application: Mapped[RemissionApplication] = relationship(back_populates="evidence")
