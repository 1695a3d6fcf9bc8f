"""Refunds of a debtor's credit (four eyes) and the pain.001 exports that execute them.

A staff member requests a refund of (part of) the credit; a different person approves it.
A bank refund is executed by a pain.001.001.03 credit-transfer file: marking the file as sent
books it (a DebtorAccountEntry debit). A refund to an online payment goes through the
provider's refund API. A refund made at the provider itself (Stripe dashboard) arrives as a
`charge.refunded` event and is recorded here too (origin "provider"), once per refund id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow

REFUND_STATES = ("requested", "approved", "exported", "executed", "rejected")
#: states in which the refund's amount is set aside from the credit
RESERVING_STATES = ("requested", "approved", "exported")
REFUND_METHODS = ("bank", "provider")
REFUND_ORIGINS = ("staff", "provider")


class RefundExport(Base):
    """One pain.001.001.03 file of approved bank refunds."""

    __tablename__ = "refund_export"
    __table_args__ = (CheckConstraint("total > 0", name="total_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: GrpHdr/MsgId (unique per file, as the bank requires)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int]
    xml: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: set when a person confirms the file went to the bank: that books the refunds
    sent_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class Refund(Base):
    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"state IN {REFUND_STATES!r}", name="state"),
        CheckConstraint(f"method IN {REFUND_METHODS!r}", name="method"),
        CheckConstraint(f"origin IN {REFUND_ORIGINS!r}", name="origin"),
        CheckConstraint("method <> 'bank' OR iban IS NOT NULL", name="bank_has_iban"),
        CheckConstraint(
            "method <> 'provider' OR payment_id IS NOT NULL", name="provider_has_payment"
        ),
        Index("ix_refund_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(10))
    origin: Mapped[str] = mapped_column(String(10), default="staff")
    state: Mapped[str] = mapped_column(String(10), default="requested")
    #: bank refunds: the payee's account (compact IBAN, validated) and name
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    account_holder: Mapped[str | None] = mapped_column(String(70))
    #: provider refunds: the online payment the money goes back to
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    #: the provider's refund id (Stripe "re_..."): a refund is booked once per id
    provider_refund_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    note: Mapped[str | None] = mapped_column(Text)
    #: one per form rendering: a double click makes one refund
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    export_id: Mapped[int | None] = mapped_column(ForeignKey("refund_export.id"))
    #: pain.001 CdtTrfTxInf/PmtId/EndToEndId
    end_to_end_id: Mapped[str | None] = mapped_column(String(35))
    executed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
