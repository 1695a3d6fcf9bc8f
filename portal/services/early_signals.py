"""Raise early signals (vroegsignalering) from the municipality's own arrears, every night.

The pure rules (portal/domain/early_signals.py, `signals_for`) decide; this service only finds
whom to ask them about and writes the signals. Idempotent: at most one open signal per debtor
and reason (the table enforces it), so running it twice on the same day raises nothing new.

Set-based, for a city of a million claims. One grouped query over the overdue claims (balance,
past due plus grace, not cancelled, not handed over, not under a hold) gives per debtor the
count, the total and the oldest due date, and keeps only the debtors that cross a threshold for
a reason they have no open signal of (`_candidate_query`):

- several arrears: count >= `min_overdue_claims`;
- large debt, no contact: total >= `large_debt`, and the oldest due date is at least
  `no_contact_days` ago or there is a logged contact (the rule counts from the last contact
  when there is one, so any debtor with a contact stays a candidate).

That is a superset of what the rule raises (tests/integration/test_early_signals_prefilter.py
compares it with the rule over every debtor); the cooldown after a closed signal and the exact
contact date are left to the rule. On a normal night a few hundred debtors remain, instead of
every debtor with an overdue claim. For them, per chunk of `CHUNK`: one query each for their
overdue claims, contacts, closed and open signals; the rule decides, and the new signals go in
as one `INSERT ... ON CONFLICT DO NOTHING RETURNING` (the partial unique index
`uq_signal_open_reason` turns a concurrent run's signal into a no-op). The rows are the ones
`signals.raise_signal` would write (state "open", `raised_at` = now).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import null
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.domain.early_signals import LARGE_DEBT_NO_CONTACT
from portal.domain.early_signals import RULE_REASONS
from portal.domain.early_signals import SEVERAL_ARREARS
from portal.domain.early_signals import DebtorFacts
from portal.domain.early_signals import OverdueClaim
from portal.domain.early_signals import signals_for
from portal.domain.rules.base import RulePack
from portal.domain.rules.signal_rules import SignalRules
from portal.domain.rules.signal_rules import signal_rules_for
from portal.models import Claim
from portal.models import CollectionHold
from portal.models import ContactNote
from portal.models import Signal
from portal.services.batch_writes import id_filter
from portal.services.batch_writes import is_postgresql
from portal.services.contact_log import last_contact_days

#: debtors per chunk (IN lists stay well below SQLite's and PostgreSQL's parameter limits)
CHUNK = 500
#: debtors with at least one overdue claim that collection may act on
OVERDUE = "debtors_overdue"
#: debtors whose facts the rule was asked about (the SQL pre-filter's candidates)
CHECKED = "debtors_checked"


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _overdue(thresholds: SignalRules, as_of: date) -> list[ColumnElement[bool]]:
    """A claim past due (plus grace) that collection may act on (no active hold): what
    `domain.early_signals.overdue` counts, given the claim has a balance."""
    cutoff = as_of - timedelta(days=thresholds.overdue_grace_days)
    held = exists().where(
        CollectionHold.claim_id == Claim.id,
        CollectionHold.starts_on <= as_of,
        CollectionHold.ends_on.is_(None) | (CollectionHold.ends_on > as_of),
    )
    return [
        Claim.principal_due + Claim.fee_due + Claim.interest_due > 0,
        Claim.due_date < cutoff,
        Claim.cancelled_on.is_(None),
        Claim.handed_over_on.is_(None),
        ~held,
    ]


def _candidate_query(thresholds: SignalRules, as_of: date) -> Any:
    """Rows (None, number of debtors with overdue claims) and (debtor id, 0) per candidate."""
    balance = Claim.principal_due + Claim.fee_due + Claim.interest_due
    grouped = (
        select(
            Claim.debtor_id.label("debtor_id"),
            func.count().label("late"),
            func.sum(balance).label("total"),
            func.min(Claim.due_date).label("oldest"),
        )
        .where(*_overdue(thresholds, as_of))
        .group_by(Claim.debtor_id)
        .cte("overdue_debtor")
    )

    # Joins rather than correlated EXISTS: PostgreSQL costs an OR of subplans so high that it
    # switches on JIT compilation, which alone took longer than the query.
    flags = (
        select(
            Signal.debtor_id.label("debtor_id"),
            func.max(case((Signal.reason == SEVERAL_ARREARS, 1), else_=0)).label("several"),
            func.max(case((Signal.reason == LARGE_DEBT_NO_CONTACT, 1), else_=0)).label("large"),
        )
        .where(Signal.state == "open")
        .group_by(Signal.debtor_id)
        .subquery("open_flags")
    )
    contacted = select(ContactNote.debtor_id.label("debtor_id")).distinct().subquery("contacted")
    several = and_(
        grouped.c.late >= thresholds.min_overdue_claims, func.coalesce(flags.c.several, 0) == 0
    )
    large = and_(
        grouped.c.total >= thresholds.large_debt,
        or_(
            grouped.c.oldest <= as_of - timedelta(days=thresholds.no_contact_days),
            contacted.c.debtor_id.is_not(None),
        ),
        func.coalesce(flags.c.large, 0) == 0,
    )
    found = (
        select(grouped.c.debtor_id, literal(0))
        .select_from(
            grouped.outerjoin(flags, flags.c.debtor_id == grouped.c.debtor_id).outerjoin(
                contacted, contacted.c.debtor_id == grouped.c.debtor_id
            )
        )
        .where(or_(several, large))
    )
    return union_all(
        select(null().cast(Integer).label("debtor_id"), func.count()).select_from(grouped),
        found,
    )


def candidates(session: Session, thresholds: SignalRules, *, as_of: date) -> tuple[int, list[int]]:
    """(debtors with overdue claims, the debtors the rule may raise a new signal for)."""
    overdue = 0
    found = []
    for debtor_id, number in session.execute(_candidate_query(thresholds, as_of)).all():
        if debtor_id is None:
            overdue = int(number)
        else:
            found.append(int(debtor_id))
    return overdue, sorted(found)


def _overdue_claims(
    session: Session, thresholds: SignalRules, debtor_ids: Sequence[int], as_of: date
) -> dict[int, list[OverdueClaim]]:
    balance = Claim.principal_due + Claim.fee_due + Claim.interest_due
    rows = session.execute(
        select(Claim.debtor_id, Claim.due_date, balance)
        .where(id_filter(session, Claim.debtor_id, debtor_ids), *_overdue(thresholds, as_of))
        .order_by(Claim.debtor_id, Claim.due_date)
    ).all()
    found: dict[int, list[OverdueClaim]] = {}
    for debtor_id, due_date, amount in rows:
        found.setdefault(debtor_id, []).append(OverdueClaim(due_date, int(amount)))
    return found


def _last_closed(session: Session, debtor_ids: Sequence[int]) -> dict[int, dict[str, datetime]]:
    found: dict[int, dict[str, datetime]] = {}
    rows = session.execute(
        select(Signal.debtor_id, Signal.reason, func.max(Signal.closed_at))
        .where(
            id_filter(session, Signal.debtor_id, debtor_ids),
            Signal.state == "closed",
            Signal.reason.in_(RULE_REASONS),
        )
        .group_by(Signal.debtor_id, Signal.reason)
    ).all()
    for debtor_id, reason, closed_at in rows:
        if closed_at is not None:
            found.setdefault(debtor_id, {})[reason] = closed_at
    return found


def _open_pairs(session: Session, debtor_ids: Sequence[int]) -> set[tuple[int, str]]:
    return {
        (debtor_id, reason)
        for debtor_id, reason in session.execute(
            select(Signal.debtor_id, Signal.reason).where(
                id_filter(session, Signal.debtor_id, debtor_ids), Signal.state == "open"
            )
        ).all()
    }


def debtor_facts(
    session: Session,
    rules: RulePack,
    thresholds: SignalRules,
    debtor_ids: Sequence[int],
    *,
    as_of: date,
) -> list[DebtorFacts]:
    """The rule's facts for `debtor_ids` (those with an overdue claim; at most CHUNK)."""
    zone = ZoneInfo(rules.timezone)
    claims = _overdue_claims(session, thresholds, debtor_ids, as_of)
    ids = sorted(claims)
    contacts = last_contact_days(session, ids, zone)
    closed = _last_closed(session, ids) if ids else {}
    return [
        DebtorFacts(
            debtor_id=debtor_id,
            open_claims=tuple(claims[debtor_id]),
            last_contact_on=contacts.get(debtor_id),
            last_closed_on={
                reason: moment.astimezone(zone).date()
                for reason, moment in closed.get(debtor_id, {}).items()
            },
        )
        for debtor_id in ids
    ]


