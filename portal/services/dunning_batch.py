"""The dunning step of the daily batch: reminders and their fees, caught up as of a day.

For every open claim of the pack's claim types (not cancelled, not handed over, balance at
least `rules.minimum_collected_amount`) the pure `domain.dunning.next_reminder` decides:

- CHARGE: a ReminderRecord (claim, sequence) is written, the fee (if any) is booked in the
  ledger (component "fee", cause "reminder_fee") and `claim.reminders_sent` goes up. The letter
  is made later by the letters step (`letter_batch`), so this step stays fast.
- SUPPRESS (any hold; or in a plan while `fees_during_plan` is off): no reminder, no fee; a
  fee above 0 is recorded once as a SuppressedCharge with action key "reminder:<seq>".
- SKIP / nothing due: nothing happens.

Idempotent per action (decisions.md "Time"): a reminder is keyed on (claim, sequence) by a
unique constraint, and the next one is due only `min_gap_days` after the previous one was
SENT. A run after a gap therefore sends the one reminder that is due now (its `due_on` is the
day it fell due by the calendar), never several on the same day; the next follows after the
legal gap (DK private law: ≥ 10 days apart).

Speed (a city of 1,000,000 claims): one query finds the claims the rule may act on today
(`dunning_candidates.candidate_ids`: a reminder due by the calendar, not already decided under
a hold), so a normal day reads a few thousand claims, not every open one. They are handled in
chunks of `CHUNK`: the chunk's claims are locked and read (one query), their history read
(three), the rule decides, and the writes go in per chunk — reminder records and ledger
entries as one batched INSERT each, the cached balances and `reminders_sent` as one UPDATE
each (`batch_writes.append_entries`). Memory stays bounded by the chunk, apart from the list
of candidate ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import cast

from sqlalchemy import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.dunning import Action
from portal.domain.dunning import ReminderDecision
from portal.domain.dunning import SuppressReason
from portal.domain.rules.base import RulePack
from portal.domain.rules.dunning_tables import DunningTable
from portal.domain.rules.dunning_tables import dunning_table
from portal.models import ReminderRecord
from portal.models import SuppressedCharge
from portal.models.base import utcnow
from portal.services import social_status_offers
from portal.services.batch_writes import Booking as Booking
from portal.services.batch_writes import append_entries as append_entries
from portal.services.batch_writes import bulk_insert
from portal.services.batch_writes import id_filter
from portal.services.batch_writes import insert_suppressed as insert_suppressed
from portal.services.dunning_candidates import PLAN_HOLD
from portal.services.dunning_candidates import ClaimFacts
from portal.services.dunning_candidates import History
from portal.services.dunning_candidates import candidate_ids
from portal.services.dunning_candidates import decide
from portal.services.dunning_candidates import last_reminder_on
from portal.services.dunning_candidates import locked_facts
from portal.services.dunning_candidates import read_history
from portal.services.dunning_candidates import reminder_due_on

CHUNK = 1000
COUNT_KEYS = ("checked", "reminders", "fees_charged", "fee_amount", "fees_suppressed")

Decided = tuple[ClaimFacts, ReminderDecision]


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def run_dunning(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Send (record) the reminders due on `as_of`, book their fees, record avoided fees."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    table = dunning_table(rules.code, as_of)
    session.flush()  # the writes below go around the unit of work
    ids = candidate_ids(session, rules, table, as_of=as_of)
    counts["checked"] = len(ids)
    with session.no_autoflush:
        for chunk in _chunks(ids):
            _run_chunk(session, rules, table, chunk, as_of=as_of, counts=counts)
    return counts


def _run_chunk(
    session: Session,
    rules: RulePack,
    table: DunningTable,
    chunk: Sequence[int],
    *,
    as_of: date,
    counts: dict[str, int],
) -> None:
    """Lock the chunk's claims, read their facts and history under the lock, decide, write."""
    claims = locked_facts(session, chunk)
    history = read_history(session, [facts.claim_id for facts in claims], as_of)
    charge: list[Decided] = []
    suppress: list[Decided] = []
    for facts in claims:
        decision = decide(facts, history, rules, as_of)
        if decision is None:
            continue
        if decision.action is Action.CHARGE:
            charge.append((facts, decision))
        elif decision.action is Action.SUPPRESS and decision.fee > 0:
            suppress.append((facts, decision))
    charge = _without_plan_costs(session, history, charge, suppress, as_of=as_of)
    if suppress:
        _record_suppressed(session, suppress, as_of=as_of, counts=counts)
    if charge:
        _charge(session, table, history, charge, as_of=as_of, counts=counts)


