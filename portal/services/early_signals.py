"""Raise early signals (vroegsignalering) from the municipality's own arrears, every night.

Gathers one `DebtorFacts` per debtor with overdue claims in a few grouped queries, asks the pure
rules (portal/domain/early_signals.py) which reasons apply, and raises a Signal for each.
Idempotent: at most one open signal per debtor and reason (the table enforces it), so running
it twice on the same day raises nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
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
from portal.services.signals import raise_signal

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


def debtor_facts(
    session: Session, rules: RulePack, thresholds: SignalRules, *, as_of: date
) -> list[DebtorFacts]:
    """The facts of every debtor with at least one overdue claim that collection may act on."""
    zone = ZoneInfo(rules.timezone)
    claims = _overdue_claims(session, thresholds, as_of)
    ids = sorted(claims)
    contacts: dict[int, date] = {}
    for chunk in _chunks(ids):
        contacts.update(last_contact_days(session, chunk, zone))
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
    facts = debtor_facts(session, rules, limits, as_of=as_of)
    already_open = _open_pairs(session, [f.debtor_id for f in facts])
    counts = {CHECKED: len(facts), **dict.fromkeys(RULE_REASONS, 0)}
    for debtor in facts:
        for reason in sorted(signals_for(debtor, limits, as_of)):
            if (debtor.debtor_id, reason) in already_open:
                continue  # raise_signal would return it unchanged; skip the query
            raise_signal(session, debtor.debtor_id, reason, now=moment)
            counts[reason] += 1
    return counts