def _insert_open(
    session: Session, pairs: Sequence[tuple[int, str]], moment: datetime
) -> list[tuple[int, str]]:
    """Insert open signals for `pairs` in one statement; a pair that is open already (a
    concurrent run) is skipped by the partial unique index. Returns the pairs inserted."""
    if not pairs:
        return []
    table = cast(Table, Signal.__table__)
    returning = (table.c.debtor_id, table.c.reason)
    if not is_postgresql(session):
        rows = [
            {"debtor_id": debtor_id, "reason": reason, "state": "open", "raised_at": moment}
            for debtor_id, reason in pairs
        ]
        statement = sqlite.insert(table).on_conflict_do_nothing().returning(*returning)
        return [(debtor_id, reason) for debtor_id, reason in session.execute(statement, rows)]
    # PostgreSQL: INSERT ... SELECT FROM unnest(arrays): two array parameters, however many
    # signals (a multi-row VALUES of hundreds of rows cost more to render than to insert).
    wanted = (
        func.unnest(
            bindparam("debtor_ids", [d for d, _ in pairs], type_=postgresql.ARRAY(BigInteger)),
            bindparam("reasons", [r for _, r in pairs], type_=postgresql.ARRAY(String)),
        )
        .table_valued("debtor_id", "reason")
        .render_derived(name="wanted")
    )
    rows_from = select(
        wanted.c.debtor_id,
        wanted.c.reason,
        literal("open", String),
        bindparam("raised_at", moment, type_=table.c.raised_at.type),
    )
    statement = (
        postgresql.insert(table)
        .from_select(["debtor_id", "reason", "state", "raised_at"], rows_from)
        .on_conflict_do_nothing()
        .returning(*returning)
    )
    return [(debtor_id, reason) for debtor_id, reason in session.execute(statement)]


