"""Bearer tokens for the department claims API (issue 7): one department each, stored hashed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.models.base import Base
from portal.models.base import utcnow
from portal.models.organisation import Department


class ApiToken(Base):
    """A department's API token. Only the SHA-256 of the token is kept; it is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    #: who or what uses it, e.g. "daycare billing system"
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    department: Mapped[Department] = relationship()
