"""Dunning: which reminder is due for a claim on a day, and what it may cost.

Pure: the daily batch (a later session) gathers the facts, calls `next_reminder`, and acts on
the decision. Idempotency is per action (claim + reminder number, decisions.md "Time"): once
the batch records reminder n (reminders_sent + 1, last_reminder_on = as_of), the same call on
the same day returns None.

Decisions:
- None: nothing is due today (the first reminder waits `first_reminder_after_days` after the
  due date; a later one `min_gap_days` after the previous one).
- CHARGE: send reminder `sequence` and post `fee` (0 for a free reminder).
- SUPPRESS: do not send it; the claim is under a hold, or in a plan while the pack charges no
  fees during plans. Record a SuppressedCharge(fee, reason) when fee > 0; the reminder number
  does not advance, so the same decision comes back each day until the hold ends (the batch
  keys the SuppressedCharge on claim + sequence).
- SKIP: a reminder would be due by the calendar but a rule says no (reason code).

Fee rules (numbers and sources in rules/dunning_tables.py, decisions.md "Money and rules"):
- DK udpantningsret: ≤ 250 kr per reminder [GBL]; DK private law: ≤ 100 kr, at most 3,
  10 days apart [RL]; DK public law without udpantningsret: no fee ⚠.
- NL taxes: the Kostenwet aanmaning band on the principal [DCN]; NL private law: a free 14-day
  letter, then the WIK amount on the principal, once in total [BIK]; NL other public law:
  free reminders (example).
- BE retributies (Boek XIX): the first reminder free, then the €25 registered aanmaning
  [GENT2], never above what is left under the Boek XIX lump-sum cap [XIX]; BE taxes and
  fines: no fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from enum import StrEnum

from portal.domain.interest import divide_half_up
from portal.domain.rules import get_rule_pack
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.dunning_tables import NL_AANMANING_HIGH
from portal.domain.rules.dunning_tables import NL_AANMANING_LOW
from portal.domain.rules.dunning_tables import NL_AANMANING_THRESHOLD
from portal.domain.rules.dunning_tables import WIK_BANDS
from portal.domain.rules.dunning_tables import WIK_MAXIMUM
from portal.domain.rules.dunning_tables import WIK_MINIMUM
from portal.domain.rules.dunning_tables import XIX_HIGH_BASE
from portal.domain.rules.dunning_tables import XIX_HIGH_RATE_BP
from portal.domain.rules.dunning_tables import XIX_LOW_AMOUNT
from portal.domain.rules.dunning_tables import XIX_LOW_LIMIT
from portal.domain.rules.dunning_tables import XIX_MAXIMUM
from portal.domain.rules.dunning_tables import XIX_MID_BASE
from portal.domain.rules.dunning_tables import XIX_MID_LIMIT
from portal.domain.rules.dunning_tables import XIX_MID_RATE_BP
from portal.domain.rules.dunning_tables import DunningTable
from portal.domain.rules.dunning_tables import FeeRegime
from portal.domain.rules.dunning_tables import RegimeTable
from portal.domain.rules.dunning_tables import dunning_table


class Action(StrEnum):
    CHARGE = "charge"
    SUPPRESS = "suppress"
    SKIP = "skip"


class SuppressReason(StrEnum):
    HOLD = "hold"  # any CollectionHold
    IN_PLAN = "in_plan"  # in a plan and the pack charges no fees during plans
    SOCIAL_STATUS = "social_status"  # in a plan while a social status flag is active (issue 8)


class SkipReason(StrEnum):
    CANCELLED = "cancelled"
    HANDED_OVER = "handed_over"
    ZERO_BALANCE = "zero_balance"
    BELOW_MINIMUM = "below_minimum"
    MAX_REMINDERS = "max_reminders"
    TOO_SOON = "too_soon"  # BE: the Boek XIX wait across a weekend is longer than the gap


@dataclass(frozen=True)
class DunningFacts:
    """What the ledger, holds and plans say about one claim on the batch day.

    `paused` is any CollectionHold. When the only hold is the plan's own, pass paused=False
    and in_plan=True so that `fees_during_plan` (the pack setting) decides.
    `fees_charged`: dunning fees already charged on this claim (not suppressed ones); the WIK
    amount and the Boek XIX cap are totals, so later fees only fill what is left.
    """

    legal_basis: LegalBasis
    has_execution_right: bool
    balance: int  # principal + fees + interest still open
    principal: int  # principal still open
    due_date: date
    reminders_sent: int = 0
    last_reminder_on: date | None = None
    paused: bool = False
    in_plan: bool = False
    fees_during_plan: bool = False
    handed_over: bool = False
    cancelled: bool = False
    fees_charged: int = 0

    def __post_init__(self) -> None:
        if self.balance < 0 or self.principal < 0 or self.fees_charged < 0:
            raise ValueError("balance, principal and fees_charged are never negative")
        if self.principal > self.balance:
            raise ValueError("principal is part of the balance")
        if self.reminders_sent < 0:
            raise ValueError("reminders_sent must be >= 0")
        if (self.reminders_sent > 0) != (self.last_reminder_on is not None):
            raise ValueError("last_reminder_on is set exactly when a reminder was sent")


@dataclass(frozen=True)
class ReminderDecision:
    action: Action
    #: The reminder number this decision is about (reminders_sent + 1).
    sequence: int
    #: Minor units; charged (CHARGE), recorded as avoided (SUPPRESS), or 0 (SKIP).
    fee: int
    reason: SuppressReason | SkipReason | None = None

    @property
    def sends_letter(self) -> bool:
        return self.action is Action.CHARGE


def fee_regime(country: str, legal_basis: LegalBasis, has_execution_right: bool) -> FeeRegime:
    """The fee law for a claim type in the pack `country` ("dk", "nl", "be")."""
    code = country.strip().lower()
    basis = LegalBasis(legal_basis)
    if code == "dk":
        if has_execution_right:
            return FeeRegime.DK_EXECUTION
        return FeeRegime.DK_PRIVATE if basis is LegalBasis.PRIVATE_LAW else FeeRegime.DK_NO_FEE
    if code == "nl":
        if basis is LegalBasis.TAX:
            return FeeRegime.NL_TAX
        return FeeRegime.NL_PRIVATE if basis is LegalBasis.PRIVATE_LAW else FeeRegime.NL_NO_FEE
    if code == "be":
        # Retributies are private law under Boek XIX [GENT2]; taxes and fines are not.
        return FeeRegime.BE_XIX if basis is LegalBasis.PRIVATE_LAW else FeeRegime.BE_NO_FEE
    raise ValueError(f"unknown rule pack: {country!r}")


def _banded(amount: int, bands: tuple[tuple[int | None, int], ...]) -> int:
    """Sum of rate_bp over the part of `amount` in each band, rounded half up once."""
    total, rest = 0, amount
    for width, rate_bp in bands:
        part = rest if width is None else min(rest, width)
        total += part * rate_bp
        rest -= part
        if rest <= 0:
            break
    return divide_half_up(total, 10_000)


def wik_amount(principal: int) -> int:
    """Dutch WIK collection costs on a principal [BIK] art. 2: 15 % of the first €2,500,
    10 % of the next €2,500, 5 % of the next €5,000, 1 % of the next €190,000, 0.5 % above;
    at least €40, at most €6,775. Half up to whole cents. 0 for no principal."""
    if principal <= 0:
        return 0
    amount = _banded(principal, tuple((b.width, b.rate_bp) for b in WIK_BANDS))
    return min(max(amount, WIK_MINIMUM.value), WIK_MAXIMUM.value)


def boek_xix_cap(balance: int) -> int:
    """Belgian Boek XIX maximum lump-sum damages on an outstanding balance [XIX]:
    ≤ €150 → €20; €150.01-500 → €30 + 10 % above €150; > €500 → €65 + 5 % above €500,
    at most €2,000 (€400 → €55; €1,000 → €90). Half up to whole cents. 0 for no balance."""
    if balance <= 0:
        return 0
    if balance <= XIX_LOW_LIMIT.value:
        return XIX_LOW_AMOUNT.value
    if balance <= XIX_MID_LIMIT.value:
        above = balance - XIX_LOW_LIMIT.value
        return XIX_MID_BASE.value + divide_half_up(above * XIX_MID_RATE_BP.value, 10_000)
    above = balance - XIX_MID_LIMIT.value
    amount = XIX_HIGH_BASE.value + divide_half_up(above * XIX_HIGH_RATE_BP.value, 10_000)
    return min(amount, XIX_MAXIMUM.value)


def nl_aanmaning_fee(principal: int) -> int:
    """Kostenwet aanmaning [DCN] 2022: €8 for a claim below €454, €18 from €454."""
    if principal < NL_AANMANING_THRESHOLD.value:
        return NL_AANMANING_LOW.value
    return NL_AANMANING_HIGH.value


def reminder_fee(facts: DunningFacts, regime: FeeRegime, rules: RegimeTable, sequence: int) -> int:
    """Fee for reminder `sequence` (1-based); never negative, never above the legal cap."""
    if sequence <= rules.free_reminders.value:
        return 0
    if regime is FeeRegime.NL_TAX:
        fee = nl_aanmaning_fee(facts.principal)
    elif regime is FeeRegime.NL_PRIVATE:
        # One WIK amount in total on the principal still open ([BIK]: a lump sum).
        fee = wik_amount(facts.principal) - facts.fees_charged
    elif regime is FeeRegime.BE_XIX:
        # The €25 only while it fits under the Boek XIX lump-sum cap on the principal.
        fee = min(rules.fee.value, boek_xix_cap(facts.principal) - facts.fees_charged)
    else:
        fee = rules.fee.value
    if rules.cap is not None:
        fee = min(fee, rules.cap.value)
    return max(fee, 0)


def add_working_days(start: date, days: int) -> date:
    """`start` plus `days` working days (Monday-Friday). ⚠ Public holidays are not known here,
    so a holiday in between shortens the real wait; the gap of 17 days covers most cases."""
    current = start
    for _ in range(days):
        current += timedelta(days=1)
        while current.weekday() >= 5:
            current += timedelta(days=1)
    return current


def _calendar_due_on(facts: DunningFacts, table: DunningTable) -> date:
    if facts.last_reminder_on is None:
        return facts.due_date + timedelta(days=table.first_reminder_after_days.value)
    return facts.last_reminder_on + timedelta(days=table.min_gap_days.value)


def _legal_wait_over(facts: DunningFacts, table: DunningTable, as_of: date) -> bool:
    """BE [XIX]: 14 calendar days from the 3rd working day after the previous letter."""
    if facts.last_reminder_on is None or table.notice_days.value == 0:
        return True
    posted = add_working_days(facts.last_reminder_on, table.posting_working_days.value)
    return as_of >= posted + timedelta(days=table.notice_days.value)


def _skip(sequence: int, reason: SkipReason) -> ReminderDecision:
    return ReminderDecision(Action.SKIP, sequence, 0, reason)


def next_reminder(facts: DunningFacts, country: str, *, as_of: date) -> ReminderDecision | None:
    """The reminder decision for one claim on `as_of` in the pack `country` (see module doc)."""
    table = dunning_table(country, as_of)
    if as_of < _calendar_due_on(facts, table):
        return None
    sequence = facts.reminders_sent + 1
    regime = fee_regime(country, facts.legal_basis, facts.has_execution_right)
    rules = table.regime(regime)
    if facts.cancelled:
        return _skip(sequence, SkipReason.CANCELLED)
    if facts.handed_over:
        return _skip(sequence, SkipReason.HANDED_OVER)
    if facts.balance == 0:
        return _skip(sequence, SkipReason.ZERO_BALANCE)
    if facts.balance < get_rule_pack(country).minimum_collected_amount:
        return _skip(sequence, SkipReason.BELOW_MINIMUM)
    if facts.reminders_sent >= rules.max_reminders.value:
        return _skip(sequence, SkipReason.MAX_REMINDERS)
    if not _legal_wait_over(facts, table, as_of):
        return _skip(sequence, SkipReason.TOO_SOON)
    fee = reminder_fee(facts, regime, rules, sequence)
    if facts.paused:
        return ReminderDecision(Action.SUPPRESS, sequence, fee, SuppressReason.HOLD)
    if facts.in_plan and not facts.fees_during_plan:
        return ReminderDecision(Action.SUPPRESS, sequence, fee, SuppressReason.IN_PLAN)
    return ReminderDecision(Action.CHARGE, sequence, fee)
