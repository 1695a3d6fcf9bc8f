"""Online checkouts (one per "pay" click) and the provider events that settle them."""

from __future__ import annotations

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

from portal.models.base import Base
from portal.models.base import utcnow

CHECKOUT_STATES = ("pending", "paid", "failed", "cancelled", "expired")


class CheckoutAttempt(Base):
    """A payment started online. While `pending` and not past `expires_at`, the claim shows
    "we are checking your payment" so nobody pays twice by mistake."""

    __tablename__ = "checkout_attempt"
    __table_args__ = (
        UniqueConstraint("provider", "provider_session_id", name="uq_checkout_attempt_session"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"state IN {CHECKOUT_STATES!r}", name="state"),
        Index("ix_checkout_attempt_debtor_state", "debtor_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: random, unguessable: used in return and sandbox URLs instead of the id
    public_id: Mapped[str] = mapped_column(String(43), unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    #: the provider's checkout session id (Stripe "cs_..."), set once the session exists
    provider_session_id: Mapped[str | None] = mapped_column(String(120))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    #: set when the checkout was started from a payment link (no login)
    payment_link_id: Mapped[int | None] = mapped_column(ForeignKey("payment_link.id"))
    #: an installment of a plan (issue 4): `claim_id` is then the plan claim whose reference
    #: the payer sees, and the booking goes over the plan's claims
    installment_id: Mapped[int | None] = mapped_column(ForeignKey("plan_installment.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))


class ProviderEvent(Base):
    """A provider event (webhook or sandbox button), stored before it is processed.

    The unique (provider, event_id) detects replays; `processed_at` is empty until the event
    has been acted on, so a crash between receiving and booking can be re-processed.
    """

    __tablename__ = "provider_event"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_provider_event_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(80))
    #: the raw body as received (provider JSON; no personal data beyond what the provider sent)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    #: booked, duplicate, failed, expired, refunded, ignored, unknown_session
    outcome: Mapped[str | None] = mapped_column(String(30))
