"""Claims and their append-only ledger."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.models.base import Base
from portal.models.base import utcnow
from portal.models.debtor import Debtor
from portal.models.organisation import ClaimType
from portal.models.organisation import Department

LEDGER_CAUSES = (
    "issued",
    "reminder_fee",
    "interest",
    "payment",
    "remission",
    "write_off",
    "correction",
    "refund",
    "cancellation",
)
COMPONENTS = ("principal", "fee", "interest")


class Claim(Base):
    __tablename__ = "claim"
    __table_args__ = (
        UniqueConstraint("department_id", "external_id", name="uq_claim_department_external_id"),
        # The cached balances are sums of the ledger; they can never go below zero
        # (money beyond the balance is a debtor credit, decisions.md).
        CheckConstraint("principal_due >= 0", name="principal_due_not_negative"),
        CheckConstraint("fee_due >= 0", name="fee_due_not_negative"),
        CheckConstraint("interest_due >= 0", name="interest_due_not_negative"),
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        Index("ix_claim_debtor_due", "debtor_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    claim_type_id: Mapped[int] = mapped_column(ForeignKey("claim_type.id"))
    #: structured payment reference in compact machine form (scheme from the rule pack);
    #: derived from the id, so it is set in the same transaction right after the insert
    reference: Mapped[str | None] = mapped_column(String(35), unique=True)
    #: the department's own id for this claim (idempotent API pushes)
    external_id: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300))
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date]
    due_date: Mapped[date]
    #: the amount first billed, kept for documents; the balance lives in the ledger
    original_amount: Mapped[int] = mapped_column(BigInteger)
    #: cached per-component balances, updated in the same transaction as each ledger entry
    principal_due: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_due: Mapped[int] = mapped_column(BigInteger, default=0)
    interest_due: Mapped[int] = mapped_column(BigInteger, default=0)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    #: set when the claim went to the external collector (DK Gældsstyrelsen, NL/BE bailiff)
    handed_over_on: Mapped[date | None]
    cancelled_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    debtor: Mapped[Debtor] = relationship()
    department: Mapped[Department] = relationship()
    claim_type: Mapped[ClaimType] = relationship()

    @property
    def balance(self) -> int:
        return self.principal_due + self.fee_due + self.interest_due


class LedgerEntry(Base):
    """One change to what is owed, with its cause. Never updated, never deleted."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint(f"cause IN {LEDGER_CAUSES!r}", name="cause"),
        CheckConstraint(f"component IN {COMPONENTS!r}", name="component"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_ledger_entry_claim", "claim_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    component: Mapped[str] = mapped_column(String(10))
    #: signed minor units: + raises what is owed, - lowers it
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    effective_date: Mapped[date]
    cause: Mapped[str] = mapped_column(String(20))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: what else caused it, e.g. "batch:2026-11-23", "decision:plan:12", "api:daycare"
    source: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
