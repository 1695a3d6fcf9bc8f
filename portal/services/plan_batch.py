"""Keeping the plan (issue 4): the daily check of installments, run by the batch.

`run_plan_checks(session, rules, as_of=DATE)` catches up everything due up to `as_of` and is
idempotent per action (decisions.md): an installment is marked missed once, its reminder is
made once (`reminded_on`), its avoided fee is recorded once (SuppressedCharge action key
"plan:<id>:installment:<n>"), a plan defaults once and a counter-proposal expires once. Running
twice for the same day changes nothing the second time; running after a gap of days does what
each skipped day would have done (reminders for a catch-up come in one letter per plan).

A missed installment gets ONE friendly letter per plan per run, whatever the number of claims
in the plan (bundling never adds costs). A fee is charged only if the rule pack's
`fees_during_plan` allows; otherwise the fee that would have been charged is recorded as a
SuppressedCharge ("costs avoided").
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.documents.delivery import DeliveryFailed
from portal.documents.delivery import get_delivery_adapter
from portal.domain.dunning import DunningFacts
from portal.domain.dunning import fee_regime
from portal.domain.dunning import reminder_fee
from portal.domain.plans import PlanEvent
from portal.domain.plans import PlanState
from portal.domain.plans import counter_proposal_expired
from portal.domain.plans import installment_missed
from portal.domain.plans import should_default
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.base import RulePack
from portal.domain.rules.dunning_tables import NoDunningTable
from portal.domain.rules.dunning_tables import dunning_table
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import Letter
from portal.models import Plan
from portal.models import PlanInstallment
from portal.models.base import utcnow
from portal.services import holds
from portal.services import signals
from portal.services import social_status_offers
from portal.services.audit import Actor
from portal.services.ledger import append_entry
from portal.services.letters import create_letter
from portal.services.letters import deliver_letter
from portal.services.plans import complete_plan
from portal.services.plans import default_plan
from portal.services.plans import end_plan
from portal.services.plans import letter_locale
from portal.services.plans import plan_claims

COUNT_KEYS = (
    "plans_checked",
    "installments_paid",
    "installments_missed",
    "reminders",
    "fees_charged",
    "fees_suppressed",
    "defaulted",
    "completed",
    "counter_proposals_expired",
)
#: SuppressedCharge / ledger reason for a plan reminder's fee
SUPPRESS_REASON = "plan_reminder"
#: The letters the plan services make (stored at once, delivered by `deliver_plan_letters`).
PLAN_LETTER_KINDS = ("plan_confirmation", "plan_reminder")


def run_plan_checks(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Check every active plan and every counter-proposal on day `as_of`; returns counts."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    actor = Actor.system()
    active = session.scalars(
        select(Plan).where(Plan.state == PlanState.ACTIVE.value).order_by(Plan.id)
    ).all()
    for plan in active:
        counts["plans_checked"] += 1
        _check_plan(session, rules, plan, as_of=as_of, actor=actor, counts=counts)
    waiting = session.scalars(
        select(Plan)
        .where(
            Plan.state == PlanState.COUNTER_PROPOSED.value,
            Plan.counter_expires_on.is_not(None),
            Plan.counter_expires_on < as_of,
        )
        .order_by(Plan.id)
    ).all()
    for plan in waiting:
        assert plan.counter_expires_on is not None  # noqa: S101 - filtered above
        if counter_proposal_expired(plan.counter_expires_on, today=as_of):
            end_plan(session, plan, PlanEvent.EXPIRE_COUNTER, on=as_of, actor=actor)
            counts["counter_proposals_expired"] += 1
    session.flush()
    return counts


def deliver_plan_letters(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Deliver the stored plan letters (confirmations, reminders) not delivered yet. A batch
    step of its own, after the runner committed them: a letter is never sent unstored."""
    config: Config = current_app.config["SALDO"]
    adapter = get_delivery_adapter(config)
    letters = session.scalars(
        select(Letter)
        .where(Letter.kind.in_(PLAN_LETTER_KINDS), Letter.delivered_at.is_(None))
        .order_by(Letter.id)
        .with_for_update(skip_locked=True)
    ).all()
    counts = {"delivered": 0, "failed": 0}
    for letter in letters:
        try:
            deliver_letter(session, letter, adapter, now=utcnow())
        except DeliveryFailed:
            counts["failed"] += 1  # stays undelivered; the next run tries again
            continue
        counts["delivered"] += 1
    return counts


