"""Imported bank statements (camt.053 / camt.054) and their entries, one row per transaction.

Stored before anything is booked, so a crash between storing and booking loses nothing: an
entry waits in state "received" until the import (re-)runs.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
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

BANK_ENTRY_STATES = (
    "received",
    "booked",
    "unmatched",
    "duplicate",
    "payout",
    "reversal",
    "rejected",
    "assigned",
)


class BankStatement(Base):
    __tablename__ = "bank_statement"
    __table_args__ = (
        # Idempotency: the same statement (Stmt/Id + ElctrncSeqNb) is imported once.
        UniqueConstraint(
            "account_iban",
            "message_type",
            "statement_id",
            "sequence_number",
            name="uq_bank_statement_identity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: camt.053 or camt.054
    message_type: Mapped[str] = mapped_column(String(8))
    #: e.g. 001.02
    version: Mapped[str] = mapped_column(String(6))
    #: Stmt/Id or Ntfctn/Id
    statement_id: Mapped[str] = mapped_column(String(35))
    #: ElctrncSeqNb; 0 when the bank sent none (NULLs would not collide in the unique key)
    sequence_number: Mapped[int] = mapped_column(BigInteger, default=0)
    account_iban: Mapped[str] = mapped_column(String(34))
    entries_count: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class BankEntry(Base):
    """One transaction of one statement entry (`Ntry` / `TxDtls`)."""

    __tablename__ = "bank_entry"
    __table_args__ = (
        CheckConstraint(f"state IN {BANK_ENTRY_STATES!r}", name="state"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # Idempotency across camt.054 and camt.053: account + AcctSvcrRef + transaction index
        # (or a fallback hash). A repeat is stored with entry_key NULL and state "duplicate".
        UniqueConstraint("entry_key", name="uq_bank_entry_entry_key"),
        Index("ix_bank_entry_state", "state", "id"),
        Index("ix_bank_entry_acct_svcr_ref", "account_iban", "acct_svcr_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id"), index=True)
    entry_key: Mapped[str | None] = mapped_column(String(120))
    account_iban: Mapped[str] = mapped_column(String(34))
    #: position of the Ntry in the statement and of the TxDtls in the entry
    entry_index: Mapped[int]
    tx_index: Mapped[int]
    acct_svcr_ref: Mapped[str | None] = mapped_column(String(35))
    end_to_end_id: Mapped[str | None] = mapped_column(String(35))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    credit: Mapped[bool] = mapped_column(Boolean)
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    booking_date: Mapped[date | None]
    value_date: Mapped[date | None]
    #: the transaction's Ustrd lines (or the entry's AddtlNtryInf when it has no details)
    remittance: Mapped[str] = mapped_column(Text, default="")
    #: the entry's AddtlNtryInf, shared by every transaction of a batch
    additional_info: Mapped[str] = mapped_column(Text, default="")
    structured_ref: Mapped[str | None] = mapped_column(String(35))
    #: the payer's name and IBAN are personal data: shown to staff, never logged
    debtor_name: Mapped[str | None] = mapped_column(String(140))
    debtor_iban: Mapped[str | None] = mapped_column(String(34))
    #: whether the entry was a batch without transaction details (always manual work)
    without_details: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), default="received")
    #: ISO 20022 return reason of a returned debit (RtrInf/Rsn/Cd, e.g. AM04, MD06)
    return_reason: Mapped[str | None] = mapped_column(String(4))
    #: why it is unmatched, rejected or a duplicate (a code, e.g. "ambiguous")
    reason: Mapped[str | None] = mapped_column(String(40))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("bank_entry.id"))
    reversal_of_id: Mapped[int | None] = mapped_column(ForeignKey("bank_entry.id"))
    processed_at: Mapped[datetime | None]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
