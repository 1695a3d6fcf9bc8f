"""Collection holds: why collection on a claim is paused, and from when until when.

Every batch asks `collection_paused` before it charges a fee or takes a step, and records a
`SuppressedCharge` for what it skipped ("costs avoided"). A hold is never deleted: releasing
it sets its end date, so the history of why a claim was paused stays.

Days are half-open: a hold is active on day d iff starts_on <= d and (ends_on is None or
d < ends_on). `ends_on` is the first day collection may go on again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.models import CollectionHold
from portal.models import SuppressedCharge
from portal.models.work import HOLD_REASONS

PLAN = "plan"
REMISSION = "remission"
DEBT_HELP = "debt_help"
DISPUTE = "dispute"
LEGAL_WSNP = "legal_wsnp"
LEGAL_COLLECTIVE_DEBT_SETTLEMENT = "legal_collective_debt_settlement"
LEGAL_GAELDSSANERING = "legal_gaeldssanering"
DEATH = "death"
PAYMENT_PENDING = "payment_pending"

#: The reasons the database accepts (a check constraint; a new reason needs a migration).
HOLD_REASON_SET: frozenset[str] = frozenset(HOLD_REASONS)


class UnknownHoldReason(ValueError):
    """A reason that the collection_hold table does not accept."""


def _active_on(on: date) -> ColumnElement[bool]:
    return (CollectionHold.starts_on <= on) & (
        CollectionHold.ends_on.is_(None) | (CollectionHold.ends_on > on)
    )


def place_hold(
    session: Session,
    claim_id: int,
    reason: str,
    *,
    starts_on: date,
    ends_on: date | None = None,
    source: str,
    reference: str | None = None,
) -> CollectionHold:
    """Pause collection on a claim from `starts_on` until `ends_on` (exclusive; None = until
    released). `source` says what placed it, e.g. "plan:12" or "staff:7".

    Placing the same hold again (same claim, reason and source, not yet released) returns the
    existing one, so a re-run batch or a double-clicked button does not stack holds.
    """
    if reason not in HOLD_REASON_SET:
        raise UnknownHoldReason(f"unknown hold reason {reason!r}")
    if ends_on is not None and ends_on <= starts_on:
        raise ValueError("a hold ends after it starts (ends_on is the first day without it)")
    if not source or len(source) > 60:
        raise ValueError("source must be 1-60 characters")
    if reference is not None and len(reference) > 80:
        raise ValueError("reference is at most 80 characters")
    existing = session.scalar(
        select(CollectionHold).where(
            CollectionHold.claim_id == claim_id,
            CollectionHold.reason == reason,
            CollectionHold.source == source,
            CollectionHold.ends_on.is_(None),
        )
    )
    if existing is not None:
        return existing
    hold = CollectionHold(
        claim_id=claim_id,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        source=source,
        reference=reference,
    )
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: Session, hold: CollectionHold, *, on: date) -> CollectionHold:
    """End the hold: from `on` collection may go on. Never deletes and never extends a hold.

    A hold released before it started gets ends_on = starts_on: it never applied.
    """
    new_end = max(on, hold.starts_on)
    if hold.ends_on is None or new_end < hold.ends_on:
        hold.ends_on = new_end
        session.flush()
    return hold


def collection_paused(session: Session, claim_id: int, on: date) -> bool:
    """Is any hold on the claim active on day `on`?"""
    found = session.scalar(
        select(CollectionHold.id)
        .where(CollectionHold.claim_id == claim_id, _active_on(on))
        .limit(1)
    )
    return found is not None


def active_holds(session: Session, claim_id: int, on: date) -> list[CollectionHold]:
    """The holds active on day `on`, oldest first (for the staff debtor page)."""
    return list(
        session.scalars(
            select(CollectionHold)
            .where(CollectionHold.claim_id == claim_id, _active_on(on))
            .order_by(CollectionHold.starts_on, CollectionHold.id)
        )
    )


def active_hold_reasons(
    session: Session, claim_ids: Sequence[int], on: date
) -> dict[int, frozenset[str]]:
    """For each claim id: the reasons of its holds active on day `on` (empty when none).

    One query for any number of claims (the overview page shows all of a debtor's claims).
    """
    ids = sorted(set(claim_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(CollectionHold.claim_id, CollectionHold.reason)
        .where(CollectionHold.claim_id.in_(ids), _active_on(on))
        .distinct()
    ).all()
    found: dict[int, set[str]] = {claim_id: set() for claim_id in ids}
    for claim_id, reason in rows:
        found[claim_id].add(reason)
    return {claim_id: frozenset(reasons) for claim_id, reasons in found.items()}


def record_suppressed_charge(
    session: Session,
    claim_id: int,
    *,
    amount: int,
    currency: str,
    reason: str,
    action_key: str,
    on_date: date,
) -> SuppressedCharge:
    """Record a fee or step that was skipped ("costs avoided"), once per claim and action.

    `action_key` names the action, e.g. "reminder:2" for the claim's second reminder; a batch
    that runs again for the same action gets the first record back, unchanged.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError("amount is a whole number of minor units, zero or more")
    if len(currency) != 3:
        raise ValueError("currency is an ISO 4217 code")
    if not reason or len(reason) > 40:
        raise ValueError("reason must be 1-40 characters")
    if not action_key or len(action_key) > 60:
        raise ValueError("action_key must be 1-60 characters")
    existing = _find_suppressed(session, claim_id, action_key)
    if existing is not None:
        return existing
    charge = SuppressedCharge(
        claim_id=claim_id,
        amount=amount,
        currency=currency,
        reason=reason,
        action_key=action_key,
        on_date=on_date,
    )
    try:
        with session.begin_nested():
            session.add(charge)
            session.flush()
    except IntegrityError:
        # Only reachable with a unique (claim_id, action_key) index and a concurrent batch.
        existing = _find_suppressed(session, claim_id, action_key)
        if existing is None:
            raise
        return existing
    return charge


def _find_suppressed(session: Session, claim_id: int, action_key: str) -> SuppressedCharge | None:
    return session.scalar(
        select(SuppressedCharge).where(
            SuppressedCharge.claim_id == claim_id, SuppressedCharge.action_key == action_key
        )
    )
