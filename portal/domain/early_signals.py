"""Which early signals a debtor's situation raises: a pure function over facts and thresholds.

The service (portal/services/early_signals.py) gathers one `DebtorFacts` per debtor with a few
grouped queries and raises a Signal for each reason returned here. Rules:

- several arrears: at least `min_overdue_claims` claims past due (plus a grace period) and
  not paused by a hold;
- large debt, no contact: at least `large_debt` overdue and no logged contact for
  `no_contact_days` (when there never was contact: since the oldest overdue due date).

A reason whose last signal was closed less than `cooldown_days` ago is not raised again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from portal.domain.rules.signal_rules import SignalRules

#: the same codes as portal.services.signals (a test keeps them equal)
SEVERAL_ARREARS = "several_arrears"
LARGE_DEBT_NO_CONTACT = "large_debt_no_contact"

#: the reasons these rules can raise, in the order the worklist explains them
RULE_REASONS: tuple[str, ...] = (SEVERAL_ARREARS, LARGE_DEBT_NO_CONTACT)


@dataclass(frozen=True)
class OverdueClaim:
    """A claim with a balance, not paused, not with the collector, not cancelled."""

    due_date: date
    balance: int


@dataclass(frozen=True)
class DebtorFacts:
    debtor_id: int
    #: the debtor's open claims that collection may act on (no active hold)
    open_claims: tuple[OverdueClaim, ...] = ()
    #: the last logged contact (call, desk visit, letter, e-mail), as a day
    last_contact_on: date | None = None
    #: per reason: the day its last signal was closed
    last_closed_on: Mapping[str, date] = field(default_factory=dict, hash=False)


def overdue(facts: DebtorFacts, rules: SignalRules, as_of: date) -> tuple[OverdueClaim, ...]:
    """The claims past their due date plus the grace period on `as_of`."""
    return tuple(
        claim
        for claim in facts.open_claims
        if claim.balance > 0 and (as_of - claim.due_date).days > rules.overdue_grace_days
    )


def _cooling_down(facts: DebtorFacts, reason: str, rules: SignalRules, as_of: date) -> bool:
    closed = facts.last_closed_on.get(reason)
    return closed is not None and (as_of - closed).days < rules.cooldown_days


def _no_recent_contact(
    facts: DebtorFacts, late: tuple[OverdueClaim, ...], rules: SignalRules, as_of: date
) -> bool:
    since = facts.last_contact_on or min(claim.due_date for claim in late)
    return (as_of - since).days >= rules.no_contact_days


def signals_for(facts: DebtorFacts, rules: SignalRules, as_of: date) -> frozenset[str]:
    """The reasons to contact this debtor on `as_of` (empty: none)."""
    late = overdue(facts, rules, as_of)
    if not late:
        return frozenset()
    reasons = set()
    if len(late) >= rules.min_overdue_claims:
        reasons.add(SEVERAL_ARREARS)
    if sum(c.balance for c in late) >= rules.large_debt and _no_recent_contact(
        facts, late, rules, as_of
    ):
        reasons.add(LARGE_DEBT_NO_CONTACT)
    return frozenset(r for r in reasons if not _cooling_down(facts, r, rules, as_of))
