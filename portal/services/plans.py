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

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.affordability import CapacityResult
from portal.domain.plans import PlanEvent
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.models import Debtor
from portal.models import HouseholdStatementRecord
from portal.models import Plan
from portal.models import PlanClaim
from portal.models.base import utcnow
from portal.services import audit
from portal.services import work
from portal.services.audit import Actor
from portal.services.plan_lifecycle import _set_state
from portal.services.plan_lifecycle import accept_counter  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import cancel_plan  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import close_plan_work  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import complete_plan  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import decline_counter  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import default_plan  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import end_plan  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import letter_locale  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import place_plan_holds
from portal.services.plan_lifecycle import release_plan_holds  # noqa: F401 - re-exported
from portal.services.plan_lifecycle import start_plan
from portal.services.plan_payments import apply_plan_payment  # noqa: F401 - re-exported
from portal.services.plan_quotes import _plan_basis
from portal.services.plan_quotes import _quote
from portal.services.plan_quotes import counter_quote  # noqa: F401 - re-exported
from portal.services.plan_quotes import quote_plan  # noqa: F401 - re-exported
from portal.services.plan_reads import CASEWORKER_MAX_MONTHS  # noqa: F401 - re-exported
from portal.services.plan_reads import FIRST_INSTALLMENT_DAYS  # noqa: F401 - re-exported
from portal.services.plan_reads import PLAN_BASES
from portal.services.plan_reads import InvalidPlanInput
from portal.services.plan_reads import NothingToPlan  # noqa: F401 - re-exported
from portal.services.plan_reads import PlanAlreadyOpen
from portal.services.plan_reads import PlanNotFound
from portal.services.plan_reads import PlanPaymentResult  # noqa: F401 - re-exported
from portal.services.plan_reads import PlanProgress  # noqa: F401 - re-exported
from portal.services.plan_reads import PlanQuote  # noqa: F401 - re-exported
from portal.services.plan_reads import PlanServiceError  # noqa: F401 - re-exported
from portal.services.plan_reads import StaleDecision  # noqa: F401 - re-exported
from portal.services.plan_reads import active_plan  # noqa: F401 - re-exported
from portal.services.plan_reads import amendment_candidates  # noqa: F401 - re-exported
from portal.services.plan_reads import can_replan  # noqa: F401 - re-exported
from portal.services.plan_reads import get_plan  # noqa: F401 - re-exported
from portal.services.plan_reads import holding_plans  # noqa: F401 - re-exported
from portal.services.plan_reads import latest_plan  # noqa: F401 - re-exported
from portal.services.plan_reads import open_plan  # noqa: F401 - re-exported
from portal.services.plan_reads import plan_claims  # noqa: F401 - re-exported
from portal.services.plan_reads import plan_progress  # noqa: F401 - re-exported
from portal.services.plan_reads import recent_broken_plans  # noqa: F401 - re-exported
from portal.services.plan_reads import total_at_proposal  # noqa: F401 - re-exported
from portal.services.plan_reads import total_now  # noqa: F401 - re-exported
from portal.services.plan_statements import statement_capacity

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
