"""What every ending of a remission application does: append the waived amounts to the
ledger (cause "remission"; nothing is deleted), record the decision, release the holds placed
on submission, and close the caseworker's work item. Used by the automatic grant on
submission, the caseworker's decisions, withdrawal and the dropout check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.remission_states import RemissionState
from portal.domain.remission_states import transition
from portal.models import Claim
from portal.models import CollectionHold
from portal.models import RemissionApplication
from portal.models import WorkItem
from portal.services import audit
from portal.services import holds
from portal.services import ledger
from portal.services import work
from portal.services.audit import Actor
from portal.services.remission import SUBJECT_TYPE

#: the components a remission lowers, in order
_COMPONENTS = ("principal", "interest", "fee")


def release_holds(session: Session, application: RemissionApplication, *, on: date) -> None:
    """End the collection holds placed on the application's bills at submission."""
    found = session.scalars(
        select(CollectionHold).where(
            CollectionHold.source == f"remission:{application.id}",
            CollectionHold.ends_on.is_(None),
        )
    )
    for hold in found:
        holds.release_hold(session, hold, on=on)


def close_work(
    session: Session,
    application: RemissionApplication,
    *,
    outcome: str,
    staff_user_id: int | None,
    now: datetime,
) -> None:
    """Close the caseworker's open work item for the application, if there is one."""
    item = session.scalar(
        select(WorkItem).where(
            WorkItem.kind == work.REMISSION_DECISION,
            WorkItem.subject_type == SUBJECT_TYPE,
            WorkItem.subject_id == application.id,
            WorkItem.state == "open",
        )
    )
    if item is not None:
        work.close_work_item(session, item, outcome=outcome, staff_user_id=staff_user_id, now=now)


def lower_claim(
    session: Session,
    claim: Claim,
    amount: int,
    *,
    application_id: int,
    staff_user_id: int | None,
    as_of: date,
) -> int:
    """Append remission entries for up to `amount` (never below zero); returns what was waived."""
    left = min(amount, claim.balance)
    waived = 0
    for component in _COMPONENTS:
        due = getattr(claim, f"{component}_due")
        part = min(due, left - waived)
        if part > 0:
            ledger.append_entry(
                session,
                claim,
                component=component,
                amount=-part,
                cause="remission",
                effective_date=as_of,
                staff_user_id=staff_user_id,
                source=f"remission:{application_id}",
            )
            waived += part
    return waived


def apply_grants(
    session: Session,
    application: RemissionApplication,
    grants: Mapping[int, int],
    *,
    state: RemissionState,
    reason: str,
    note: str | None,
    staff_user_id: int | None,
    now: datetime,
    as_of: date,
) -> RemissionApplication:
    """Record the decision, append the ledger entries, release the holds, close the work."""
    application.state = transition(application.remission_state, state).value
    total = 0
    for item in application.claims:
        wanted = grants.get(item.claim_id, 0)
        claim = session.get(Claim, item.claim_id)
        waived = 0
        if claim is not None and wanted > 0:
            waived = lower_claim(
                session,
                claim,
                wanted,
                application_id=application.id,
                staff_user_id=staff_user_id,
                as_of=as_of,
            )
        item.granted_amount = min(waived, item.amount_at_application)
        total += item.granted_amount
    application.granted_total = total
    record_decision(application, reason=reason, note=note, staff_user_id=staff_user_id, now=now)
    release_holds(session, application, on=as_of)
    close_work(session, application, outcome=state.value, staff_user_id=staff_user_id, now=now)
    actor = Actor.staff(staff_user_id) if staff_user_id is not None else Actor.system()
    audit.record(
        session,
        actor,
        "remission.decided",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=application.debtor_id,
        state=state.value,
        reason=reason,
        granted_total=total,
    )
    session.flush()
    return application


def record_decision(
    application: RemissionApplication,
    *,
    reason: str,
    note: str | None,
    staff_user_id: int | None,
    now: datetime,
) -> None:
    """Who decided, when, with which reason code and words (None = decided automatically)."""
    application.decision_reason = reason
    application.decision_note = note
    application.decided_by_id = staff_user_id
    application.decided_at = now
    application.closed_at = now
    application.updated_at = now
