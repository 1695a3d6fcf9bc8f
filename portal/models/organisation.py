"""Departments (creditors inside the municipality) and the claim types they bill."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.domain.rules.base import localised_name
from portal.models.base import Base


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: display names per locale, e.g. {"da": "...", "nl": "...", "en": "..."}
    names: Mapped[dict[str, Any]] = mapped_column(JSON)

    def name(self, locale: str) -> str:
        return str(localised_name(self.names or {}, locale) or self.code)


class ClaimType(Base):
    __tablename__ = "claim_type"
    __table_args__ = (
        CheckConstraint("legal_basis IN ('tax', 'public_law', 'private_law')", name="legal_basis"),
        CheckConstraint("minimum_amount >= 0", name="minimum_amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    #: selects the fee regime (decisions.md "Money and rules")
    legal_basis: Mapped[str] = mapped_column(String(20))
    names: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: DK udpantningsret: the municipality may collect by execution itself
    has_execution_right: Mapped[bool] = mapped_column(default=False)
    #: DK fortrinsberettiget: property-bound, collected by the municipality itself
    preferential: Mapped[bool] = mapped_column(default=False)
    bears_interest: Mapped[bool] = mapped_column(default=False)
    #: NL kwijtschelding possible (chosen per municipality by verordening)
    remission_eligible: Mapped[bool] = mapped_column(default=False)
    #: a recurring charge such as the monthly daycare fee
    ongoing: Mapped[bool] = mapped_column(default=False)
    minimum_amount: Mapped[int] = mapped_column(BigInteger, default=0)

    department: Mapped[Department] = relationship()

    def name(self, locale: str) -> str:
        return str(localised_name(self.names or {}, locale) or self.code)
