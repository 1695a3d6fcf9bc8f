"""The status a citizen sees for one claim, derived from facts and never stored.

decisions.md ("CollectionHold"): the status is derived from ledger + holds + plan, so it can
never disagree with them. The precedence below puts the fact that matters most to the
citizen first: a claim that is gone, then a claim that is settled, then who is handling it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class CitizenStatus(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    REMINDED = "reminded"
    PAYMENT_PENDING = "payment_pending"
    IN_PLAN = "in_plan"
    PAUSED = "paused"
    WITH_COLLECTOR = "with_collector"
    PAID = "paid"
    REMITTED = "remitted"
    WRITTEN_OFF = "written_off"
    CANCELLED = "cancelled"


#: How a zero balance came about, for `ClaimFacts.settled_by`.
SETTLED_BY_STATUS: dict[str, CitizenStatus] = {
    "payment": CitizenStatus.PAID,
    "remission": CitizenStatus.REMITTED,
    "write_off": CitizenStatus.WRITTEN_OFF,
}

#: Hold reasons that have their own status and so do not show as "paused".
HOLD_PLAN = "plan"
HOLD_PAYMENT_PENDING = "payment_pending"
_OWN_STATUS_HOLDS = frozenset({HOLD_PLAN, HOLD_PAYMENT_PENDING})


@dataclass(frozen=True)
class ClaimFacts:
    """What the ledger, holds and plans say about one claim on one day."""

    balance: int
    due_date: date
    reminders_sent: int = 0
    hold_reasons: frozenset[str] = frozenset()
    in_active_plan: bool = False
    handed_over: bool = False
    cancelled: bool = False
    settled_by: str | None = None  # "payment" | "remission" | "write_off" for a zero balance
    payment_pending: bool = False

    def __post_init__(self) -> None:
        # A surplus is a credit on the debtor account, never a negative claim (decisions.md).
        if self.balance < 0:
            raise ValueError("a claim balance is never negative")
        if self.reminders_sent < 0:
            raise ValueError("reminders_sent must be >= 0")
        if self.settled_by is not None and self.settled_by not in SETTLED_BY_STATUS:
            raise ValueError(f"unknown settled_by: {self.settled_by!r}")


def derive_status(facts: ClaimFacts, as_of: date) -> CitizenStatus:
    """Status on `as_of` (a date in the installation's time zone, passed in by the caller).

    Precedence: cancelled > settled (paid / remitted / written off) > with the collector >
    in a plan > paused by a hold > payment pending > reminded > overdue > open.
    """
    if facts.cancelled:
        return CitizenStatus.CANCELLED
    if facts.balance == 0:
        return SETTLED_BY_STATUS.get(facts.settled_by or "payment", CitizenStatus.PAID)
    if facts.handed_over:
        return CitizenStatus.WITH_COLLECTOR
    if facts.in_active_plan:
        return CitizenStatus.IN_PLAN
    if facts.hold_reasons - _OWN_STATUS_HOLDS:
        return CitizenStatus.PAUSED
    if facts.payment_pending or HOLD_PAYMENT_PENDING in facts.hold_reasons:
        return CitizenStatus.PAYMENT_PENDING
    if facts.reminders_sent > 0:
        return CitizenStatus.REMINDED
    if as_of > facts.due_date:
        return CitizenStatus.OVERDUE
    return CitizenStatus.OPEN


#: Statuses in which the citizen is offered "pay now" and "make a plan".
#: PAYMENT_PENDING is left out on purpose: a Checkout session is still open (it expires after
#: about 30 minutes, decisions.md "Payments"), and a second payment would only become a credit
#: to refund.
ACTIONABLE_STATUSES = frozenset({CitizenStatus.OPEN, CitizenStatus.OVERDUE, CitizenStatus.REMINDED})


def is_actionable(status: CitizenStatus) -> bool:
    """Can the citizen pay or propose a plan for a claim in this status?"""
    return status in ACTIONABLE_STATUSES
