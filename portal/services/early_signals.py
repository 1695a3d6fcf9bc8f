"""Raise early signals (vroegsignalering) from the municipality's own arrears, every night.

Gathers one `DebtorFacts` per debtor with overdue claims in a few grouped queries, asks the pure
rules (portal/domain/early_signals.py) which reasons apply, and raises a Signal for each.
Idempotent: at most one open signal per debtor and reason (the table enforces it), so running
it twice on the same day raises nothing new.

Set-based, for a city of a million claims: debtors are handled in chunks of `CHUNK`; per chunk
one query each for contacts, closed and open signals, and one batched (executemany)
`INSERT ... ON CONFLICT DO NOTHING RETURNING` for the new signals (the partial unique index
`uq_signal_open_reason` turns a concurrent run's signal into a no-op instead of an error). The
rows are the ones `signals.raise_signal` would write (state "open", `raised_at` = now).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from portal.domain.early_signals import RULE_REASONS
from portal.domain.early_signals import DebtorFacts
from portal.domain.early_signals import OverdueClaim
from portal.domain.early_signals import signals_for
from portal.domain.rules.base import RulePack
from portal.domain.rules.signal_rules import SignalRules
from portal.domain.rules.signal_rules import signal_rules_for
from portal.models import Claim
from portal.models import CollectionHold
from portal.models import Signal
from portal.services.contact_log import last_contact_days

#: ids per IN (...) list: well below SQLite's and PostgreSQL's parameter limits
CHUNK = 500
CHECKED = "debtors_checked"


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _overdue_claims(
    session: Session, thresholds: SignalRules, as_of: date
) -> dict[int, list[OverdueClaim]]:
    """Per debtor: claims past due (plus grace) that collection may act on (no active hold)."""
    cutoff = as_of - timedelta(days=thresholds.overdue_grace_days)
    balance = Claim.principal_due + Claim.fee_due + Claim.interest_due
    held = exists().where(
        CollectionHold.claim_id == Claim.id,
        CollectionHold.starts_on <= as_of,
        CollectionHold.ends_on.is_(None) | (CollectionHold.ends_on > as_of),
    )
    rows = session.execute(
        select(Claim.debtor_id, Claim.due_date, balance)
        .where(
            balance > 0,
            Claim.due_date < cutoff,
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
            ~held,
        )
        .order_by(Claim.debtor_id, Claim.due_date)
    ).all()
    found: dict[int, list[OverdueClaim]] = {}
    for debtor_id, due_date, amount in rows:
        found.setdefault(debtor_id, []).append(OverdueClaim(due_date, int(amount)))
    return found


def _last_closed(session: Session, debtor_ids: Sequence[int]) -> dict[int, dict[str, datetime]]:
    found: dict[int, dict[str, datetime]] = {}
    for chunk in _chunks(debtor_ids):
        rows = session.execute(
            select(Signal.debtor_id, Signal.reason, func.max(Signal.closed_at))
            .where(
                Signal.debtor_id.in_(chunk),
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
    pairs: set[tuple[int, str]] = set()
    for chunk in _chunks(debtor_ids):
        pairs.update(
            (debtor_id, reason)
            for debtor_id, reason in session.execute(
                select(Signal.debtor_id, Signal.reason).where(
                    Signal.debtor_id.in_(chunk), Signal.state == "open"
                )
            ).all()
        )
    return pairs


def _facts(
    session: Session,
    zone: ZoneInfo,
    claims: dict[int, list[OverdueClaim]],
    ids: Sequence[int],
) -> list[DebtorFacts]:
    """The facts of the debtors `ids` (at most CHUNK of them): two queries."""
    contacts = last_contact_days(session, ids, zone)
    closed = _last_closed(session, ids)
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


def _facts_in_chunks(
    session: Session, rules: RulePack, thresholds: SignalRules, *, as_of: date
) -> Iterator[list[DebtorFacts]]:
    zone = ZoneInfo(rules.timezone)
    claims = _overdue_claims(session, thresholds, as_of)
    for chunk in _chunks(sorted(claims)):
        yield _facts(session, zone, claims, chunk)


def debtor_facts(
    session: Session, rules: RulePack, thresholds: SignalRules, *, as_of: date
) -> list[DebtorFacts]:
    """The facts of every debtor with at least one overdue claim that collection may act on."""
    return [
        debtor
        for chunk in _facts_in_chunks(session, rules, thresholds, as_of=as_of)
        for debtor in chunk
    ]


def _insert_open(
    session: Session, pairs: Sequence[tuple[int, str]], moment: datetime
) -> list[tuple[int, str]]:
    """Insert open signals for `pairs`, batched; a pair that is open already (a concurrent
    run) is skipped by the partial unique index. Returns the pairs inserted."""
    if not pairs:
        return []
    rows = [
        {"debtor_id": debtor_id, "reason": reason, "state": "open", "raised_at": moment}
        for debtor_id, reason in pairs
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A Core executemany ("insertmanyvalues": batched, compiled once), not `.values(rows)`:
    # compiling a fresh multi-row VALUES per chunk cost more than the inserts themselves.
    statement = (
        insert(cast(Table, Signal.__table__))
        .on_conflict_do_nothing()
        .returning(Signal.__table__.c.debtor_id, Signal.__table__.c.reason)
    )
    return [(debtor_id, reason) for debtor_id, reason in session.execute(statement, rows).all()]


def raise_early_signals(
    session: Session,
    rules: RulePack,
    *,
    as_of: date,
    now: datetime | None = None,
    thresholds: SignalRules | None = None,
) -> dict[str, int]:
    """Raise the signals the rules give for `as_of`; returns how many debtors were checked and
    how many signals were newly raised per reason (0 on a second run the same day)."""
    limits = thresholds or signal_rules_for(rules.code)
    moment = now or datetime.now(UTC)
    counts = {CHECKED: 0, **dict.fromkeys(RULE_REASONS, 0)}
    session.flush()  # the inserts below go around the unit of work
    for facts in _facts_in_chunks(session, rules, limits, as_of=as_of):
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
