"""Installment plans (issue 4): quote, propose, activate, answer a counter-proposal, pay.

The pure rules live in portal/domain/{plans,schedule,affordability}.py; this module keeps the
database in step with them. Services never commit (the caller does) and audit every change.

Choices worth knowing:
- `Plan.total` is the total the schedule sums to: the claims' balance at proposal, set again
  to the balance at activation (a payment may arrive while a caseworker decides). The
  balance at proposal stays in `PlanClaim.balance_at_proposal`.
- The first installment is due `FIRST_INSTALLMENT_DAYS` after the plan becomes active.
- Holds (reason "plan", source "plan:<id>") cover the plan's claims from the proposal on, for
  as long as the plan is in HOLDING_STATES. They end when the plan ends (completed,
  cancelled, rejected, superseded). On default they end `policy.counter_proposal_days` after
  the default day: that is the citizen's window to propose a re-plan before reminders and
  other collection steps resume (an open `plan_defaulted` signal also keeps the claims from
  the external collector until a person has called).
- Re-plan: after a default the citizen may propose once themselves (`is_replan`), exempt
  from the broken-plan rule; the defaulted plan is superseded when the re-plan becomes active.
- Amendment: a claim issued while a plan is active is offered (`amendment_candidates`);
  proposing then makes a new plan for the old plan's remaining balance plus the new claims,
  which supersedes the old plan when it becomes active.
- Payments: a payment with `plan_id` is allocated over the plan's claims in the rule pack's
  component order and applied to the installments oldest first (`apply_plan_payment`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.config import SUPPORTED_LOCALES
from portal.domain.affordability import CapacityResult
from portal.domain.allocation import AllocationLine
from portal.domain.allocation import ClaimDebt
from portal.domain.allocation import allocate
from portal.domain.plans import HOLDING_STATES
from portal.domain.plans import REVIEW_STATES
from portal.domain.plans import ApprovalDecision
from portal.domain.plans import IllegalPlanTransition
from portal.domain.plans import PlanEvent
from portal.domain.plans import PlanProposal
from portal.domain.plans import PlanState
from portal.domain.plans import accept_counter_proposal
from portal.domain.plans import allowed_events
from portal.domain.plans import auto_approval
from portal.domain.plans import broken_plan_cutoff
from portal.domain.plans import installment_missed
from portal.domain.plans import transition
from portal.domain.rules.base import RulePack
from portal.domain.schedule import Schedule
from portal.domain.schedule import build_schedule
from portal.domain.schedule import lowest_monthly
from portal.domain.schedule import suggest_monthly
from portal.models import Claim
from portal.models import CollectionHold
from portal.models import Debtor
from portal.models import HouseholdStatementRecord
from portal.models import Payment
from portal.models import Plan
from portal.models import PlanClaim
from portal.models import PlanInstallment
from portal.models import WorkItem
from portal.models.base import utcnow
from portal.services import audit
from portal.services import holds
from portal.services import work
from portal.services.audit import Actor
from portal.services.ledger import append_entry
from portal.services.letters import create_letter
from portal.services.plan_scope import exclusion_reason
from portal.services.plan_scope import plan_scope
from portal.services.plan_statements import statement_capacity

#: Days from activation to the first installment's due date.
FIRST_INSTALLMENT_DAYS = 14
#: A caseworker may agree to more than the self-service limits (never more than this).
CASEWORKER_MAX_MONTHS = 60
PLAN_BASES = ("statement", "own_offer")


# -- errors -----------------------------------------------------------------------------------


class PlanServiceError(Exception):
    """Base class of the plan service errors."""


class PlanNotFound(PlanServiceError):
    """No such plan, or not this debtor's."""


class NothingToPlan(PlanServiceError):
    """There is no open claim that can go into a plan."""


class PlanAlreadyOpen(PlanServiceError):
    """The debtor already has a plan that is pending or active (and nothing to amend)."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"debtor {plan.debtor_id} already has plan {plan.id} ({plan.state})")
        self.plan = plan


class StaleDecision(PlanServiceError):
    """The plan changed since the form was shown (another caseworker, or the citizen)."""

    def __init__(self, plan: Plan, expected: str) -> None:
        super().__init__(f"plan {plan.id} is {plan.state}, the form showed {expected}")
        self.plan = plan
        self.expected = expected


class InvalidPlanInput(PlanServiceError):
    """A basis, statement or amount the service cannot use (the form should have caught it)."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


