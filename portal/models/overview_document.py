"""Debt overview documents (schuldenoverzicht) and the share links a citizen gives a counsellor.

A document is a snapshot: the PDF as it was made, its total and a verification code, so a
debt counsellor can check that a printout is genuine and whether the debt changed since.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import deferred
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow


class OverviewDocument(Base):
    __tablename__ = "overview_document"
    __table_args__ = (
        CheckConstraint("requested_by_kind IN ('citizen', 'staff')", name="requested_by_kind"),
        CheckConstraint("claim_count >= 0", name="claim_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: citizen (then requested_by_id is the debtor id) or staff (a staff user id)
    requested_by_kind: Mapped[str] = mapped_column(String(10))
    requested_by_id: Mapped[int]
    locale: Mapped[str] = mapped_column(String(5))
    #: the day the balances are from (the installation's "today" when it was made)
    as_of: Mapped[date]
    #: random, 10 characters from an alphabet without look-alikes; printed on the document
    verification_code: Mapped[str] = mapped_column(String(10), unique=True)
    #: what was owed on `as_of`, in minor units of `currency`
    total: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    claim_count: Mapped[int]
    #: the PDF itself, in the database so every app server can serve it
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareLink(Base):
    """A link that shows one document without login. Only the token's SHA-256 is stored."""

    __tablename__ = "share_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("overview_document.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: when the citizen ticked "I agree that the person with this link can see this overview"
    consent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareLinkView(Base):
    """One opening of a share link. No IP address or browser details: only the time."""

    __tablename__ = "share_link_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_link_id: Mapped[int] = mapped_column(ForeignKey("share_link.id"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
