"""Installment plans, their life: state changes, activation, holds, ending, the citizen's
answers to a counter-proposal (split out of services/plans.py, which re-exports it)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import SUPPORTED_LOCALES
from portal.domain.plans import REVIEW_STATES
from portal.domain.plans import IllegalPlanTransition
from portal.domain.plans import PlanEvent
from portal.domain.plans import PlanState
from portal.domain.plans import accept_counter_proposal
from portal.domain.plans import allowed_events
from portal.domain.plans import transition
from portal.domain.rules.base import RulePack
from portal.domain.schedule import build_schedule
from portal.models import CollectionHold
from portal.models import Debtor
from portal.models import Plan
from portal.models import PlanInstallment
from portal.models import WorkItem
from portal.models.base import utcnow
from portal.services import audit
from portal.services import holds
from portal.services import work
from portal.services.audit import Actor
from portal.services.letters import create_letter
from portal.services.plan_quotes import _first_due
from portal.services.plan_reads import CASEWORKER_MAX_MONTHS
from portal.services.plan_reads import get_plan
from portal.services.plan_reads import plan_claims
from portal.services.plan_reads import total_now


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
