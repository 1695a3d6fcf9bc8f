"""Is a claim ready to hand over to the external collector? ONE pure function (decisions.md).

Every failed condition is reported, not only the first, so a caseworker sees at once what is
missing. Conditions (numbers in rules/dunning_tables.py):
- the reminders have run (DK [GIL] § 2 stk. 3 "the usual reminder procedure has failed");
- a written prior notice was sent at least N days before (DK [GIL] § 2 stk. 4);
- no CollectionHold and no open signal for the debtor (decisions.md);
- not handed over already, not cancelled, something left to collect;
- DK: at least 100 kr incl. interest and fees [GIL] § 2, and not a fortrinsberettiget claim
  (the kommune collects those itself since lov nr. 114/2017, domain-rules.md §2.5).
The prevention issue extends this function; add reasons, do not add a second function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from enum import StrEnum

from portal.domain.rules.dunning_tables import dunning_table


class HandoverBlock(StrEnum):
    REMINDERS_NOT_RUN = "reminders_not_run"
    NO_PRIOR_NOTICE = "no_prior_notice"
    PRIOR_NOTICE_TOO_RECENT = "prior_notice_too_recent"
    ON_HOLD = "on_hold"
    OPEN_SIGNAL = "open_signal"
    HANDED_OVER = "handed_over"
    CANCELLED = "cancelled"
    ZERO_BALANCE = "zero_balance"
    BELOW_MINIMUM = "below_minimum"
    PREFERENTIAL = "preferential"


@dataclass(frozen=True)
class HandoverFacts:
    """One claim on the day of the check. `on_hold`: any CollectionHold on the claim;
    `open_signal`: the debtor has an open early-signalling Signal."""

    balance: int  # principal + fees + interest still open
    reminders_sent: int
    prior_notice_sent_on: date | None
    on_hold: bool = False
    open_signal: bool = False
    handed_over: bool = False
    cancelled: bool = False
    preferential: bool = False

    def __post_init__(self) -> None:
        if self.balance < 0 or self.reminders_sent < 0:
            raise ValueError("balance and reminders_sent are never negative")


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[HandoverBlock, ...]


def handover_eligible(facts: HandoverFacts, country: str, as_of: date) -> Eligibility:
    """Eligibility on `as_of` in the pack `country`, with every reason it fails."""
    table = dunning_table(country, as_of)
    reasons: list[HandoverBlock] = []
    if facts.reminders_sent < table.handover_required_reminders.value:
        reasons.append(HandoverBlock.REMINDERS_NOT_RUN)
    if facts.prior_notice_sent_on is None:
        reasons.append(HandoverBlock.NO_PRIOR_NOTICE)
    elif as_of < facts.prior_notice_sent_on + timedelta(
        days=table.handover_prior_notice_days.value
    ):
        reasons.append(HandoverBlock.PRIOR_NOTICE_TOO_RECENT)
    if facts.on_hold:
        reasons.append(HandoverBlock.ON_HOLD)
    if facts.open_signal:
        reasons.append(HandoverBlock.OPEN_SIGNAL)
    if facts.handed_over:
        reasons.append(HandoverBlock.HANDED_OVER)
    if facts.cancelled:
        reasons.append(HandoverBlock.CANCELLED)
    if facts.balance == 0:
        reasons.append(HandoverBlock.ZERO_BALANCE)
    elif facts.balance < table.handover_minimum_balance.value:
        reasons.append(HandoverBlock.BELOW_MINIMUM)
    if facts.preferential and table.handover_excludes_preferential:
        reasons.append(HandoverBlock.PREFERENTIAL)
    return Eligibility(eligible=not reasons, reasons=tuple(reasons))
