"""The caseworker's side of plans (issue 4): the queue, the decision page, three decisions.

Each decision names the state the form showed (`expected_state`); a plan that moved on in the
meantime (another caseworker, the citizen withdrew) raises StaleDecision and nothing changes.
The total is recomputed at decision time: a payment that arrived while the plan waited shows
as `difference` and the schedule is built on what is owed now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.affordability import CapacityResult
from portal.domain.affordability import ImplausibleStatement
from portal.domain.plans import REVIEW_STATES
from portal.domain.plans import PlanEvent
from portal.domain.plans import PlanState
from portal.domain.plans import counter_proposal_expires_on
from portal.domain.plans import needs_four_eyes
from portal.domain.plans import record_approval
from portal.domain.rules.base import RulePack
from portal.domain.schedule import Schedule
from portal.domain.schedule import build_schedule
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Debtor
from portal.models import HouseholdStatementRecord
from portal.models import Plan
from portal.models.base import utcnow
from portal.services import audit
from portal.services import work
from portal.services.audit import Actor
from portal.services.plan_statements import IncompleteStatement
from portal.services.plan_statements import statement_capacity
from portal.services.plans import CASEWORKER_MAX_MONTHS
from portal.services.plans import FIRST_INSTALLMENT_DAYS
from portal.services.plans import InvalidPlanInput
from portal.services.plans import PlanNotFound
from portal.services.plans import StaleDecision
from portal.services.plans import close_plan_work
from portal.services.plans import end_plan
from portal.services.plans import plan_claims
from portal.services.plans import start_plan
from portal.services.plans import total_now as compute_total_now

#: Why a plan is rejected: code → plain words for the caseworker's form and the citizen.
REJECTION_REASONS: dict[str, LazyString] = {
    "amount_too_low": _l("The monthly amount is too low for this debt."),
    "too_long": _l("The plan would take longer than we can agree to."),
    "can_pay_more": _l("From the income and costs, a higher monthly amount is possible."),
    "incomplete_statement": _l("The income and costs are incomplete or unclear."),
    "recent_broken_plan": _l("A recent payment plan was not kept."),
    "debt_help_better": _l("Debt help fits this situation better than a plan."),
    "remission_better": _l("Remission fits this situation better than a plan."),
}
#: The longest caseworker note we store (it is shown to the citizen).
MAX_NOTE_LENGTH = 2000
#: How many audit events the decision page shows.
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class QueueRow:
    plan: Plan
    debtor: Debtor
    #: days since the proposal
    age_days: int
    total_now: int


@dataclass(frozen=True)
class DecisionContext:
    plan: Plan
    debtor: Debtor
    statement: HouseholdStatementRecord | None
    capacity: CapacityResult | None
    claims: list[Claim]
    total_at_proposal: int
    total_now: int
    #: total_now − total_at_proposal (negative: a payment arrived while the plan waited)
    difference: int
    #: the schedule the plan would get if approved now (None when nothing is owed any more)
    schedule: Schedule | None
    history: list[AuditEvent]
    needs_second_approval: bool
    first_approver_id: int | None


def review_queue(session: Session, *, as_of: date) -> list[QueueRow]:
    """Plans waiting for a caseworker (pending review or a second approval), oldest first."""
    plans = session.scalars(
        select(Plan)
        .where(Plan.state.in_([s.value for s in REVIEW_STATES]))
        .order_by(Plan.proposed_on, Plan.id)
    )
    rows = []
    for plan in plans:
        debtor = session.get(Debtor, plan.debtor_id)
        assert debtor is not None  # noqa: S101 - foreign key
        rows.append(
            QueueRow(
                plan=plan,
                debtor=debtor,
                age_days=(as_of - plan.proposed_on).days,
                total_now=compute_total_now(session, plan),
            )
        )
    return rows


def _plan(session: Session, plan_id: int, *, lock: bool = False) -> Plan:
    plan = session.get(Plan, plan_id, with_for_update=lock)
    if plan is None:
        raise PlanNotFound(f"no plan {plan_id}")
    return plan


def _check_expected(plan: Plan, expected_state: str) -> None:
    if plan.state != str(expected_state):
        raise StaleDecision(plan, str(expected_state))


def _capacity(
    rules: RulePack, statement: HouseholdStatementRecord | None, *, as_of: date
) -> CapacityResult | None:
    if statement is None:
        return None
    try:
        return statement_capacity(rules, statement, as_of=as_of)
    except (ImplausibleStatement, IncompleteStatement):
        return None


def _schedule(rules: RulePack, total: int, monthly: int, *, as_of: date) -> Schedule:
    """A caseworker's schedule: the self-service minimum and length do not bind."""
    return build_schedule(
        total,
        monthly,
        as_of + timedelta(days=FIRST_INSTALLMENT_DAYS),
        max_months=CASEWORKER_MAX_MONTHS,
        minimum_installment=1,
    )