def raise_early_signals(
    session: Session,
    rules: RulePack,
    *,
    as_of: date,
    now: datetime | None = None,
    thresholds: SignalRules | None = None,
) -> dict[str, int]:
    """Raise the signals the rules give for `as_of`; returns how many debtors have overdue
    claims, how many the rule was asked about, and how many signals were newly raised per
    reason (0 on a second run the same day)."""
    limits = thresholds or signal_rules_for(rules.code)
    moment = now or datetime.now(UTC)
    session.flush()  # the query and the inserts below go around the unit of work
    overdue, debtor_ids = candidates(session, limits, as_of=as_of)
    counts = {OVERDUE: overdue, CHECKED: 0, **dict.fromkeys(RULE_REASONS, 0)}
    for chunk in _chunks(debtor_ids):
        facts = debtor_facts(session, rules, limits, chunk, as_of=as_of)
        counts[CHECKED] += len(facts)
        already_open = _open_pairs(session, [f.debtor_id for f in facts])
        wanted = [
            (debtor.debtor_id, reason)
            for debtor in facts
            for reason in sorted(signals_for(debtor, limits, as_of))
            if (debtor.debtor_id, reason) not in already_open
        ]
        for _, reason in _insert_open(session, wanted, moment):
            counts[reason] += 1
    return counts