# -- value objects ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanQuote:
    total: int
    currency: str
    monthly: int
    months: int
    schedule: Schedule
    #: the lowest monthly amount the policy accepts for this total
    minimum_monthly: int
    max_months: int
    #: what the page proposes first (from the capacity when there is one)
    suggested_monthly: int
    capacity: CapacityResult | None
    decision: ApprovalDecision
    #: the claims the plan would cover (extra, not in the contract's minimum)
    claims: tuple[Claim, ...] = ()
    #: an amendment or re-plan replaces this plan when it becomes active
    replaces_plan_id: int | None = None
    is_replan: bool = False


@dataclass(frozen=True)
class PlanProgress:
    paid: int
    remaining: int
    installments: list[PlanInstallment]
    next_due: PlanInstallment | None
    missed: int


@dataclass(frozen=True)
class PlanPaymentResult:
    #: what was booked on which claim and component
    lines: tuple[AllocationLine, ...]
    #: the sum of `lines` (≤ the amount given)
    booked: int
    #: of the amount, what the plan's claims could not take (the caller books it elsewhere)
    unallocated: int
    #: what was added to the installments' paid amounts (≤ booked)
    applied_to_installments: int


@dataclass(frozen=True)
class _Basis:
    claims: list[Claim]
    replaces: Plan | None
    is_replan: bool


# -- reading ----------------------------------------------------------------------------------


def _holding_values() -> list[str]:
    return [state.value for state in HOLDING_STATES]


def _today_here(rules: RulePack) -> date:
    return utcnow().astimezone(ZoneInfo(rules.timezone)).date()


def get_plan(session: Session, plan_id: int, *, debtor_id: int | None = None) -> Plan:
    """The plan; with `debtor_id`, only if it is that debtor's. Raises PlanNotFound."""
    plan = session.get(Plan, plan_id)
    if plan is None or (debtor_id is not None and plan.debtor_id != debtor_id):
        raise PlanNotFound(f"no plan {plan_id}")
    return plan


def holding_plans(session: Session, debtor_id: int) -> list[Plan]:
    """The debtor's plans that are pending or active, newest first."""
    return list(
        session.scalars(
            select(Plan)
            .where(Plan.debtor_id == debtor_id, Plan.state.in_(_holding_values()))
            .order_by(Plan.id.desc())
        )
    )


def _latest_defaulted(session: Session, debtor_id: int) -> Plan | None:
    return session.scalar(
        select(Plan)
        .where(Plan.debtor_id == debtor_id, Plan.state == PlanState.DEFAULTED.value)
        .order_by(Plan.id.desc())
        .limit(1)
    )


def open_plan(session: Session, debtor_id: int) -> Plan | None:
    """The debtor's plan in HOLDING_STATES (the newest: a pending amendment before the active
    plan it would replace), else a defaulted one that may be re-planned, else None.

    One query (the overview asks on every view): holding and defaulted plans, newest first."""
    holding = _holding_values()
    candidates = list(
        session.scalars(
            select(Plan)
            .where(
                Plan.debtor_id == debtor_id,
                Plan.state.in_([*holding, PlanState.DEFAULTED.value]),
            )
            .order_by(Plan.id.desc())
        )
    )
    return next(
        (plan for plan in candidates if plan.state in holding),
        next((plan for plan in candidates if plan.state == PlanState.DEFAULTED.value), None),
    )


def latest_plan(session: Session, debtor_id: int) -> Plan | None:
    """The debtor's newest plan in any state (e.g. a rejected one, to show its reason)."""
    return session.scalar(
        select(Plan).where(Plan.debtor_id == debtor_id).order_by(Plan.id.desc()).limit(1)
    )


def active_plan(session: Session, debtor_id: int) -> Plan | None:
    """The debtor's ACTIVE plan, if any (installments are paid to this one)."""
    return session.scalar(
        select(Plan)
        .where(Plan.debtor_id == debtor_id, Plan.state == PlanState.ACTIVE.value)
        .order_by(Plan.id.desc())
        .limit(1)
    )


