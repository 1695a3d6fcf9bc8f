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

Speed (100,000 claims; benchmarks/batch_bench.py): a first filter in SQL leaves out claims
that cannot be due (a reminder within the gap, at the maximum, below the minimum); the rest are
read in chunks with one query each for reminders, fees and holds. The claims that get a
reminder are locked (FOR UPDATE on PostgreSQL) and their facts read again under the lock, so
two batches at once book each fee once. Fees are booked with `append_entries`, the bulk form
of `ledger.append_entry` (the entries and the cached balance in the same transaction, in SQL),
because two ORM objects per claim made the batch ~50 times slower than the floor.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import timedelta
from typing import cast

from sqlalchemy import BigInteger
from sqlalchemy import Column
from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.domain.dunning import Action
from portal.domain.dunning import DunningFacts
from portal.domain.dunning import ReminderDecision
from portal.domain.dunning import SuppressReason
from portal.domain.dunning import fee_regime
from portal.domain.dunning import next_reminder
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.base import RulePack
from portal.domain.rules.dunning_tables import DunningTable
from portal.domain.rules.dunning_tables import dunning_table
from portal.models import Claim
from portal.models import ClaimType
from portal.models import LedgerEntry
from portal.models import ReminderRecord
from portal.models import SuppressedCharge
from portal.models.base import utcnow
from portal.services import holds
from portal.services import social_status_offers

CHUNK = 500
COUNT_KEYS = ("checked", "reminders", "fees_charged", "fee_amount", "fees_suppressed")
#: The hold that means "in a plan": `fees_during_plan` decides, not the hold itself.
PLAN_HOLD = holds.PLAN


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


def _below_maximum(rules: RulePack, table: DunningTable) -> ColumnElement[bool]:
    """reminders_sent below the maximum of each claim type's fee regime."""
    by_max: dict[int, list[str]] = {}
    for spec in rules.claim_types:
        regime = fee_regime(rules.code, spec.legal_basis, spec.has_execution_right)
        by_max.setdefault(table.regime(regime).max_reminders.value, []).append(spec.code)
    return or_(
        *(
            and_(ClaimType.code.in_(codes), Claim.reminders_sent < maximum)
            for maximum, codes in sorted(by_max.items())
        )
    )


def open_claims(
    session: Session, rules: RulePack, table: DunningTable, *, as_of: date
) -> list[ClaimFacts]:
    """Claims that may need a reminder on `as_of` — a first filter in SQL (open, of the pack,
    above the minimum, past the first reminder day, below the regime's maximum, no reminder
    within the minimum gap); the domain decides the rest."""
    balance = Claim.principal_due + Claim.fee_due + Claim.interest_due
    first_after_days = table.first_reminder_after_days.value
    recent = (
        select(ReminderRecord.id)
        .where(
            ReminderRecord.claim_id == Claim.id,
            ReminderRecord.sent_on > as_of - timedelta(days=table.min_gap_days.value),
        )
        .exists()
    )
    query = (
        select(
            Claim.id,
            Claim.due_date,
            Claim.principal_due,
            balance,
            Claim.reminders_sent,
            Claim.currency,
            ClaimType.legal_basis,
            ClaimType.has_execution_right,
        )
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .where(
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
            Claim.currency == rules.currency,
            ClaimType.code.in_([spec.code for spec in rules.claim_types]),
            balance >= max(rules.minimum_collected_amount, 1),
            Claim.due_date <= as_of - timedelta(days=first_after_days),
            _below_maximum(rules, table),
            ~recent,
        )
        .order_by(Claim.id)
    )
    return [ClaimFacts(*row) for row in session.execute(query).all()]


