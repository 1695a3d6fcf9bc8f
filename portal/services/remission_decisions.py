"""The caseworker's decisions on a remission application: grant in full, grant partially,
reject, or ask for more evidence. Each sends a letter (stored now, delivered after the commit).

A caseworker's form carries the state it was made for (`expected_state`): a stale form raises
StaleDecision and changes nothing. A granted amount goes through remission_closing.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy.orm import Session

from portal.domain.remission import EligibleClaim
from portal.domain.remission import allocate_grant
from portal.domain.remission_states import RemissionState
from portal.domain.remission_states import transition
from portal.domain.rules.base import RulePack
from portal.models import RemissionApplication
from portal.services import audit
from portal.services import signals
from portal.services.audit import Actor
from portal.services.remission import SUBJECT_TYPE
from portal.services.remission import StaleDecision
from portal.services.remission import eligible_claims
from portal.services.remission import policy_for
from portal.services.remission_closing import apply_grants
from portal.services.remission_closing import close_work
from portal.services.remission_closing import record_decision
from portal.services.remission_closing import release_holds
from portal.services.remission_letters import send_decision_letter

#: Why a caseworker rejects (codes; the words are on the pages and in the letter).
REJECTION_REASONS: tuple[str, ...] = (
    "capacity_to_pay",
    "assets",
    "incomplete_data",
    "improvement_expected",
    "other",
)


MAX_NOTE = 2000


class InvalidDecision(ValueError):
    """A decision that cannot be taken as given. `field` and `reason` are stable codes."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"invalid decision {field}: {reason}")
        self.field = field
        self.reason = reason


def _check_expected(application: RemissionApplication, expected_state: str) -> None:
    if application.state != expected_state:
        raise StaleDecision(f"application {application.id} is {application.state}")
    if application.remission_state not in (
        RemissionState.PENDING_REVIEW,
        RemissionState.MORE_INFO_REQUESTED,
    ):
        raise StaleDecision(f"application {application.id} is {application.state}")


def _clean_note(note: str | None, *, required: bool) -> str | None:
    text = (note or "").strip()
    if required and not text:
        raise InvalidDecision("note", "required")
    if len(text) > MAX_NOTE:
        raise InvalidDecision("note", "too_long")
    return text or None


def grant_in_full(
    session: Session,
    rules: RulePack,
    application: RemissionApplication,
    *,
    staff_user_id: int,
    expected_state: str,
    note: str | None,
    now: datetime,
    as_of: date,
) -> RemissionApplication:
    """Waive everything still open on the applied-for bills."""
    _check_expected(application, expected_state)
    clean = _clean_note(note, required=False)
    grants = {c.claim_id: c.amount for c in eligible_claims(session, application)}
    apply_grants(
        session,
        application,
        grants,
        state=RemissionState.GRANTED,
        reason="granted",
        note=clean,
        staff_user_id=staff_user_id,
        now=now,
        as_of=as_of,
    )
    send_decision_letter(session, application, as_of=as_of)
    return application


def grant_partially(
    session: Session,
    rules: RulePack,
    application: RemissionApplication,
    *,
    staff_user_id: int,
    expected_state: str,
    note: str | None,
    per_claim: Mapping[int, int] | None = None,
    total: int | None = None,
    now: datetime,
    as_of: date,
) -> RemissionApplication:
    """Waive part: an amount per bill, or a total spread over the bills pro rata.
    The note (the reason in words) is required."""
    _check_expected(application, expected_state)
    clean = _clean_note(note, required=True)
    claims = eligible_claims(session, application)
    open_total = sum(c.amount for c in claims)
    grants = _partial_grants(claims, per_claim=per_claim, total=total)
    granted = sum(grants.values())
    if granted <= 0:
        raise InvalidDecision("amount", "zero")
    if granted >= open_total:
        raise InvalidDecision("amount", "full")
    apply_grants(
        session,
        application,
        grants,
        state=RemissionState.PARTIALLY_GRANTED,
        reason="partially_granted",
        note=clean,
        staff_user_id=staff_user_id,
        now=now,
        as_of=as_of,
    )
    send_decision_letter(session, application, as_of=as_of)
    return application


def _partial_grants(
    claims: list[EligibleClaim], *, per_claim: Mapping[int, int] | None, total: int | None
) -> dict[int, int]:
    if (per_claim is None) == (total is None):
        raise InvalidDecision("amount", "one_of_total_or_per_claim")
    if total is not None:
        if total < 0:
            raise InvalidDecision("amount", "negative")
        if total > sum(c.amount for c in claims):
            raise InvalidDecision("amount", "above_open")
        return {g.claim_id: g.granted for g in allocate_grant(total, claims)}
    assert per_claim is not None  # noqa: S101 - narrowed by the check above
    known = {c.claim_id: c.amount for c in claims}
    if not set(per_claim) <= set(known):
        raise InvalidDecision("amount", "unknown_claim")
    for claim_id, amount in per_claim.items():
        if amount < 0:
            raise InvalidDecision("amount", "negative")
        if amount > known[claim_id]:
            raise InvalidDecision("amount", "above_open")
    return dict(per_claim)


def reject_application(
    session: Session,
    rules: RulePack,
    application: RemissionApplication,
    *,
    staff_user_id: int,
    expected_state: str,
    reason: str,
    note: str | None,
    now: datetime,
    as_of: date,
) -> RemissionApplication:
    """Reject with a reason code and the caseworker's words (both required). A rejection for
    missing data raises a dropout signal, so someone calls (the seed guidance)."""
    _check_expected(application, expected_state)
    if reason not in REJECTION_REASONS:
        raise InvalidDecision("reason", "unknown")
    clean = _clean_note(note, required=True)
    application.state = transition(application.remission_state, RemissionState.REJECTED).value
    application.granted_total = 0
    for item in application.claims:
        item.granted_amount = 0
    record_decision(application, reason=reason, note=clean, staff_user_id=staff_user_id, now=now)
    release_holds(session, application, on=as_of)
    close_work(session, application, outcome="rejected", staff_user_id=staff_user_id, now=now)
    if reason == "incomplete_data":
        signals.raise_signal(session, application.debtor_id, signals.REMISSION_DROPOUT, now=now)
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "remission.decided",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=application.debtor_id,
        state="rejected",
        reason=reason,
    )
    session.flush()
    send_decision_letter(session, application, as_of=as_of)
    return application


def request_more_information(
    session: Session,
    rules: RulePack,
    application: RemissionApplication,
    *,
    staff_user_id: int,
    expected_state: str,
    note: str | None,
    deadline: date | None,
    now: datetime,
    as_of: date,
) -> RemissionApplication:
    """Ask the citizen for more evidence by `deadline` (default: the policy's days). The
    collection stays paused; the work item stays open for when the answer comes."""
    _check_expected(application, expected_state)
    if application.remission_state is not RemissionState.PENDING_REVIEW:
        raise StaleDecision(f"application {application.id} is {application.state}")
    clean = _clean_note(note, required=True)
    deadline = deadline or as_of + timedelta(days=policy_for(rules).info_request_days)
    if deadline <= as_of:
        raise InvalidDecision("deadline", "past")
    if deadline > as_of + timedelta(days=92):
        raise InvalidDecision("deadline", "too_far")
    application.state = transition(
        application.remission_state, RemissionState.MORE_INFO_REQUESTED
    ).value
    application.info_request_note = clean
    application.info_deadline = deadline
    application.updated_at = now
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "remission.info_requested",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=application.debtor_id,
        deadline=deadline.isoformat(),
    )
    session.flush()
    send_decision_letter(session, application, as_of=as_of)
    return application