def plan_claims(session: Session, plan: Plan) -> list[Claim]:
    """The plan's claims, oldest due date first."""
    return list(
        session.scalars(
            select(Claim)
            .join(PlanClaim, PlanClaim.claim_id == Claim.id)
            .where(PlanClaim.plan_id == plan.id)
            .order_by(Claim.due_date, Claim.id)
        )
    )


def total_at_proposal(plan: Plan) -> int:
    return sum(row.balance_at_proposal for row in plan.claims)


def total_now(session: Session, plan: Plan) -> int:
    """What the plan's claims add up to today (payments, fees and remission included)."""
    return sum(claim.balance for claim in plan_claims(session, plan))


def can_replan(session: Session, debtor_id: int) -> bool:
    """A defaulted plan waits, and the citizen has not used their one re-plan (proposed by
    themselves or at the desk with staff beside them; a re-plan that was withdrawn or
    rejected does not count)."""
    if _latest_defaulted(session, debtor_id) is None:
        return False
    used = session.scalar(
        select(func.count(Plan.id)).where(
            Plan.debtor_id == debtor_id,
            Plan.is_replan.is_(True),
            Plan.state.not_in([PlanState.CANCELLED.value, PlanState.REJECTED.value]),
        )
    )
    return not used


def recent_broken_plans(session: Session, rules: RulePack, debtor_id: int, *, as_of: date) -> int:
    """Plans of the debtor defaulted on or after the policy's look-back cutoff."""
    cutoff = broken_plan_cutoff(as_of, rules.plan_policy)
    return int(
        session.scalar(
            select(func.count(Plan.id)).where(
                Plan.debtor_id == debtor_id,
                Plan.defaulted_on.is_not(None),
                Plan.defaulted_on >= cutoff,
            )
        )
        or 0
    )


def amendment_candidates(
    session: Session, plan: Plan, *, as_of: date | None = None, rules: RulePack | None = None
) -> list[Claim]:
    """Open claims of the plan's debtor that could be added to this active plan: typically a
    bill issued while the plan runs. Empty when the plan is not active."""
    if plan.state != PlanState.ACTIVE.value:
        return []
    rules = rules or current_app.config["RULE_PACK"]
    on = as_of or _today_here(rules)
    return plan_scope(session, rules, plan.debtor_id, as_of=on).candidates


def plan_progress(session: Session, plan: Plan, *, as_of: date) -> PlanProgress:
    """Paid and remaining of the schedule; the next installment to pay; how many are missed."""
    installments = list(plan.installments)
    policy = current_app.config["RULE_PACK"].plan_policy
    paid = sum(i.paid_amount for i in installments)
    scheduled = sum(i.amount for i in installments)
    next_due = next((i for i in installments if i.state != "paid"), None)
    missed = sum(
        1
        for i in installments
        if i.state == "missed"
        or installment_missed(i.due_date, paid=i.state == "paid", today=as_of, policy=policy)
    )
    return PlanProgress(
        paid=paid,
        remaining=scheduled - paid,
        installments=installments,
        next_due=next_due,
        missed=missed,
    )


# -- quoting ----------------------------------------------------------------------------------


def _plan_basis(session: Session, rules: RulePack, debtor_id: int, *, as_of: date) -> _Basis:
    """Which claims a new proposal covers, and which plan it would replace."""
    current = holding_plans(session, debtor_id)
    scope = plan_scope(session, rules, debtor_id, as_of=as_of)
    if current:
        newest = current[0]
        if newest.state != PlanState.ACTIVE.value or not scope.candidates:
            raise PlanAlreadyOpen(newest)
        # An amendment: what is left of the active plan plus the new claims.
        kept = [
            c
            for c in plan_claims(session, newest)
            if c.balance > 0 and _may_stay(session, rules, c, as_of=as_of)
        ]
        claims = sorted([*kept, *scope.candidates], key=lambda c: (c.due_date, c.id))
        return _Basis(claims, newest, is_replan=False)
    if not scope.candidates:
        raise NothingToPlan(f"debtor {debtor_id} has no claim that can go into a plan")
    defaulted = _latest_defaulted(session, debtor_id)
    if defaulted is not None:
        return _Basis(scope.candidates, defaulted, is_replan=can_replan(session, debtor_id))
    return _Basis(scope.candidates, None, is_replan=False)


