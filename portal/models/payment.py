"""Payments (booked exactly once) and payment links."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (
        # Idempotency: the same provider event or bank entry can never be booked twice.
        UniqueConstraint("provider", "provider_reference", name="uq_payment_provider_reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "state IN ('received', 'allocated', 'unmatched', 'refunded', 'reversed')", name="state"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stripe, sandbox, bank, desk, demo-seed
    provider: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str] = mapped_column(String(120))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: card, ideal, bancontact, mobilepay, bank_transfer, desk
    method: Mapped[str] = mapped_column(String(20))
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtor.id"), index=True)
    earmarked_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    #: an installment payment for this plan: allocated over the plan's claims (issue 4)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    received_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(12), default="received")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentLink(Base):
    """A stored random token (hashed) that opens one claim's pay page without login.

    Not a signed-only URL: each link can be revoked on its own and survives key rotation.
    """

    __tablename__ = "payment_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    #: a plan installment, once plans exist (no foreign key until that table lands)
    installment_id: Mapped[int | None]
    #: fixed amount to pay; None means "the balance at the time of paying"
    amount: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
