"""Staff users with one role each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow

STAFF_ROLES = ("caseworker", "desk", "supervisor", "department_clerk", "admin", "finance")


class StaffUser(Base):
    __tablename__ = "staff_user"
    __table_args__ = (CheckConstraint(f"role IN {STAFF_ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    #: argon2id hash
    password_hash: Mapped[str] = mapped_column(String(200))
    #: base32 TOTP secret for the second factor
    totp_secret: Mapped[str] = mapped_column(String(64))
    #: a department clerk sees only this department
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)
    #: the last TOTP time step used, so a code cannot be replayed
    last_totp_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
