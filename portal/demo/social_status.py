"""Demo: the persona with a low income has an active social status (issue 8), so a newcomer
logging in as them sees the proactive offer on the overview. The department "social" holds
the right, with an example legal basis (set by the municipality in production)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Debtor
from portal.models import Department
from portal.models.social_status import SocialStatus
from portal.services import audit
from portal.services.audit import Actor
from portal.services.social_status import grant_right

PERSONA = "low_income"
DEPARTMENT = "social"
LEGAL_BASIS = {
    "nl": "Participatiewet art. 64 (example — set by the municipality)",
    "dk": "Lov om aktiv socialpolitik (example — set by the municipality)",
    "be": "OCMW-wet (example — set by the municipality)",
}


def seed_social_status(
    session: Session, rules_code: str, personas: dict[str, Debtor], *, today: date
) -> SocialStatus | None:
    debtor = personas.get(PERSONA)
    department = session.scalar(select(Department).where(Department.code == DEPARTMENT))
    if debtor is None or department is None:
        return None
    actor, now = Actor.system(), datetime.now(UTC)
    legal_basis = LEGAL_BASIS.get(rules_code, "consent")
    grant_right(session, department, legal_basis=legal_basis, actor=actor, now=now)
    status = SocialStatus(
        debtor_id=debtor.id,
        kind="social_assistance",
        legal_basis=legal_basis,
        department_id=department.id,
        reference="DEMO-SOCIAL-1",
        valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=335),
        recorded_at=now,
        recorded_via="cli",
    )
    session.add(status)
    session.flush()
    audit.record(
        session,
        actor,
        "social_status.flagged",
        object_type="social_status",
        object_id=status.id,
        debtor_id=debtor.id,
        department=department.code,
    )
    return status
