"""Interest on overdue municipal claims, in integer minor units.

Only one rule is charged in Saldo today: DK claims with udpantningsret whose claim type bears
interest (the council decided so) — 1 % per started month from the due date, no interest on
interest ✔ [GBL] § 3, [RES] (domain-rules.md §2.2).

No interest elsewhere, on purpose:
- NL: municipal taxes carry `bears_interest=False` in the pack (invorderingsrente is a council
  choice). The private-law types are flagged for wettelijke rente (BW 6:119), but no dated rate
  table is loaded, so none is charged.
- BE: interest on retributies is capped at the B2B late-payment rate, which changes per period
  [XIX]; no rate table is loaded, so it is off by default. Taxes and fines: none.
- DK private law (renteloven § 5, Nationalbanken's rate + 8 pp, day by day) and the rate under
  recovery (GIL § 5) need a dated rate table too; not charged by the municipality here.

Rounding: half up to whole minor units (øre, cents), once, on the total — so a catch-up run and
a daily run give the same total.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from portal.domain.rules.dunning_tables import DK_INTEREST_BP_PER_STARTED_MONTH


class InterestKind(StrEnum):
    DK_STARTED_MONTH = "dk_started_month"


@dataclass(frozen=True)
class InterestRule:
    """How interest accrues: `rate_bp` basis points of principal per period of `kind`."""

    kind: InterestKind
    rate_bp: int
    source: str


DK_GEBYRLOVEN = InterestRule(
    InterestKind.DK_STARTED_MONTH,
    DK_INTEREST_BP_PER_STARTED_MONTH.value,
    DK_INTEREST_BP_PER_STARTED_MONTH.source,
)


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for numerator >= 0 and denominator > 0."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("divide_half_up takes numerator >= 0 and denominator > 0")
    return (2 * numerator + denominator) // (2 * denominator)


def interest_rule(
    pack_code: str, *, has_execution_right: bool, bears_interest: bool
) -> InterestRule | None:
    """The rule for a claim type, or None when Saldo charges no interest on it (see above)."""
    if pack_code.strip().lower() == "dk" and has_execution_right and bears_interest:
        return DK_GEBYRLOVEN
    return None


def add_months(start: date, months: int) -> date:
    """`start` plus whole months; a day that does not exist becomes the month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def dk_started_months(due: date, on: date) -> int:
    """Started months from `due` to `on`, the first starting on the due date itself.

    Months run from the due date, not by calendar month: due 15 Jan → 15 Jan-14 Feb is the
    first, 15 Feb-14 Mar the second, 15 Mar-14 Apr the third ([GBL] § 3, [RES]). A due date
    on the 31st starts the next month on the last day of a shorter month ⚠ (our choice).
    """
    if on < due:
        return 0
    months = (on.year - due.year) * 12 + on.month - due.month
    if add_months(due, months) > on:
        months -= 1
    return months + 1


def interest_due(principal: int, due: date, as_of: date, rule: InterestRule | None) -> int:
    """Total interest accrued on `principal` up to and including `as_of`.

    Nothing while the claim is not overdue: a payment on the due date is on time. From the day
    after, every started month counts — including the first, which began on the due date.
    Example ([GBL] via domain-rules.md §2.2): 5,000 kr due 15 Jan, on 20 Mar → 3 months → 150 kr.
    Interest is on principal only (no interest on interest, [RES]).
    """
    if rule is None or principal <= 0 or as_of <= due:
        return 0
    months = dk_started_months(due, as_of)
    return divide_half_up(principal * rule.rate_bp * months, 10_000)


def interest_to_post(
    already_posted: int, principal: int, due: date, as_of: date, rule: InterestRule | None
) -> int:
    """What a batch posts on `as_of`: accrued minus already posted, never negative.

    Idempotent catch-up: run twice on one day, the second run posts 0; skip a week, the next
    run posts the whole difference. After a part payment lowers the principal, the total on
    the lower principal may be below what was posted: nothing is posted until it passes it,
    and nothing is reversed (never more than the law allows; it may be less ⚠ — exact
    per-month accrual on the principal at each month's start needs the ledger history).
    """
    if already_posted < 0:
        raise ValueError("already_posted must be >= 0")
    return max(0, interest_due(principal, due, as_of, rule) - already_posted)