def _chunks(items: Sequence[ClaimFacts]) -> Iterator[Sequence[ClaimFacts]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass(frozen=True)
class _History:
    last_sent: dict[int, date]
    fee_total: dict[int, int]
    last_fee_on: dict[int, date]
    hold_reasons: dict[int, frozenset[str]]


def _history(session: Session, claim_ids: Sequence[int], as_of: date) -> _History:
    """Reminders sent, fees charged and holds for a chunk of claims: three queries."""
    last_sent = dict(
        session.execute(
            select(ReminderRecord.claim_id, func.max(ReminderRecord.sent_on))
            .where(ReminderRecord.claim_id.in_(claim_ids))
            .group_by(ReminderRecord.claim_id)
        ).all()
    )
    fee_total: dict[int, int] = {}
    last_fee_on: dict[int, date] = {}
    for claim_id, total, last in session.execute(
        select(
            LedgerEntry.claim_id, func.sum(LedgerEntry.amount), func.max(LedgerEntry.effective_date)
        )
        .where(LedgerEntry.claim_id.in_(claim_ids), LedgerEntry.cause == "reminder_fee")
        .group_by(LedgerEntry.claim_id)
    ).all():
        fee_total[claim_id] = max(int(total or 0), 0)
        last_fee_on[claim_id] = last
    return _History(
        last_sent=last_sent,
        fee_total=fee_total,
        last_fee_on=last_fee_on,
        hold_reasons=holds.active_hold_reasons(session, claim_ids, as_of),
    )


def _last_reminder_on(facts: ClaimFacts, history: _History) -> date | None:
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
    facts: ClaimFacts, history: _History, rules: RulePack, as_of: date
) -> ReminderDecision | None:
    reasons = history.hold_reasons.get(facts.claim_id, frozenset())
    dunning = DunningFacts(
        legal_basis=LegalBasis(facts.legal_basis),
        has_execution_right=facts.has_execution_right,
        balance=facts.balance,
        principal=facts.principal,
        due_date=facts.due_date,
        reminders_sent=facts.reminders_sent,
        last_reminder_on=_last_reminder_on(facts, history),
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


def run_dunning(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Send (record) the reminders due on `as_of`, book their fees, record avoided fees."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    table = dunning_table(rules.code, as_of)
    candidates = open_claims(session, rules, table, as_of=as_of)
    counts["checked"] = len(candidates)
    with session.no_autoflush:
        for chunk in _chunks(candidates):
            _run_chunk(session, rules, table, chunk, as_of=as_of, counts=counts)
    session.flush()
    return counts


def _run_chunk(
    session: Session,
    rules: RulePack,
    table: DunningTable,
    chunk: Sequence[ClaimFacts],
    *,
    as_of: date,
    counts: dict[str, int],
) -> None:
    ids = [facts.claim_id for facts in chunk]
    history = _history(session, ids, as_of)
    to_charge: list[int] = []
    suppress: list[tuple[ClaimFacts, ReminderDecision]] = []
    for facts in chunk:
        decision = decide(facts, history, rules, as_of)
        if decision is None:
            continue
        if decision.action is Action.CHARGE:
            to_charge.append(facts.claim_id)
        elif decision.action is Action.SUPPRESS and decision.fee > 0:
            suppress.append((facts, decision))
    to_charge = _without_plan_costs(
        session, rules, chunk, history, to_charge, suppress, as_of=as_of
    )
    if suppress:
        _record_suppressed(session, suppress, as_of=as_of, counts=counts)
    if to_charge:
        _charge(session, rules, table, to_charge, as_of=as_of, counts=counts)


def _without_plan_costs(
    session: Session,
    rules: RulePack,
    chunk: Sequence[ClaimFacts],
    history: _History,
    to_charge: list[int],
    suppress: list[tuple[ClaimFacts, ReminderDecision]],
    *,
    as_of: date,
) -> list[int]:
    """Issue 8: a plan made while the debtor's social status is active carries no costs, even
    where the pack charges fees during plans; the fee is recorded as avoided instead."""
    in_plan = [c for c in to_charge if PLAN_HOLD in history.hold_reasons.get(c, frozenset())]
    free = social_status_offers.claims_without_plan_costs(session, in_plan, as_of)
    if not free:
        return to_charge
    removed = set()
    for facts in chunk:
        decision = decide(facts, history, rules, as_of) if facts.claim_id in free else None
        if decision is not None and decision.fee > 0:  # a reminder without a fee still goes
            reason = SuppressReason.SOCIAL_STATUS
            suppress.append((facts, replace(decision, action=Action.SUPPRESS, reason=reason)))
            removed.add(facts.claim_id)
    return [c for c in to_charge if c not in removed]


def insert_suppressed(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Record avoided charges in one statement; a row already there (same claim and action key,
    e.g. written by a second batch at the same moment) is left as it is.

    The bulk form of `holds.record_suppressed_charge` (one query and savepoint per row is too
    slow for a batch over every claim).
    """
    if not rows:
        return
    table = cast(Table, SuppressedCharge.__table__)
    dialect = session.get_bind().dialect.name
    statement = (
        postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    ).on_conflict_do_nothing(index_elements=["claim_id", "action_key"])
    session.execute(statement, [{"created_at": utcnow(), **row} for row in rows])


def _record_suppressed(
    session: Session,
    decisions: Sequence[tuple[ClaimFacts, ReminderDecision]],
    *,
    as_of: date,
    counts: dict[str, int],
) -> None:
    keys = {(facts.claim_id, f"reminder:{d.sequence}") for facts, d in decisions}
    existing = {
        (claim_id, action_key)
        for claim_id, action_key in session.execute(
            select(SuppressedCharge.claim_id, SuppressedCharge.action_key).where(
                SuppressedCharge.claim_id.in_({claim_id for claim_id, _ in keys}),
                SuppressedCharge.action_key.like("reminder:%"),
            )
        )
    }
    rows = []
    for facts, decision in decisions:
        key = f"reminder:{decision.sequence}"
        if (facts.claim_id, key) in existing:
            continue
        rows.append(
            {
                "claim_id": facts.claim_id,
                "amount": decision.fee,
                "currency": facts.currency,
                "reason": str(decision.reason),
                "action_key": key,
                "on_date": as_of,
            }
        )
    insert_suppressed(session, rows)
    counts["fees_suppressed"] += len(rows)


@dataclass(frozen=True)
class Booking:
    """One ledger entry the batch appends: `amount` (> 0) on `component` of a claim."""

    claim_id: int
    component: str
    amount: int
    currency: str
    cause: str
    source: str


_CACHE = {"fee": "fee_due", "interest": "interest_due"}


def _update_claims(
    session: Session, column: Column[int], changes: Sequence[tuple[int, int]], *, add: bool
) -> None:
    """`claim.<column> (+)= v` for each (claim id, v). PostgreSQL: one UPDATE ... FROM
    unnest(ids, values) instead of one UPDATE per claim (the per-row round trips were the
    largest per-reminder cost of the first batch over a city); SQLite: executemany (in
    process, no round trips). Callers lock the claims first, so the order does not matter.
    """
    if not changes:
        return
    claim = cast(Table, Claim.__table__)
    if session.get_bind().dialect.name == "postgresql":
        rows = (
            func.unnest(
                bindparam("ids", [c for c, _ in changes], type_=ARRAY(BigInteger)),
                bindparam("vs", [v for _, v in changes], type_=ARRAY(BigInteger)),
            )
            .table_valued("id", "v")
            .render_derived(name="changes")
        )
        value: ColumnElement[int] = rows.c.v
        session.execute(
            update(claim)
            .where(claim.c.id == rows.c.id)
            .values({column: column + value if add else value})
        )
        return
    target = column + bindparam("b_v") if add else bindparam("b_v")
    session.execute(
        update(claim).where(claim.c.id == bindparam("b_claim_id")).values({column: target}),
        [{"b_claim_id": claim_id, "b_v": v} for claim_id, v in changes],
    )


def append_entries(
    session: Session,
    bookings: Sequence[Booking],
    *,
    effective_date: date,
    reminders_sent: Mapping[int, int] | None = None,
) -> None:
    """The bulk form of `ledger.append_entry` for the batch: the entries and the cached balance
    (`fee_due` / `interest_due` += amount, in SQL) in the same transaction, in two statements
    instead of two ORM objects per claim. Also sets `reminders_sent` where given.

    Claim objects already in the session are expired, so they read the new balances.
    """
    claim = cast(Table, Claim.__table__)
    now = utcnow()
    if bookings:
        session.execute(
            insert(cast(Table, LedgerEntry.__table__)),
            [
                {
                    "claim_id": b.claim_id,
                    "component": b.component,
                    "amount": b.amount,
                    "currency": b.currency,
                    "effective_date": effective_date,
                    "cause": b.cause,
                    "source": b.source,
                    "recorded_at": now,
                }
                for b in bookings
            ],
        )
    for component in sorted({b.component for b in bookings}):
        added: dict[int, int] = {}  # one row per claim: UPDATE ... FROM applies one match only
        for b in bookings:
            if b.component == component:
                added[b.claim_id] = added.get(b.claim_id, 0) + b.amount
        _update_claims(session, claim.c[_CACHE[component]], sorted(added.items()), add=True)
    if reminders_sent:
        _update_claims(session, claim.c.reminders_sent, sorted(reminders_sent.items()), add=False)
    changed = {b.claim_id for b in bookings} | set(reminders_sent or ())
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Claim) and obj.id in changed:
            session.expire(obj)


def _charge(
    session: Session,
    rules: RulePack,
    table: DunningTable,
    claim_ids: Sequence[int],
    *,
    as_of: date,
    counts: dict[str, int],
) -> None:
    """Lock the claims, read their facts again under the lock, and send what is still due."""
    balance = Claim.principal_due + Claim.fee_due + Claim.interest_due
    rows = session.execute(
        select(
            Claim.id,
            Claim.due_date,
            Claim.principal_due,
            balance,
            Claim.reminders_sent,
            Claim.currency,
            ClaimType.legal_basis,
            ClaimType.has_execution_right,
        )
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .where(
            Claim.id.in_(claim_ids),
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
        )
        .order_by(Claim.id)
        .with_for_update(of=Claim)
    ).all()
    history = _history(session, claim_ids, as_of)
    records: list[dict[str, object]] = []
    bookings: list[Booking] = []
    sent: dict[int, int] = {}
    for row in rows:
        facts = ClaimFacts(*row)
        decision = decide(facts, history, rules, as_of)
        if decision is None or decision.action is not Action.CHARGE:
            continue
        records.append(
            {
                "claim_id": facts.claim_id,
                "sequence": decision.sequence,
                "due_on": reminder_due_on(facts, _last_reminder_on(facts, history), table),
                "sent_on": as_of,
                "fee_amount": decision.fee,
                "created_at": utcnow(),
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
    if records:
        session.execute(insert(cast(Table, ReminderRecord.__table__)), records)
    append_entries(session, bookings, effective_date=as_of, reminders_sent=sent)
