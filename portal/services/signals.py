"""Early signalling (vroegsignalering, tidlig opsporing): a reason to contact a debtor early.

At most one signal is open per debtor and reason (decisions.md): raising it again returns the
open one, so the rules that raise signals may run every night. Each issue adds its reasons to
`SIGNAL_REASONS`. A debtor with an open signal is not eligible for hand-over to the collector.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import Signal
from portal.services import audit
from portal.services.audit import Actor

#: several claims in arrears at once
SEVERAL_ARREARS = "several_arrears"
#: a payment plan was broken
PLAN_DEFAULTED = "plan_defaulted"
#: a remission application was started and abandoned
REMISSION_DROPOUT = "remission_dropout"
#: a large debt and no contact with the debtor
LARGE_DEBT_NO_CONTACT = "large_debt_no_contact"
#: a direct debit came back unpaid
RETURNED_DEBIT = "returned_debit"

#: Every reason Saldo knows. Add a constant above and a line here for a new reason.
SIGNAL_REASONS: frozenset[str] = frozenset(
    {SEVERAL_ARREARS, PLAN_DEFAULTED, REMISSION_DROPOUT, LARGE_DEBT_NO_CONTACT, RETURNED_DEBIT}
)


class UnknownSignalReason(ValueError):
    """A reason that is not in SIGNAL_REASONS."""


class SignalNotOpen(ValueError):
    """The signal was already closed."""


def _find_open(session: Session, debtor_id: int, reason: str) -> Signal | None:
    return session.scalar(
        select(Signal).where(
            Signal.debtor_id == debtor_id, Signal.reason == reason, Signal.state == "open"
        )
    )


def raise_signal(session: Session, debtor_id: int, reason: str, *, now: datetime) -> Signal:
    """Open a signal for the debtor, or return the open one with the same reason."""
    if reason not in SIGNAL_REASONS:
        raise UnknownSignalReason(f"unknown signal reason {reason!r}")
    existing = _find_open(session, debtor_id, reason)
    if existing is not None:
        return existing
    signal = Signal(debtor_id=debtor_id, reason=reason, state="open", raised_at=now)
    try:
        with session.begin_nested():
            session.add(signal)
            session.flush()
    except IntegrityError:
        # A concurrent run raised the same signal first (partial unique index): use that one.
        existing = _find_open(session, debtor_id, reason)
        if existing is None:
            raise
        return existing
    return signal


def close_signal(
    session: Session,
    signal: Signal,
    *,
    outcome: str,
    staff_user_id: int | None,
    now: datetime,
) -> Signal:
    """Close the signal with its outcome (e.g. "contacted", "plan_agreed"). Audited."""
    if not outcome or not outcome.strip() or len(outcome) > 40:
        raise ValueError("outcome must be 1-40 characters")
    if signal.state != "open":
        raise SignalNotOpen(f"signal {signal.id} is {signal.state}")
    signal.state = "closed"
    signal.outcome = outcome
    signal.closed_at = now
    signal.closed_by_id = staff_user_id
    actor = Actor.staff(staff_user_id) if staff_user_id is not None else Actor.system()
    audit.record(
        session,
        actor,
        "signal.closed",
        object_type="signal",
        object_id=signal.id,
        debtor_id=signal.debtor_id,
        reason=signal.reason,
        outcome=outcome,
    )
    return signal


def open_signals(session: Session, debtor_id: int | None = None) -> list[Signal]:
    """Open signals, oldest first; only the debtor's when `debtor_id` is given."""
    query = select(Signal).where(Signal.state == "open")
    if debtor_id is not None:
        query = query.where(Signal.debtor_id == debtor_id)
    return list(session.scalars(query.order_by(Signal.raised_at, Signal.id)))