def _may_stay(session: Session, rules: RulePack, claim: Claim, *, as_of: date) -> bool:
    """May a claim of the active plan go on into its amendment? (Not when it went to a
    read-only collector or another hold paused it since.)"""
    reasons = holds.active_hold_reasons(session, [claim.id], as_of).get(claim.id, frozenset())
    found = exclusion_reason(rules, claim, as_of=as_of, in_plan=False, hold_reasons=reasons)
    return found is None or found == "ongoing"


def _first_due(on: date) -> date:
    return on + timedelta(days=FIRST_INSTALLMENT_DAYS)


def quote_plan(
    session: Session,
    rules: RulePack,
    debtor_id: int,
    *,
    monthly: int | None,
    capacity: CapacityResult | None,
    as_of: date,
) -> PlanQuote:
    """The schedule and the auto-approval decision for paying the debtor's plannable claims
    `monthly` a month (None: the suggested amount). Raises NothingToPlan, PlanAlreadyOpen,
    and the domain's InstallmentBelowMinimum / ScheduleTooLong / InstallmentNotPositive."""
    basis = _plan_basis(session, rules, debtor_id, as_of=as_of)
    return _quote(session, rules, debtor_id, basis, monthly=monthly, capacity=capacity, as_of=as_of)


def _quote(
    session: Session,
    rules: RulePack,
    debtor_id: int,
    basis: _Basis,
    *,
    monthly: int | None,
    capacity: CapacityResult | None,
    as_of: date,
) -> PlanQuote:
    policy = rules.plan_policy
    total = sum(c.balance for c in basis.claims)
    if total <= 0:
        raise NothingToPlan(f"debtor {debtor_id}: nothing left to pay")
    minimum = lowest_monthly(
        total, max_months=policy.max_months, minimum_installment=policy.minimum_installment
    )
    suggested = minimum
    if capacity is not None:
        suggested = (
            suggest_monthly(
                total,
                capacity.capacity,
                max_months=policy.max_months,
                minimum_installment=policy.minimum_installment,
            )
            or minimum
        )
    chosen = suggested if monthly is None else monthly
    schedule = build_schedule(
        total,
        chosen,
        _first_due(as_of),
        max_months=policy.max_months,
        # a debt below the minimum installment is paid in one go
        minimum_installment=min(policy.minimum_installment, total),
    )
    decision = auto_approval(
        PlanProposal(total=total, monthly=chosen),
        policy,
        capacity=capacity.capacity if capacity is not None else None,
        recent_broken_plans=recent_broken_plans(session, rules, debtor_id, as_of=as_of),
        is_first_self_service_replan=basis.is_replan,
    )
    return PlanQuote(
        total=total,
        currency=rules.currency,
        monthly=chosen,
        months=schedule.months,
        schedule=schedule,
        minimum_monthly=minimum,
        max_months=policy.max_months,
        suggested_monthly=suggested,
        capacity=capacity,
        decision=decision,
        claims=tuple(basis.claims),
        replaces_plan_id=basis.replaces.id if basis.replaces is not None else None,
        is_replan=basis.is_replan,
    )


def counter_quote(session: Session, rules: RulePack, plan: Plan, *, as_of: date) -> PlanQuote:
    """The terms the citizen gets by accepting the counter-proposal on `as_of`: today's total
    of the plan's claims at the caseworker's monthly amount, first installment
    FIRST_INSTALLMENT_DAYS after `as_of` (exactly what `accept_counter` then makes)."""
    total = total_now(session, plan)
    if total <= 0:
        raise NothingToPlan(f"plan {plan.id}: nothing left to pay")
    monthly = plan.counter_monthly or plan.monthly_amount
    schedule = build_schedule(
        total,
        monthly,
        _first_due(as_of),
        max_months=CASEWORKER_MAX_MONTHS,
        minimum_installment=1,
    )
    policy = rules.plan_policy
    return PlanQuote(
        total=total,
        currency=plan.currency,
        monthly=monthly,
        months=schedule.months,
        schedule=schedule,
        minimum_monthly=lowest_monthly(
            total, max_months=policy.max_months, minimum_installment=policy.minimum_installment
        ),
        max_months=policy.max_months,
        suggested_monthly=monthly,
        capacity=None,
        decision=ApprovalDecision(approved=True, reasons=()),
        claims=tuple(plan_claims(session, plan)),
        replaces_plan_id=plan.replaces_plan_id,
        is_replan=plan.is_replan,
    )


