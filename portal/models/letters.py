"""Letters and documents rendered to PDF and delivered through an adapter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import deferred
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow


class Letter(Base):
    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"))
    #: e.g. login_code, receipt, reminder, plan_confirmation, debt_overview, decision
    kind: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(5))
    #: the PDF itself, in the database so every app server can serve it
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    #: console, smtp (Digital Post / Berichtenbox adapters to add); None until delivered
    channel: Mapped[str | None] = mapped_column(String(20))
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
