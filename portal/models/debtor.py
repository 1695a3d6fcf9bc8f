"""Debtors (citizens and businesses) and their credit account."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow


class Debtor(Base):
    __tablename__ = "debtor"
    __table_args__ = (CheckConstraint("kind IN ('person', 'business')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="person")
    name: Mapped[str] = mapped_column(String(200))
    #: keyed hash (HMAC-SHA256) of the national id: lookup without storing it in clear
    national_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: encrypted copy (Fernet) for the few audited exports that need it
    national_id_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: the only part of the id a page may show
    national_id_last4: Mapped[str | None] = mapped_column(String(4))
    #: KvK / CVR / KBO number for businesses
    business_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the day the retention batch removed the personal data (services/retention.py)
    anonymised_on: Mapped[date | None]


class DebtorAccountEntry(Base):
    """Money received beyond what is owed: a credit on the debtor, never a negative claim."""

    __tablename__ = "debtor_account_entry"
    __table_args__ = (
        CheckConstraint(
            "cause IN ('overpayment', 'applied_to_claim', 'refund', 'correction')", name="cause"
        ),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: signed minor units: + credit received, - credit used or refunded
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    cause: Mapped[str] = mapped_column(String(30))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoPersona(Base):
    """Demo mode only: which seeded debtor shows which situation on the demo login page."""

    __tablename__ = "demo_persona"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), unique=True)
    #: a key translated on the demo page, e.g. "six_arrears"
    situation: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
