"""The nightly remission steps (registered in portal/batch/steps.py).

- `run_remission_checks`: dropouts — a draft untouched for the policy's days, or an evidence
  request past its deadline, becomes "abandoned" and raises a remission_dropout signal.
- `deliver_remission_letters`: decision letters stored but not delivered (a failed delivery
  after a decision, or a crash between commit and delivery) are delivered.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.documents.delivery import get_delivery_adapter
from portal.domain.remission_states import RemissionState
from portal.domain.remission_states import transition
from portal.domain.rules.base import RulePack
from portal.models import RemissionApplication
from portal.models.base import utcnow
from portal.services import audit
from portal.services import signals
from portal.services.audit import Actor
from portal.services.remission import SUBJECT_TYPE
from portal.services.remission import policy_for
from portal.services.remission_closing import close_work
from portal.services.remission_closing import release_holds
from portal.services.remission_letters import deliver_letters
from portal.services.remission_letters import undelivered


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def run_remission_checks(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Dropouts: a draft untouched for the policy's days, or an evidence request past its
    deadline, becomes "abandoned" and raises a remission_dropout signal (someone calls).
    Idempotent: only open applications are looked at, and each changes state once."""
    policy = policy_for(rules)
    now = _start_of(as_of)
    cutoff = _start_of(as_of - timedelta(days=policy.draft_abandon_days))
    drafts = list(
        session.scalars(
            select(RemissionApplication).where(
                RemissionApplication.state == RemissionState.DRAFT.value,
                RemissionApplication.updated_at < cutoff,
            )
        )
    )
    overdue = list(
        session.scalars(
            select(RemissionApplication).where(
                RemissionApplication.state == RemissionState.MORE_INFO_REQUESTED.value,
                RemissionApplication.info_deadline < as_of,
            )
        )
    )
    for application in drafts + overdue:
        _abandon(session, application, now=now, as_of=as_of)
    return {"drafts_abandoned": len(drafts), "info_requests_expired": len(overdue)}


def _abandon(
    session: Session, application: RemissionApplication, *, now: datetime, as_of: date
) -> None:
    application.state = transition(application.remission_state, RemissionState.ABANDONED).value
    application.closed_at = now
    release_holds(session, application, on=as_of)
    close_work(session, application, outcome="abandoned", staff_user_id=None, now=now)
    signals.raise_signal(session, application.debtor_id, signals.REMISSION_DROPOUT, now=now)
    audit.record(
        session,
        Actor.system(),
        "remission.abandoned",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=application.debtor_id,
    )
    session.flush()


def deliver_remission_letters(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Deliver every stored remission letter not delivered yet: a decision page delivers its
    letter right after the commit, and this catches what failed there (or never ran). A step
    of its own after the runner's commit, so a letter is never sent unstored. Idempotent: a
    delivered letter is not picked again; rows another run is delivering are skipped."""
    config: Config = current_app.config["SALDO"]
    letters = session.scalars(undelivered().with_for_update(skip_locked=True)).all()
    return deliver_letters(session, letters, get_delivery_adapter(config), now=utcnow())
