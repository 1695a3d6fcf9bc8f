"""What the dunning step reads: the candidate claims (SQL), their facts and history, and the
pure rule's decision for each (`domain.dunning.next_reminder` is the only decider).

`candidate_ids` narrows a city of claims to those the rule could act on today, in one query;
it never leaves out a claim on which the rule would act (tests/integration/
test_dunning_prefilter.py checks the filter against the rule on a table of edge cases):

- open (not cancelled, not handed over), of the pack's claim types and currency, a balance of
  at least `rules.minimum_collected_amount` (the rule SKIPs below it);
- past the first reminder day, below the regime's maximum number of reminders (SKIP above);
- no reminder sent within the minimum gap (the rule waits `min_gap_days` after the last one);
- not under a collection hold (other than the plan's own) where the rule's SUPPRESS would write
  nothing: the reminder is free (sequence within the regime's free reminders: fee 0, nothing
  recorded) or its avoided fee is recorded already (SuppressedCharge "reminder:<seq>").
  Without this, every held claim came back every day to be decided again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import cast
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.domain.dunning import DunningFacts
from portal.domain.dunning import ReminderDecision
from portal.domain.dunning import fee_regime
from portal.domain.dunning import next_reminder
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.base import RulePack
from portal.domain.rules.dunning_tables import DunningTable
from portal.models import Claim
from portal.models import ClaimType
from portal.models import CollectionHold
from portal.models import LedgerEntry
from portal.models import ReminderRecord
from portal.models import SuppressedCharge
from portal.services import holds
from portal.services.batch_writes import id_filter

#: The hold that means "in a plan": `fees_during_plan` decides, not the hold itself.
PLAN_HOLD = holds.PLAN
claim_balance = Claim.principal_due + Claim.fee_due + Claim.interest_due


@dataclass(frozen=True)
class ClaimFacts:
    """What the step reads about one claim (from a row or a locked Claim)."""

    claim_id: int
    due_date: date
    principal: int
    balance: int
    reminders_sent: int
    currency: str
    legal_basis: str
    has_execution_right: bool


def _by_regime(rules: RulePack, table: DunningTable, figure: str) -> dict[int, list[str]]:
    """Claim type codes grouped by one number of their fee regime (max or free reminders)."""
    grouped: dict[int, list[str]] = {}
    for spec in rules.claim_types:
        regime = table.regime(fee_regime(rules.code, spec.legal_basis, spec.has_execution_right))
        grouped.setdefault(getattr(regime, figure).value, []).append(spec.code)
    return grouped


def _below_maximum(rules: RulePack, table: DunningTable) -> ColumnElement[bool]:
    """reminders_sent below the maximum of each claim type's fee regime."""
    return or_(
        false(),
        *(
            and_(ClaimType.code.in_(codes), Claim.reminders_sent < maximum)
            for maximum, codes in sorted(_by_regime(rules, table, "max_reminders").items())
        ),
    )


def _held_with_nothing_to_record(
    rules: RulePack, table: DunningTable, as_of: date
) -> ColumnElement[bool]:
    """Under a hold other than the plan's, so the rule can only SUPPRESS, and SUPPRESS writes
    nothing: the next reminder is free, or its avoided fee is recorded already. One EXISTS,
    so PostgreSQL plans it as one anti-join (an OR of two EXISTS made it misjudge the cost)."""
    free = or_(
        false(),
        *(
            and_(ClaimType.code.in_(codes), Claim.reminders_sent + 1 <= count)
            for count, codes in sorted(_by_regime(rules, table, "free_reminders").items())
        ),
    )
    key = literal("reminder:") + cast(Claim.reminders_sent + 1, String)
    recorded = (
        select(SuppressedCharge.id)
        .where(SuppressedCharge.claim_id == Claim.id, SuppressedCharge.action_key == key)
        .correlate(Claim)
        .exists()
    )
    return (
        select(CollectionHold.id)
        .where(
            CollectionHold.claim_id == Claim.id,
            CollectionHold.reason != PLAN_HOLD,
            CollectionHold.starts_on <= as_of,
            CollectionHold.ends_on.is_(None) | (CollectionHold.ends_on > as_of),
            or_(free, recorded),
        )
        .correlate(Claim, ClaimType)
        .exists()
    )


def candidate_ids(
    session: Session, rules: RulePack, table: DunningTable, *, as_of: date
) -> list[int]:
    """Claims the rule may act on `as_of` (see the module doc), by id; one query."""
    recent = (
        select(ReminderRecord.id)
        .where(
            ReminderRecord.claim_id == Claim.id,
            ReminderRecord.sent_on > as_of - timedelta(days=table.min_gap_days.value),
        )
        .exists()
    )
    query = (
        select(Claim.id)
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .where(
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
            Claim.currency == rules.currency,
            ClaimType.code.in_([spec.code for spec in rules.claim_types]),
            claim_balance >= max(rules.minimum_collected_amount, 1),
            Claim.due_date <= as_of - timedelta(days=table.first_reminder_after_days.value),
            _below_maximum(rules, table),
            ~recent,
            ~_held_with_nothing_to_record(rules, table, as_of),
        )
        .order_by(Claim.id)
    )
    return list(session.scalars(query))