# -- proposing --------------------------------------------------------------------------------


def _by_submission_key(session: Session, key: str) -> Plan | None:
    return session.scalar(select(Plan).where(Plan.submission_key == key))


def _statement_for(
    session: Session, rules: RulePack, debtor_id: int, statement_id: int | None, *, as_of: date
) -> tuple[HouseholdStatementRecord, CapacityResult]:
    if statement_id is None:
        raise InvalidPlanInput("statement_id", "required")
    record = session.get(HouseholdStatementRecord, statement_id)
    if record is None or record.debtor_id != debtor_id:
        raise InvalidPlanInput("statement_id", "not_found")
    return record, statement_capacity(rules, record, as_of=as_of)


def propose_plan(
    session: Session,
    rules: RulePack,
    debtor_id: int,
    *,
    monthly: int,
    basis: str,
    statement_id: int | None,
    submission_key: str,
    as_of: date,
    actor: Actor,
) -> Plan:
    """The citizen (or desk staff beside them) confirms a proposal.

    Within the auto-approval policy the plan is ACTIVE at once (installments, holds,
    confirmation letter); otherwise PENDING_REVIEW with a `plan_decision` work item (holds
    too). The same `submission_key` again returns the first plan, unchanged.
    """
    if not submission_key or len(submission_key) > 64:
        raise InvalidPlanInput("submission_key", "length")
    if basis not in PLAN_BASES:
        raise InvalidPlanInput("basis", "unknown")
    # One proposal at a time per debtor: a second click (or a second tab) waits here for the
    # first to commit, then finds its plan by the key (or gets PlanAlreadyOpen).
    if session.get(Debtor, debtor_id, with_for_update=True) is None:
        raise PlanNotFound(f"no debtor {debtor_id}")
    existing = _by_submission_key(session, submission_key)
    if existing is not None:
        if existing.debtor_id != debtor_id:
            raise PlanNotFound("submission key of another debtor")
        return existing
    capacity: CapacityResult | None = None
    if basis == "statement":
        _record, capacity = _statement_for(session, rules, debtor_id, statement_id, as_of=as_of)
    else:
        statement_id = None
    plan_basis = _plan_basis(session, rules, debtor_id, as_of=as_of)
    quote = _quote(
        session, rules, debtor_id, plan_basis, monthly=monthly, capacity=capacity, as_of=as_of
    )
    plan = Plan(
        debtor_id=debtor_id,
        state=PlanState.PROPOSED.value,
        currency=rules.currency,
        total=quote.total,
        monthly_amount=quote.monthly,
        months=quote.months,
        first_due_date=quote.schedule.first_due,
        basis=basis,
        statement_id=statement_id,
        capacity=capacity.capacity if capacity is not None else None,
        proposed_on=as_of,
        submission_key=submission_key,
        replaces_plan_id=quote.replaces_plan_id,
        is_replan=quote.is_replan,
        proposed_by_staff_id=actor.staff_user_id if actor.kind == "staff" else None,
    )
    plan.claims = [PlanClaim(claim_id=c.id, balance_at_proposal=c.balance) for c in quote.claims]
    try:
        with session.begin_nested():
            session.add(plan)
            session.flush()
    except IntegrityError:
        # A double click raced us to the same submission key: that plan is the answer.
        existing = _by_submission_key(session, submission_key)
        if existing is None:
            raise
        return existing
    audit.record(
        session,
        actor,
        "plan.proposed",
        object_type="plan",
        object_id=plan.id,
        debtor_id=debtor_id,
        total=plan.total,
        monthly=plan.monthly_amount,
        months=plan.months,
        basis=basis,
        replaces_plan_id=plan.replaces_plan_id,
        is_replan=plan.is_replan,
        reasons=[str(r) for r in quote.decision.reasons],
    )
    place_plan_holds(session, plan, on=as_of)
    if quote.decision.approved:
        _set_state(session, plan, PlanEvent.AUTO_APPROVE, actor=actor, reason="auto_approved")
        plan.decision_reason = "auto_approved"
        plan.decided_at = utcnow()
        start_plan(session, rules, plan, on=as_of, actor=actor, within_policy=True)
    else:
        _set_state(session, plan, PlanEvent.SUBMIT, actor=actor)
        work.open_work_item(session, work.PLAN_DECISION, "plan", plan.id, debtor_id=debtor_id)
    return plan


