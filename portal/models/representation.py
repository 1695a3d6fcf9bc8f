"""Representatives (issue 9): a guardian, administrator or debt counsellor acting for a debtor.

The representative is known only by the keyed hash of their national id (they log in with
their own eID), its last 4 digits and a name. A mandate always ends: `ends_on` is required,
and staff can end it earlier (`ended_at`), which takes effect at the next request.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import deferred
from sqlalchemy.orm import mapped_column

from portal.models.base import Base
from portal.models.base import utcnow

REPRESENTATION_KINDS = ("bewindvoerder", "guardian", "debt_counsellor", "schuldbemiddelaar")
REPRESENTATION_SCOPES = ("view", "act")
EVIDENCE_KINDS = ("court_decision", "signed_consent")
LETTERS_TO = ("representative", "both", "debtor")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Representation(Base):
    __tablename__ = "representation"
    __table_args__ = (
        CheckConstraint(_in("kind", REPRESENTATION_KINDS), name="kind"),
        CheckConstraint(_in("scope", REPRESENTATION_SCOPES), name="scope"),
        CheckConstraint(_in("evidence_kind", EVIDENCE_KINDS), name="evidence_kind"),
        CheckConstraint(_in("letters_to", LETTERS_TO), name="letters_to"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: keyed hash of the representative's national id (services/identity.hash_national_id)
    representative_id_hash: Mapped[str] = mapped_column(String(64), index=True)
    representative_id_last4: Mapped[str] = mapped_column(String(4))
    representative_name: Mapped[str] = mapped_column(String(200))
    #: postal address for letters addressed to the representative
    representative_address: Mapped[str | None] = mapped_column(String(300))
    representative_email: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(4))
    evidence_kind: Mapped[str] = mapped_column(String(20))
    #: e.g. the court's case number or "consent form of 3 March"
    evidence_reference: Mapped[str] = mapped_column(String(200))
    #: optional scan of the decision or consent (PDF/JPEG/PNG, checked like remission evidence)
    evidence_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    evidence_content_type: Mapped[str | None] = mapped_column(String(40))
    letters_to: Mapped[str] = mapped_column(String(15), default="representative")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    def active_on(self, day: date) -> bool:
        return self.ended_at is None and self.starts_on <= day <= self.ends_on