def _without_plan_costs(
    session: Session,
    history: History,
    charge: list[Decided],
    suppress: list[Decided],
    *,
    as_of: date,
) -> list[Decided]:
    """Issue 8: a plan made while the debtor's social status is active carries no costs, even
    where the pack charges fees during plans; the fee is recorded as avoided instead."""
    in_plan = [
        facts.claim_id
        for facts, _ in charge
        if PLAN_HOLD in history.hold_reasons.get(facts.claim_id, frozenset())
    ]
    free = social_status_offers.claims_without_plan_costs(session, in_plan, as_of)
    if not free:
        return charge
    kept: list[Decided] = []
    for facts, decision in charge:
        if facts.claim_id in free and decision.fee > 0:  # a reminder without a fee still goes
            reason = SuppressReason.SOCIAL_STATUS
            suppress.append((facts, replace(decision, action=Action.SUPPRESS, reason=reason)))
        else:
            kept.append((facts, decision))
    return kept


def _record_suppressed(
    session: Session, decisions: Sequence[Decided], *, as_of: date, counts: dict[str, int]
) -> None:
    keys = {(facts.claim_id, f"reminder:{d.sequence}") for facts, d in decisions}
    existing = {
        (claim_id, action_key)
        for claim_id, action_key in session.execute(
            select(SuppressedCharge.claim_id, SuppressedCharge.action_key).where(
                id_filter(session, SuppressedCharge.claim_id, {claim_id for claim_id, _ in keys}),
                SuppressedCharge.action_key.like("reminder:%"),
            )
        )
    }
    rows: list[dict[str, object]] = [
        {
            "claim_id": facts.claim_id,
            "amount": decision.fee,
            "currency": facts.currency,
            "reason": str(decision.reason),
            "action_key": f"reminder:{decision.sequence}",
            "on_date": as_of,
        }
        for facts, decision in decisions
        if (facts.claim_id, f"reminder:{decision.sequence}") not in existing
    ]
    insert_suppressed(session, rows)
    counts["fees_suppressed"] += len(rows)


def _charge(
    session: Session,
    table: DunningTable,
    history: History,
    decisions: Sequence[Decided],
    *,
    as_of: date,
    counts: dict[str, int],
) -> None:
    """Write the chunk's reminders: records, fee entries, balances and `reminders_sent`, in
    one statement each (the claims are locked since `locked_facts`)."""
    now = utcnow()
    records: list[dict[str, object]] = []
    bookings: list[Booking] = []
    sent: dict[int, int] = {}
    for facts, decision in decisions:
        records.append(
            {
                "claim_id": facts.claim_id,
                "sequence": decision.sequence,
                "due_on": reminder_due_on(facts, last_reminder_on(facts, history), table),
                "sent_on": as_of,
                "fee_amount": decision.fee,
                "created_at": now,
            }
        )
        sent[facts.claim_id] = decision.sequence
        if decision.fee > 0:
            bookings.append(
                Booking(
                    facts.claim_id,
                    "fee",
                    decision.fee,
                    facts.currency,
                    "reminder_fee",
                    f"batch:{as_of.isoformat()}:reminder:{decision.sequence}",
                )
            )
            counts["fees_charged"] += 1
            counts["fee_amount"] += decision.fee
        counts["reminders"] += 1
    # The unique (claim, sequence) constraint is the last guard: a duplicate fails the step.
    bulk_insert(session, cast(Table, ReminderRecord.__table__), records)
    append_entries(session, bookings, effective_date=as_of, reminders_sent=sent)