def _set_state(
    session: Session, plan: Plan, event: PlanEvent, *, actor: Actor, **details: object
) -> Plan:
    """Apply `event` through the domain state machine and audit the change."""
    before = plan.state
    plan.state = transition(PlanState(plan.state), event).value
    audit.record(
        session,
        actor,
        f"plan.{event.value}",
        object_type="plan",
        object_id=plan.id,
        debtor_id=plan.debtor_id,
        before=before,
        after=plan.state,
        **details,
    )
    session.flush()
    return plan


# -- activation, holds, ending ----------------------------------------------------------------


def _hold_source(plan: Plan) -> str:
    return f"plan:{plan.id}"


def place_plan_holds(session: Session, plan: Plan, *, on: date) -> list[CollectionHold]:
    """A CollectionHold (reason "plan") on each of the plan's claims; idempotent."""
    return [
        holds.place_hold(session, row.claim_id, holds.PLAN, starts_on=on, source=_hold_source(plan))
        for row in plan.claims
    ]


def release_plan_holds(session: Session, plan: Plan, *, on: date) -> int:
    """End the plan's holds from `on` (a future day leaves a window); returns how many."""
    found = list(
        session.scalars(
            select(CollectionHold).where(
                CollectionHold.source == _hold_source(plan),
                CollectionHold.reason == holds.PLAN,
                (CollectionHold.ends_on.is_(None)) | (CollectionHold.ends_on > on),
            )
        )
    )
    for hold in found:
        holds.release_hold(session, hold, on=on)
    return len(found)


def start_plan(
    session: Session,
    rules: RulePack,
    plan: Plan,
    *,
    on: date,
    actor: Actor,
    within_policy: bool,
) -> Plan:
    """Make an ACTIVE plan real: the schedule on today's balance, installments, holds, the
    plan it replaces superseded, a confirmation letter. `within_policy` False (a caseworker's
    decision) relaxes the self-service limits on minimum and length."""
    policy = rules.plan_policy
    total = total_now(session, plan)
    plan.activated_on = on
    if total <= 0:
        # Paid off while it waited: nothing to schedule.
        plan.total = 0
        end_plan(session, plan, PlanEvent.COMPLETE, on=on, actor=actor)
        return plan
    monthly = plan.monthly_amount
    schedule = build_schedule(
        total,
        monthly,
        _first_due(on),
        max_months=policy.max_months if within_policy else CASEWORKER_MAX_MONTHS,
        minimum_installment=min(policy.minimum_installment, total) if within_policy else 1,
    )
    plan.total = total
    plan.months = schedule.months
    plan.first_due_date = schedule.first_due
    plan.installments = [
        PlanInstallment(
            sequence=item.number,
            due_date=item.due_date,
            amount=item.amount,
            paid_amount=0,
            state="due",
        )
        for item in schedule.installments
    ]
    session.flush()
    place_plan_holds(session, plan, on=on)
    if plan.replaces_plan_id is not None:
        replaced = session.get(Plan, plan.replaces_plan_id)
        if replaced is not None and PlanEvent.SUPERSEDE in _events(replaced):
            end_plan(session, replaced, PlanEvent.SUPERSEDE, on=on, actor=actor, by_plan_id=plan.id)
    audit.record(
        session,
        actor,
        "plan.activated",
        object_type="plan",
        object_id=plan.id,
        debtor_id=plan.debtor_id,
        total=plan.total,
        monthly=plan.monthly_amount,
        months=plan.months,
    )
    _confirmation_letter(session, rules, plan, on=on)
    return plan


def _events(plan: Plan) -> frozenset[PlanEvent]:
    return allowed_events(PlanState(plan.state))