def decision_context(
    session: Session, rules: RulePack, plan_id: int, *, as_of: date
) -> DecisionContext:
    """Everything the decision page shows, with the total recomputed now."""
    plan = _plan(session, plan_id)
    debtor = session.get(Debtor, plan.debtor_id)
    assert debtor is not None  # noqa: S101 - foreign key
    statement = (
        session.get(HouseholdStatementRecord, plan.statement_id) if plan.statement_id else None
    )
    at_proposal = sum(row.balance_at_proposal for row in plan.claims)
    now = compute_total_now(session, plan)
    monthly = plan.counter_monthly or plan.monthly_amount
    schedule = _schedule(rules, now, monthly, as_of=as_of) if now > 0 else None
    history = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.debtor_id == plan.debtor_id)
            .order_by(AuditEvent.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    return DecisionContext(
        plan=plan,
        debtor=debtor,
        statement=statement,
        capacity=_capacity(rules, statement, as_of=as_of),
        claims=plan_claims(session, plan),
        total_at_proposal=at_proposal,
        total_now=now,
        difference=now - at_proposal,
        schedule=schedule,
        history=history,
        needs_second_approval=(
            plan.state == PlanState.AWAITING_SECOND_APPROVAL.value
            or needs_four_eyes(now, rules.plan_policy)
        ),
        first_approver_id=plan.first_approver_id,
    )


def _record(
    session: Session, plan: Plan, staff_user_id: int, action: str, **details: object
) -> None:
    audit.record(
        session,
        Actor.staff(staff_user_id),
        action,
        object_type="plan",
        object_id=plan.id,
        debtor_id=plan.debtor_id,
        **details,
    )


def _open_counter_item(session: Session, rules: RulePack, plan: Plan, *, as_of: date) -> None:
    """The caseworker's changed amount now waits for the citizen, until the expiry."""
    plan.counter_expires_on = counter_proposal_expires_on(as_of, rules.plan_policy)
    close_plan_work(session, plan, outcome="counter_proposed", staff_user_id=plan.decided_by_id)
    work.open_work_item(session, work.COUNTER_PROPOSAL, "plan", plan.id, debtor_id=plan.debtor_id)


def approve_plan(
    session: Session,
    rules: RulePack,
    plan_id: int,
    *,
    staff_user_id: int,
    expected_state: str,
    as_of: date,
) -> Plan:
    """Approve. Above the four-eyes limit the first approval waits for a second, different
    person (domain SameApproverRefused). A second approval of changed terms sends the
    counter-proposal to the citizen."""
    plan = _plan(session, plan_id, lock=True)
    _check_expected(plan, expected_state)
    total = compute_total_now(session, plan)
    with_changes = (
        plan.state == PlanState.AWAITING_SECOND_APPROVAL.value and plan.counter_monthly is not None
    )
    before = plan.state
    new_state = record_approval(
        PlanState(plan.state),
        total=total,
        policy=rules.plan_policy,
        approver_id=staff_user_id,
        first_approver_id=plan.first_approver_id,
        with_changes=with_changes,
    )
    plan.state = new_state.value
    _record(
        session,
        plan,
        staff_user_id,
        "plan.approve",
        before=before,
        after=plan.state,
        total_now=total,
        total_at_proposal=plan.total,
    )
    if new_state is PlanState.AWAITING_SECOND_APPROVAL:
        plan.first_approver_id = staff_user_id
        session.flush()
        return plan
    plan.decided_by_id = staff_user_id
    plan.decided_at = utcnow()
    if new_state is PlanState.COUNTER_PROPOSED:
        plan.decision_reason = "counter_proposed"
        _open_counter_item(session, rules, plan, as_of=as_of)
        session.flush()
        return plan
    plan.decision_reason = "approved"
    close_plan_work(session, plan, outcome="approved", staff_user_id=staff_user_id)
    start_plan(
        session, rules, plan, on=as_of, actor=Actor.staff(staff_user_id), within_policy=False
    )
    return plan


def counter_propose(
    session: Session,
    rules: RulePack,
    plan_id: int,
    *,
    staff_user_id: int,
    monthly: int,
    note: str,
    expected_state: str,
    as_of: date,
) -> Plan:
    """Approve with a changed monthly amount: the citizen accepts with one click before the
    expiry (policy.counter_proposal_days). Above the four-eyes limit a second person
    confirms first. Raises InvalidPlanInput or the domain's schedule errors."""
    plan = _plan(session, plan_id, lock=True)
    _check_expected(plan, expected_state)
    if isinstance(monthly, bool) or not isinstance(monthly, int) or monthly <= 0:
        raise InvalidPlanInput("monthly", "not_positive")
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidPlanInput("note", "too_long")
    total = compute_total_now(session, plan)
    if total > 0:
        _schedule(rules, total, monthly, as_of=as_of)  # raises ScheduleTooLong
    before = plan.state
    new_state = record_approval(
        PlanState(plan.state),
        total=total,
        policy=rules.plan_policy,
        approver_id=staff_user_id,
        first_approver_id=plan.first_approver_id,
        with_changes=True,
    )
    plan.state = new_state.value
    plan.counter_monthly = monthly
    plan.decision_note = note or None
    _record(
        session,
        plan,
        staff_user_id,
        "plan.counter_propose",
        before=before,
        after=plan.state,
        monthly=monthly,
        total_now=total,
    )
    if new_state is PlanState.AWAITING_SECOND_APPROVAL:
        plan.first_approver_id = staff_user_id
    else:
        plan.decided_by_id = staff_user_id
        plan.decided_at = utcnow()
        plan.decision_reason = "counter_proposed"
        _open_counter_item(session, rules, plan, as_of=as_of)
    session.flush()
    return plan


def reject_plan(
    session: Session,
    rules: RulePack,
    plan_id: int,
    *,
    staff_user_id: int,
    reason_code: str,
    note: str,
    expected_state: str,
    as_of: date,
) -> Plan:
    """Reject with a reason code and a note for the citizen (both required)."""
    plan = _plan(session, plan_id, lock=True)
    _check_expected(plan, expected_state)
    if reason_code not in REJECTION_REASONS:
        raise InvalidPlanInput("reason_code", "unknown")
    note = (note or "").strip()
    if not note:
        raise InvalidPlanInput("note", "required")
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidPlanInput("note", "too_long")
    plan.decided_by_id = staff_user_id
    plan.decided_at = utcnow()
    plan.decision_reason = reason_code
    plan.decision_note = note
    end_plan(
        session,
        plan,
        PlanEvent.REJECT,
        on=as_of,
        actor=Actor.staff(staff_user_id),
        reason_code=reason_code,
    )
    return plan


__all__ = [
    "MAX_NOTE_LENGTH",
    "REJECTION_REASONS",
    "DecisionContext",
    "QueueRow",
    "approve_plan",
    "counter_propose",
    "decision_context",
    "reject_plan",
    "review_queue",
]