def _check_plan(
    session: Session,
    rules: RulePack,
    plan: Plan,
    *,
    as_of: date,
    actor: Actor,
    counts: dict[str, int],
) -> None:
    policy = rules.plan_policy
    claims = plan_claims(session, plan)
    newly_missed: list[PlanInstallment] = []
    for installment in plan.installments:
        if installment.state != "paid" and installment.paid_amount >= installment.amount:
            installment.state = "paid"
            counts["installments_paid"] += 1
        elif installment.state == "due" and installment_missed(
            installment.due_date, paid=False, today=as_of, policy=policy
        ):
            installment.state = "missed"
            counts["installments_missed"] += 1
        if installment.state == "missed" and installment.reminded_on is None:
            newly_missed.append(installment)
    if all(claim.balance == 0 for claim in claims) or all(
        i.state == "paid" for i in plan.installments
    ):
        complete_plan(session, plan, on=as_of, actor=actor)
        counts["completed"] += 1
        return
    if newly_missed:
        _remind(session, rules, plan, claims, newly_missed, as_of=as_of, counts=counts)
    missed = sum(1 for i in plan.installments if i.state == "missed")
    if should_default(missed, policy):
        default_plan(session, rules, plan, on=as_of, actor=actor)
        signals.raise_signal(session, plan.debtor_id, signals.PLAN_DEFAULTED, now=utcnow())
        counts["defaulted"] += 1


def _remind(
    session: Session,
    rules: RulePack,
    plan: Plan,
    claims: list[Claim],
    missed: list[PlanInstallment],
    *,
    as_of: date,
    counts: dict[str, int],
) -> None:
    """One friendly letter about the oldest newly missed installment; one fee or avoided fee."""
    first = missed[0]
    open_claims = [c for c in claims if c.balance > 0]
    fee_claim = open_claims[0] if open_claims else None
    fee = _fee(session, rules, fee_claim, as_of=as_of) if fee_claim is not None else 0
    charged = 0
    action_key = f"plan:{plan.id}:installment:{first.sequence}"
    # Issue 8: while the debtor's social status is active the plan carries no costs.
    no_costs = social_status_offers.has_active_status(session, plan.debtor_id, as_of)
    if fee_claim is not None and fee > 0:
        if rules.fees_during_plan and not no_costs:
            append_entry(
                session,
                fee_claim,
                component="fee",
                amount=fee,
                cause="reminder_fee",
                effective_date=as_of,
                source=action_key,
            )
            charged = fee
            counts["fees_charged"] += 1
        else:
            holds.record_suppressed_charge(
                session,
                fee_claim.id,
                amount=fee,
                currency=plan.currency,
                reason="social_status" if rules.fees_during_plan else SUPPRESS_REASON,
                action_key=action_key,
                on_date=as_of,
            )
            counts["fees_suppressed"] += 1
    create_letter(
        session,
        debtor_id=plan.debtor_id,
        kind="plan_reminder",
        template="plan_reminder_letter.html",
        context={
            "plan": plan,
            "installment": first,
            "currency": plan.currency,
            "fee": charged,
            "help_offer": no_costs,  # issue 8
        },
        locale=letter_locale(session, rules, plan.debtor_id),
        letter_date=as_of,
    )
    for installment in missed:
        installment.reminded_on = as_of
    counts["reminders"] += 1


def _fee(session: Session, rules: RulePack, claim: Claim, *, as_of: date) -> int:
    """The fee the claim's next reminder would cost under the dunning rules (0 if none)."""
    claim_type = claim.claim_type
    basis = LegalBasis(claim_type.legal_basis)
    try:
        table = dunning_table(rules.code, as_of)
        regime = fee_regime(rules.country, basis, claim_type.has_execution_right)
        regime_table = table.regime(regime)
    except (NoDunningTable, ValueError):
        return 0
    charged = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.claim_id == claim.id, LedgerEntry.cause == "reminder_fee"
        )
    )
    facts = DunningFacts(
        legal_basis=basis,
        has_execution_right=claim_type.has_execution_right,
        balance=claim.balance,
        principal=claim.principal_due,
        due_date=claim.due_date,
        fees_charged=max(int(charged or 0), 0),
    )
    return reminder_fee(facts, regime, regime_table, claim.reminders_sent + 1)


__all__ = [
    "COUNT_KEYS",
    "PLAN_LETTER_KINDS",
    "SUPPRESS_REASON",
    "deliver_plan_letters",
    "run_plan_checks",
]