def end_plan(
    session: Session,
    plan: Plan,
    event: PlanEvent,
    *,
    on: date,
    actor: Actor,
    release_on: date | None = None,
    **details: object,
) -> Plan:
    """Move the plan to an end state (or DEFAULTED), release its holds, close its work."""
    _set_state(session, plan, event, actor=actor, **details)
    plan.ended_on = on
    if event is PlanEvent.DEFAULT:
        plan.defaulted_on = on
    release_plan_holds(session, plan, on=release_on or on)
    close_plan_work(session, plan, outcome=event.value, staff_user_id=actor.staff_user_id)
    return plan


def close_plan_work(
    session: Session, plan: Plan, *, outcome: str, staff_user_id: int | None
) -> None:
    """Close the plan's open work items (decision, counter-proposal)."""
    items = session.scalars(
        select(WorkItem).where(
            WorkItem.subject_type == "plan",
            WorkItem.subject_id == plan.id,
            WorkItem.state == "open",
        )
    )
    for item in list(items):
        work.close_work_item(
            session, item, outcome=outcome, staff_user_id=staff_user_id, now=utcnow()
        )


def letter_locale(session: Session, rules: RulePack, debtor_id: int) -> str:
    debtor = session.get(Debtor, debtor_id)
    preferred = debtor.preferred_locale if debtor is not None else None
    return preferred if preferred in SUPPORTED_LOCALES else rules.default_locale


def _confirmation_letter(session: Session, rules: RulePack, plan: Plan, *, on: date) -> None:
    create_letter(
        session,
        debtor_id=plan.debtor_id,
        kind="plan_confirmation",
        template="plan_confirmation_letter.html",
        context={
            "plan": plan,
            "installments": list(plan.installments),
            "claims": plan_claims(session, plan),
            "currency": plan.currency,
        },
        locale=letter_locale(session, rules, plan.debtor_id),
        letter_date=on,
    )


def complete_plan(session: Session, plan: Plan, *, on: date, actor: Actor) -> Plan:
    """The plan is paid off: COMPLETED, holds released."""
    return end_plan(session, plan, PlanEvent.COMPLETE, on=on, actor=actor)


def default_plan(session: Session, rules: RulePack, plan: Plan, *, on: date, actor: Actor) -> Plan:
    """Too many missed installments: DEFAULTED. The holds end after the re-plan window."""
    window = on + timedelta(days=rules.plan_policy.counter_proposal_days)
    return end_plan(session, plan, PlanEvent.DEFAULT, on=on, actor=actor, release_on=window)


# -- the citizen's answers --------------------------------------------------------------------


def accept_counter(
    session: Session, rules: RulePack, plan_id: int, *, debtor_id: int, today: date, actor: Actor
) -> Plan:
    """Accept the caseworker's changed amount with one click: ACTIVE at once.

    Raises PlanNotFound, domain CounterProposalExpired or IllegalPlanTransition."""
    plan = get_plan(session, plan_id, debtor_id=debtor_id)
    expires_on = plan.counter_expires_on or today
    plan.state = accept_counter_proposal(
        PlanState(plan.state), expires_on=expires_on, today=today
    ).value
    audit.record(
        session,
        actor,
        "plan.accept_counter",
        object_type="plan",
        object_id=plan.id,
        debtor_id=plan.debtor_id,
        monthly=plan.counter_monthly,
    )
    if plan.counter_monthly is not None:
        plan.monthly_amount = plan.counter_monthly
    close_plan_work(session, plan, outcome="accepted", staff_user_id=actor.staff_user_id)
    start_plan(session, rules, plan, on=today, actor=actor, within_policy=False)
    return plan


def decline_counter(
    session: Session, plan_id: int, *, debtor_id: int, today: date, actor: Actor
) -> Plan:
    """Say no to the counter-proposal: the plan is cancelled (the citizen may propose again)."""
    plan = get_plan(session, plan_id, debtor_id=debtor_id)
    return end_plan(session, plan, PlanEvent.DECLINE_COUNTER, on=today, actor=actor)


def cancel_plan(
    session: Session, plan_id: int, *, debtor_id: int, today: date, actor: Actor
) -> Plan:
    """Withdraw a proposal that is not active yet. An active plan is not cancelled here
    (IllegalPlanTransition): ending one is a caseworker's step."""
    plan = get_plan(session, plan_id, debtor_id=debtor_id)
    if plan.state not in {
        PlanState.PROPOSED.value,
        *(s.value for s in REVIEW_STATES),
        PlanState.COUNTER_PROPOSED.value,
    }:
        raise IllegalPlanTransition(PlanState(plan.state), PlanEvent.CANCEL)
    return end_plan(session, plan, PlanEvent.CANCEL, on=today, actor=actor, withdrawn=True)


