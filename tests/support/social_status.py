"""Helpers for the social status tests (issue 8, proactive offers): a right and a flag."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Debtor
from portal.models import Department
from portal.models.social_status import SocialStatus
from portal.services.audit import Actor
from portal.services.social_status import grant_right
from tests.support.factories import ensure_catalogue
from tests.support.primitives import make_staff

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def today() -> date:
    """Today where the installation is: what the API and the overview compare with."""
    return datetime.now(ZoneInfo(current_app.config["RULE_PACK"].timezone)).date()


def department(session: Session, code: str = "social") -> Department:
    ensure_catalogue(session)
    found = session.scalar(select(Department).where(Department.code == code))
    assert found is not None, code
    return found


def grant(
    session: Session, code: str = "social", legal_basis: str = "Participatiewet art. 64"
) -> Department:
    dept = department(session, code)
    grant_right(session, dept, legal_basis=legal_basis, actor=Actor.system(), now=NOW)
    session.flush()
    return dept


def flag(
    session: Session,
    debtor: Debtor,
    *,
    dept: Department | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    reference: str | None = None,
    ended: bool = False,
) -> SocialStatus:
    """A flag stored directly (the service is tested on its own)."""
    dept = dept or department(session)
    start = valid_from or today() - timedelta(days=10)
    status = SocialStatus(
        debtor_id=debtor.id,
        kind="social_assistance",
        legal_basis="Participatiewet art. 64",
        department_id=dept.id,
        reference=reference or f"SS-{debtor.id}-{start.isoformat()}",
        valid_from=start,
        valid_until=valid_until or today() + timedelta(days=180),
        recorded_at=NOW,
        recorded_via="upload",
        recorded_by_staff_id=make_staff(session, "admin").id,
        recorded_by_token_id=None,
        ended_at=NOW if ended else None,
    )
    session.add(status)
    session.flush()
    return status