def locked_facts(session: Session, claim_ids: Sequence[int]) -> list[ClaimFacts]:
    """The facts of the open claims among `claim_ids`, locked (FOR NO KEY UPDATE on
    PostgreSQL, in id order, as payment booking locks them) until the step commits, so two
    batches at once decide on what the other one wrote and book each fee once."""
    rows = session.execute(
        select(
            Claim.id,
            Claim.due_date,
            Claim.principal_due,
            claim_balance,
            Claim.reminders_sent,
            Claim.currency,
            ClaimType.legal_basis,
            ClaimType.has_execution_right,
        )
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .where(
            id_filter(session, Claim.id, claim_ids),
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
        )
        .order_by(Claim.id)
        .with_for_update(of=Claim, key_share=True)
    ).all()
    return [ClaimFacts(*row) for row in rows]


@dataclass(frozen=True)
class History:
    last_sent: dict[int, date]
    fee_total: dict[int, int]
    last_fee_on: dict[int, date]
    hold_reasons: dict[int, frozenset[str]]


def read_history(session: Session, claim_ids: Sequence[int], as_of: date) -> History:
    """Reminders sent, fees charged and holds for a chunk of claims: three queries."""
    if not claim_ids:
        return History({}, {}, {}, {})
    last_sent = dict(
        session.execute(
            select(ReminderRecord.claim_id, func.max(ReminderRecord.sent_on))
            .where(id_filter(session, ReminderRecord.claim_id, claim_ids))
            .group_by(ReminderRecord.claim_id)
        ).all()
    )
    fee_total: dict[int, int] = {}
    last_fee_on: dict[int, date] = {}
    for claim_id, total, last in session.execute(
        select(
            LedgerEntry.claim_id, func.sum(LedgerEntry.amount), func.max(LedgerEntry.effective_date)
        )
        .where(
            id_filter(session, LedgerEntry.claim_id, claim_ids),
            LedgerEntry.cause == "reminder_fee",
        )
        .group_by(LedgerEntry.claim_id)
    ).all():
        fee_total[claim_id] = max(int(total or 0), 0)
        last_fee_on[claim_id] = last
    reasons: dict[int, set[str]] = {}
    for claim_id, reason in session.execute(
        select(CollectionHold.claim_id, CollectionHold.reason)
        .where(
            id_filter(session, CollectionHold.claim_id, claim_ids),
            CollectionHold.starts_on <= as_of,
            CollectionHold.ends_on.is_(None) | (CollectionHold.ends_on > as_of),
        )
        .distinct()
    ).all():
        reasons.setdefault(claim_id, set()).add(reason)
    return History(
        last_sent=last_sent,
        fee_total=fee_total,
        last_fee_on=last_fee_on,
        hold_reasons={claim_id: frozenset(found) for claim_id, found in reasons.items()},
    )


def last_reminder_on(facts: ClaimFacts, history: History) -> date | None:
    if facts.reminders_sent == 0:
        return None
    # Reminders sent before this step existed (e.g. demo data) have no record: the day of
    # their fee, else the due date, stands in for the day they were sent.
    return (
        history.last_sent.get(facts.claim_id)
        or history.last_fee_on.get(facts.claim_id)
        or facts.due_date
    )


def decide(
    facts: ClaimFacts, history: History, rules: RulePack, as_of: date
) -> ReminderDecision | None:
    """The pure rule's decision for one claim (None: nothing is due)."""
    reasons = history.hold_reasons.get(facts.claim_id, frozenset())
    dunning = DunningFacts(
        legal_basis=LegalBasis(facts.legal_basis),
        has_execution_right=facts.has_execution_right,
        balance=facts.balance,
        principal=facts.principal,
        due_date=facts.due_date,
        reminders_sent=facts.reminders_sent,
        last_reminder_on=last_reminder_on(facts, history),
        paused=bool(reasons - {PLAN_HOLD}),
        in_plan=PLAN_HOLD in reasons,
        fees_during_plan=rules.fees_during_plan,
        fees_charged=history.fee_total.get(facts.claim_id, 0),
    )
    return next_reminder(dunning, rules.code, as_of=as_of)


def reminder_due_on(facts: ClaimFacts, last: date | None, table: DunningTable) -> date:
    """The day reminder `reminders_sent + 1` fell due by the calendar."""
    if last is None:
        return facts.due_date + timedelta(days=table.first_reminder_after_days.value)
    return last + timedelta(days=table.min_gap_days.value)