# -- paying -----------------------------------------------------------------------------------


def apply_plan_payment(
    session: Session,
    rules: RulePack,
    plan: Plan,
    payment: Payment,
    amount: int,
    *,
    on: date,
) -> PlanPaymentResult:
    """Book `amount` of `payment` over the plan's claims (rule-pack component order, oldest
    claim first) and apply what was booked to the installments, oldest first. What the
    claims cannot take is returned as `unallocated` for the caller to book elsewhere.
    A plan whose claims are all paid is completed."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount must be a positive whole number of minor units")
    if amount > payment.amount:
        raise ValueError("cannot apply more than the payment")
    claims = [c for c in _claims_for_update(session, plan) if c.balance > 0]
    by_id = {c.id: c for c in claims}
    debts = [
        ClaimDebt(
            claim_id=c.id,
            due_date=c.due_date,
            issue_date=c.issue_date,
            fee=c.fee_due,
            interest=c.interest_due,
            principal=c.principal_due,
        )
        for c in claims
    ]
    allocation = allocate(amount, debts, component_order=rules.component_order)
    for line in allocation.lines:
        append_entry(
            session,
            by_id[line.claim_id],
            component=str(line.component),
            amount=-line.amount,
            cause="payment",
            effective_date=on,
            payment_id=payment.id,
            source=f"plan:{plan.id}",
        )
    booked = amount - allocation.unallocated
    applied = _apply_to_installments(plan, booked)
    session.flush()
    audit.record(
        session,
        Actor.system(),
        "plan.payment_applied",
        object_type="plan",
        object_id=plan.id,
        debtor_id=plan.debtor_id,
        payment_id=payment.id,
        booked=booked,
        applied=applied,
        unallocated=allocation.unallocated,
    )
    if plan.state == PlanState.ACTIVE.value and all(c.balance == 0 for c in claims):
        complete_plan(session, plan, on=on, actor=Actor.system())
    return PlanPaymentResult(
        lines=allocation.lines,
        booked=booked,
        unallocated=allocation.unallocated,
        applied_to_installments=applied,
    )


def _claims_for_update(session: Session, plan: Plan) -> list[Claim]:
    return list(
        session.scalars(
            select(Claim)
            .join(PlanClaim, PlanClaim.claim_id == Claim.id)
            .where(PlanClaim.plan_id == plan.id)
            .order_by(Claim.due_date, Claim.id)
            .with_for_update(key_share=True)  # as booking locks them: no upgrade
        )
    )


def _apply_to_installments(plan: Plan, amount: int) -> int:
    """Fill the installments oldest first with `amount`; returns what they took."""
    left = amount
    for installment in plan.installments:
        if left == 0:
            break
        take = min(left, installment.amount - installment.paid_amount)
        if take > 0:
            installment.paid_amount += take
            left -= take
        if installment.paid_amount == installment.amount:
            installment.state = "paid"
    return amount - left


def installments_outstanding(installments: Sequence[PlanInstallment]) -> int:
    return sum(i.amount - i.paid_amount for i in installments)


__all__ = [
    "CASEWORKER_MAX_MONTHS",
    "FIRST_INSTALLMENT_DAYS",
    "InvalidPlanInput",
    "NothingToPlan",
    "PlanAlreadyOpen",
    "PlanNotFound",
    "PlanPaymentResult",
    "PlanProgress",
    "PlanQuote",
    "PlanServiceError",
    "StaleDecision",
    "accept_counter",
    "active_plan",
    "amendment_candidates",
    "apply_plan_payment",
    "can_replan",
    "cancel_plan",
    "close_plan_work",
    "complete_plan",
    "counter_quote",
    "decline_counter",
    "default_plan",
    "end_plan",
    "get_plan",
    "holding_plans",
    "latest_plan",
    "open_plan",
    "place_plan_holds",
    "plan_claims",
    "plan_progress",
    "propose_plan",
    "quote_plan",
    "recent_broken_plans",
    "release_plan_holds",
    "start_plan",
    "total_at_proposal",
    "total_now",
]
