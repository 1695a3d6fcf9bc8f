"""Installment plans (issue 4): the household statement, the plan, its claims and installments.

The state machine lives in portal/domain/plans.py (PlanState); the table only checks that a
stored state is one of its values. Money is integer minor units of `currency`.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

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

from portal.domain.plans import PlanState
from portal.models.base import Base
from portal.models.base import utcnow

PLAN_STATES = tuple(state.value for state in PlanState)
PLAN_BASES = ("statement", "own_offer")
STATEMENT_STATES = ("draft", "submitted")
INSTALLMENT_STATES = ("due", "paid", "missed")
#: The statement's money fields (minor units per month); nullable while a draft.
STATEMENT_AMOUNT_FIELDS = (
    "net_income",
    "housing_cost",
    "health_insurance",
    "childcare",
    "other_debt_payments",
    "other_fixed_costs",
)


class HouseholdStatementRecord(Base):
    """A citizen's income-and-expenses statement (domain HouseholdStatement), draft or submitted.

    `children_ages` is stored as comma-separated whole years ("3,7"); "" means no children.
    """

    __tablename__ = "household_statement"
    __table_args__ = (
        CheckConstraint(f"state IN {STATEMENT_STATES!r}", name="state"),
        CheckConstraint("adults IS NULL OR adults >= 1", name="adults_positive"),
        *(
            CheckConstraint(f"{name} IS NULL OR {name} >= 0", name=f"{name}_not_negative")
            for name in STATEMENT_AMOUNT_FIELDS
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    adults: Mapped[int | None]
    children_ages: Mapped[str | None] = mapped_column(String(100))
    net_income: Mapped[int | None] = mapped_column(BigInteger)
    housing_cost: Mapped[int | None] = mapped_column(BigInteger)
    health_insurance: Mapped[int | None] = mapped_column(BigInteger)
    childcare: Mapped[int | None] = mapped_column(BigInteger)
    other_debt_payments: Mapped[int | None] = mapped_column(BigInteger)
    other_fixed_costs: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: desk mode: the staff member who typed it in with the citizen beside them
    entered_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class Plan(Base):
    """One plan for (by default) all of a debtor's open claims, with one monthly amount."""

    __tablename__ = "plan"
    __table_args__ = (
        CheckConstraint(f"state IN {PLAN_STATES!r}", name="state"),
        CheckConstraint(f"basis IN {PLAN_BASES!r}", name="basis"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint("monthly_amount > 0", name="monthly_amount_positive"),
        CheckConstraint("months >= 1", name="months_positive"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "counter_monthly IS NULL OR counter_monthly > 0", name="counter_monthly_positive"
        ),
        Index("ix_plan_debtor_state", "debtor_id", "state"),
        Index("ix_plan_state_proposed", "state", "proposed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    state: Mapped[str] = mapped_column(String(30), default=PlanState.PROPOSED.value)
    currency: Mapped[str] = mapped_column(String(3))
    #: the sum of the claims' balances when the plan was proposed (or re-scheduled)
    total: Mapped[int] = mapped_column(BigInteger)
    monthly_amount: Mapped[int] = mapped_column(BigInteger)
    months: Mapped[int]
    first_due_date: Mapped[date]
    basis: Mapped[str] = mapped_column(String(10))
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("household_statement.id"))
    #: the computed payment capacity (minor units per month), when a statement was given
    capacity: Mapped[int | None] = mapped_column(BigInteger)
    proposed_on: Mapped[date]
    #: one per form rendering: a second click on "confirm" returns the first plan
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: the plan this one replaces (an amendment of an active plan, or a re-plan after default)
    replaces_plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"))
    is_replan: Mapped[bool] = mapped_column(default=False)
    first_approver_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None]
    #: code (REJECTION_REASONS, "auto_approved", "approved", "counter_proposed", ...)
    decision_reason: Mapped[str | None] = mapped_column(String(40))
    #: the caseworker's words to the citizen
    decision_note: Mapped[str | None] = mapped_column(Text)
    counter_monthly: Mapped[int | None] = mapped_column(BigInteger)
    counter_expires_on: Mapped[date | None]
    proposed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: the day the plan became active (installments made, holds placed)
    activated_on: Mapped[date | None]
    #: the day it was defaulted (kept when a re-plan later supersedes it: "broken plans")
    defaulted_on: Mapped[date | None]
    #: the day the plan reached its current end state (completed, defaulted, superseded, ...)
    ended_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    claims: Mapped[list[PlanClaim]] = relationship(
        back_populates="plan", order_by="PlanClaim.claim_id", cascade="all, delete-orphan"
    )
    installments: Mapped[list[PlanInstallment]] = relationship(
        back_populates="plan", order_by="PlanInstallment.sequence", cascade="all, delete-orphan"
    )

    @property
    def plan_state(self) -> PlanState:
        return PlanState(self.state)


class PlanClaim(Base):
    __tablename__ = "plan_claim"
    __table_args__ = (
        UniqueConstraint("plan_id", "claim_id", name="uq_plan_claim_plan_claim"),
        CheckConstraint("balance_at_proposal >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    balance_at_proposal: Mapped[int] = mapped_column(BigInteger)

    plan: Mapped[Plan] = relationship(back_populates="claims")


class PlanInstallment(Base):
    __tablename__ = "plan_installment"
    __table_args__ = (
        UniqueConstraint("plan_id", "sequence", name="uq_plan_installment_plan_sequence"),
        CheckConstraint(f"state IN {INSTALLMENT_STATES!r}", name="state"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("paid_amount >= 0", name="paid_amount_not_negative"),
        CheckConstraint("paid_amount <= amount", name="paid_not_above_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    sequence: Mapped[int]
    due_date: Mapped[date]
    amount: Mapped[int] = mapped_column(BigInteger)
    #: cached: what has been applied to this installment (oldest first)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(10), default="due")
    #: the day the friendly reminder for this missed installment was made (idempotency)
    reminded_on: Mapped[date | None]

    plan: Mapped[Plan] = relationship(back_populates="installments")

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid_amount
