"""Direct debit (issue 8): SEPA Core mandates and one collection row per installment/claim.

A mandate authorises the municipality to collect from the citizen's account either one
plan's installments (`plan_id`) or every claim of one claim type (`claim_type_id`, e.g.
daycare) as it falls due. A collection is written once per (mandate, installment) or
(mandate, claim): those unique keys make the batch idempotent. A claim-type mandate announces
each claim in a pre-notification letter first (`DirectDebitNotice`, once per claim). Money is
integer minor units of `currency`.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow

MANDATE_STATES = ("active", "revoked", "ended")
#: why a mandate stopped: the citizen revoked it, two debits failed, the plan ended
MANDATE_END_REASONS = ("revoked", "returns", "plan_ended")
COLLECTION_STATES = ("submitted", "booked", "rejected", "returned")
SEQUENCE_TYPES = ("FRST", "RCUR")


class Mandate(Base):
    __tablename__ = "direct_debit_mandate"
    __table_args__ = (
        CheckConstraint(f"state IN {MANDATE_STATES!r}", name="state"),
        CheckConstraint(
            f"end_reason IS NULL OR end_reason IN {MANDATE_END_REASONS!r}", name="end_reason"
        ),
        CheckConstraint("failures >= 0", name="failures_not_negative"),
        # A mandate is for a plan or for a claim type, never both, never neither.
        CheckConstraint("(plan_id IS NULL) <> (claim_type_id IS NULL)", name="one_scope"),
        # One active mandate per plan: a double sign-up cannot slip past the service check.
        Index(
            "uq_direct_debit_mandate_active_plan",
            "plan_id",
            unique=True,
            postgresql_where=text("state = 'active'"),
            sqlite_where=text("state = 'active'"),
        ),
        # ... and one per (debtor, claim type).
        Index(
            "uq_direct_debit_mandate_active_type",
            "debtor_id",
            "claim_type_id",
            unique=True,
            postgresql_where=text("state = 'active' AND claim_type_id IS NOT NULL"),
            sqlite_where=text("state = 'active' AND claim_type_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: the plan whose installments are collected (a plan mandate) ...
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"))
    #: ... or the claim type whose claims are collected as they fall due
    claim_type_id: Mapped[int | None] = mapped_column(ForeignKey("claim_type.id"))
    #: the unique mandate reference (UMR): at most 35 SEPA characters
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    #: the creditor identifier the mandate was signed for (it may change with the config)
    creditor_id: Mapped[str] = mapped_column(String(35))
    #: personal data: shown to the citizen and staff, never logged
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    account_holder: Mapped[str] = mapped_column(String(70))
    currency: Mapped[str] = mapped_column(String(3))
    signed_on: Mapped[date]
    #: which version of the consent text the citizen agreed to
    consent_version: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="active")
    end_reason: Mapped[str | None] = mapped_column(String(12))
    ended_on: Mapped[date | None]
    #: failed debits (rejects and returns) so far; two end the mandate
    failures: Mapped[int] = mapped_column(default=0)
    #: the day the pre-notification letter was made: debits due 14+ days later may go
    prenotified_on: Mapped[date | None]
    prenotification_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    acting_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DirectDebitCollection(Base):
    """One installment or claim in one pain.008 file; booked on its collection (settlement)
    date."""

    __tablename__ = "direct_debit_collection"
    __table_args__ = (
        UniqueConstraint("mandate_id", "installment_id", name="uq_dd_collection_installment"),
        UniqueConstraint("mandate_id", "claim_id", name="uq_dd_collection_claim"),
        CheckConstraint("(installment_id IS NULL) <> (claim_id IS NULL)", name="one_target"),
        CheckConstraint(f"state IN {COLLECTION_STATES!r}", name="state"),
        CheckConstraint(f"sequence_type IN {SEQUENCE_TYPES!r}", name="sequence_type"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_direct_debit_collection_state_date", "state", "collection_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("direct_debit_mandate.id"))
    #: a plan mandate collects an installment ...
    installment_id: Mapped[int | None] = mapped_column(ForeignKey("plan_installment.id"))
    #: ... a claim-type mandate a claim
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: EndToEndId in the pain.008 file; the bank statement and returns carry it back
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    sequence_type: Mapped[str] = mapped_column(String(4))
    #: ReqdColltnDt: the settlement day, when the batch books it
    collection_date: Mapped[date]
    #: the pain.008 file's MsgId (and file name)
    message_id: Mapped[str] = mapped_column(String(35), index=True)
    state: Mapped[str] = mapped_column(String(10), default="submitted")
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    #: ISO 20022 reason code of a reject or return (AM04, MD06, ...), when the bank gave one
    failure_reason: Mapped[str | None] = mapped_column(String(4))
    failed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DirectDebitNotice(Base):
    """A claim announced to the citizen under a claim-type mandate: the pre-notification
    letter lists it with its amount; it may be collected 14+ days later, never more than the
    amount announced."""

    __tablename__ = "direct_debit_notice"
    __table_args__ = (
        UniqueConstraint("mandate_id", "claim_id", name="uq_dd_notice_claim"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("direct_debit_mandate.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    notified_on: Mapped[date]
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


AGREEMENT_STATES = ("active", "cancelled")


class BetalingsserviceAgreement(Base):
    """DKK: the citizen's Betalingsservice agreement as last imported from the agreement status
    file (one row per debtor; every change is in the audit trail)."""

    __tablename__ = "betalingsservice_agreement"
    __table_args__ = (CheckConstraint(f"status IN {AGREEMENT_STATES!r}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    #: the day the agreement started or was cancelled, as the file says
    status_on: Mapped[date]
    #: the name of the imported file
    source: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
