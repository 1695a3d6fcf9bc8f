"""Append-only audit log: who did what, for whom, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint("actor_kind IN ('staff', 'citizen', 'system', 'api')", name="actor_kind"),
        Index("ix_audit_event_debtor", "debtor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(10))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    #: the debtor acted for or about (desk mode records both staff member and citizen)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtor.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    #: internal ids and codes only: never names, national ids or IBANs
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
