"""The citizen sends a complete application, or stops it.

On submission collection pauses on the bills (a CollectionHold each); a full grant within
policy is decided at once, anything else goes to the caseworker queue — never a rejection.
A withdrawal releases the holds and waives nothing.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy.orm import Session

from portal.domain.remission import automatic_grant_allowed
from portal.domain.remission_states import IllegalRemissionTransition
from portal.domain.remission_states import RemissionState
from portal.domain.remission_states import transition
from portal.domain.rules.base import RulePack
from portal.models import RemissionApplication
from portal.services import audit
from portal.services import holds
from portal.services import remission_prefill
from portal.services import work
from portal.services.audit import Actor
from portal.services.remission import SUBJECT_TYPE
from portal.services.remission import StaleDecision
from portal.services.remission import policy_for
from portal.services.remission_closing import apply_grants
from portal.services.remission_closing import close_work
from portal.services.remission_closing import release_holds
from portal.services.remission_letters import send_decision_letter
from portal.services.remission_wizard import preview


def submit_application(
    session: Session,
    rules: RulePack,
    application: RemissionApplication,
    *,
    actor: Actor,
    now: datetime,
    as_of: date,
) -> RemissionApplication:
    """Submit a complete draft: collection pauses on its bills, then a full grant within
    policy is decided at once and anything else goes to a caseworker. Never a rejection.

    Submitting again returns the application unchanged (a double click)."""
    if application.remission_state is not RemissionState.DRAFT:
        return application
    calculation = preview(session, rules, application, on=as_of)
    for item in application.claims:
        for grant in calculation.grants:
            if grant.claim_id == item.claim_id:
                item.amount_at_application = grant.amount
    application.state = transition(RemissionState.DRAFT, RemissionState.SUBMITTED).value
    known = remission_prefill.known_status(session, application, as_of)
    application.calculation = {**calculation.to_snapshot(), **remission_prefill.data_used(known)}
    application.submitted_at = now
    application.updated_at = now
    for item in application.claims:
        holds.place_hold(
            session,
            item.claim_id,
            holds.REMISSION,
            starts_on=as_of,
            source=f"remission:{application.id}",
        )
    audit.record(
        session,
        actor,
        "remission.submitted",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=application.debtor_id,
        outcome=calculation.outcome.value,
    )
    if automatic_grant_allowed(calculation, policy_for(rules)):
        grants = {g.claim_id: g.granted for g in calculation.grants}
        apply_grants(
            session,
            application,
            grants,
            state=RemissionState.GRANTED,
            reason="auto_granted",
            note=None,
            staff_user_id=None,
            now=now,
            as_of=as_of,
        )
        send_decision_letter(session, application, as_of=as_of)
        return application
    application.state = transition(RemissionState.SUBMITTED, RemissionState.PENDING_REVIEW).value
    work.open_work_item(
        session,
        work.REMISSION_DECISION,
        SUBJECT_TYPE,
        application.id,
        debtor_id=application.debtor_id,
        now=now,
    )
    session.flush()
    return application


def withdraw_application(
    session: Session,
    application: RemissionApplication,
    *,
    actor: Actor,
    now: datetime,
    as_of: date,
) -> RemissionApplication:
    """The citizen stops their own application: collection goes on, nothing is waived.
    Withdrawing again returns it unchanged; a decided application raises StaleDecision."""
    if application.remission_state is RemissionState.WITHDRAWN:
        return application
    try:
        state = transition(application.remission_state, RemissionState.WITHDRAWN)
    except IllegalRemissionTransition:
        raise StaleDecision(f"application {application.id} is {application.state}") from None
    application.state = state.value
    application.closed_at = now
    application.updated_at = now
    release_holds(session, application, on=as_of)
    close_work(session, application, outcome="withdrawn", staff_user_id=None, now=now)
    audit.record(
        session,
        actor,
        "remission.withdrawn",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=application.debtor_id,
    )
    session.flush()
    return application
