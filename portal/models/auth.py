"""One-time login codes (printed on letters) and the database-backed throttle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow


class LoginCode(Base):
    """A random code, stored hashed, for one debtor; opens only the claims of its letter."""

    __tablename__ = "login_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: claim ids this code opens (the letter's claims); the full overview needs eID
    claim_ids: Mapped[list[Any]] = mapped_column(JSON)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThrottleEvent(Base):
    """One attempt counted against a limit. In the database so all app servers share it.

    The key is a hash (an IP address is personal data and must not be stored in clear).
    """

    __tablename__ = "throttle_event"
    __table_args__ = (Index("ix_throttle_event_key_at", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
