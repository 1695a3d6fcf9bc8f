"""The interest step of the daily batch: accrue interest per started month, caught up.

Only claim types whose pack spec bears interest AND for which `domain.interest.interest_rule`
gives a rule (today: DK claims with udpantningsret, 1 % per started month from the due date,
[GBL] § 3) accrue anything; every other claim is left alone.

Idempotent per claim and period (decisions.md "Time"): each run that finds new started months
writes ONE InterestAccrual row covering them (unique on claim + first day of the period), so a
second run the same day finds nothing new and a run after a gap covers the whole gap at once.
The amount is rounded once on the total, as `domain.interest` does: charged months so far ×
rate on the principal still open, minus what was posted before (never negative).

Holds: interest keeps running while the claim is in a plan (DK: a plan does not stop
interest, domain-rules.md §2.2 / decisions.md); under any other hold (dispute, remission,
debt help, legal stop, death, payment pending) the new months are recorded as suppressed
(amount 0, never charged later) and the interest they would have cost as a SuppressedCharge
("interest:<first day>"). A hold that starts or ends between two runs counts for the months
the later run covers (the batch runs daily, so that is at most a day's difference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import cast

from sqlalchemy import Table
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.interest import InterestRule
from portal.domain.interest import add_months
from portal.domain.interest import divide_half_up
from portal.domain.interest import dk_started_months
from portal.domain.interest import interest_rule
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import ClaimType
from portal.models import InterestAccrual
from portal.models.base import utcnow
from portal.services import holds
from portal.services.dunning_batch import Booking
from portal.services.dunning_batch import append_entries
from portal.services.dunning_batch import insert_suppressed

CHUNK = 500
COUNT_KEYS = ("checked", "accrued", "interest_amount", "suppressed")
#: Holds under which interest keeps running (DK: a plan does not stop interest).
INTEREST_CONTINUES: frozenset[str] = frozenset({holds.PLAN})


@dataclass(frozen=True)
class _Accrued:
    covered_until: date | None
    charged_months: int
    posted: int


@dataclass(frozen=True)
class InterestStep:
    """What one claim gets on the batch day: `months` new started months from `start`."""

    start: date
    end: date
    months: int
    amount: int
    suppressed: bool


def interest_rules(rules: RulePack) -> dict[str, InterestRule]:
    """Claim type code -> rule, for the pack's interest-bearing types."""
    found = {}
    for spec in rules.claim_types:
        rule = interest_rule(
            rules.code,
            has_execution_right=spec.has_execution_right,
            bears_interest=spec.bears_interest,
        )
        if rule is not None:
            found[spec.code] = rule
    return found


def next_interest(
    principal: int,
    due: date,
    as_of: date,
    rule: InterestRule,
    accrued: _Accrued,
    *,
    paused: bool,
) -> InterestStep | None:
    """The accrual for the started months not yet covered on `as_of`, or None."""
    if as_of <= due or principal <= 0:
        return None
    started = dk_started_months(due, as_of)
    covered = 0 if accrued.covered_until is None else dk_started_months(due, accrued.covered_until)
    if started <= covered:
        return None
    months = started - covered
    start = add_months(due, covered)
    end = add_months(due, started) - timedelta(days=1)
    total_months = accrued.charged_months + (0 if paused else months)
    if paused:
        would_be = divide_half_up(principal * rule.rate_bp * months, 10_000)
        return InterestStep(start, end, months, would_be, suppressed=True)
    total = divide_half_up(principal * rule.rate_bp * total_months, 10_000)
    return InterestStep(start, end, months, max(0, total - accrued.posted), suppressed=False)


def _accrued(session: Session, claim_ids: Sequence[int]) -> dict[int, _Accrued]:
    rows = session.execute(
        select(
            InterestAccrual.claim_id,
            func.max(InterestAccrual.period_end),
            func.sum(case((InterestAccrual.suppressed, 0), else_=InterestAccrual.months)),
            func.sum(InterestAccrual.amount),
        )
        .where(InterestAccrual.claim_id.in_(claim_ids))
        .group_by(InterestAccrual.claim_id)
    ).all()
    return {
        claim_id: _Accrued(until, int(months or 0), int(posted or 0))
        for claim_id, until, months, posted in rows
    }


def run_interest(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Accrue the interest due on `as_of` for every interest-bearing open claim."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    by_type = interest_rules(rules)
    if not by_type:
        return counts
    candidates = session.execute(
        select(Claim.id, ClaimType.code)
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .where(
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
            Claim.currency == rules.currency,
            Claim.principal_due > 0,
            Claim.due_date < as_of,
            ClaimType.code.in_(sorted(by_type)),
            # not covered yet: no accrual reaches as far as as_of
            ~select(InterestAccrual.id)
            .where(InterestAccrual.claim_id == Claim.id, InterestAccrual.period_end >= as_of)
            .exists(),
        )
        .order_by(Claim.id)
    ).all()
    counts["checked"] = len(candidates)
    type_of = {claim_id: code for claim_id, code in candidates}
    ids = [claim_id for claim_id, _ in candidates]
    with session.no_autoflush:
        for start in range(0, len(ids), CHUNK):
            _run_chunk(session, ids[start : start + CHUNK], type_of, by_type, as_of, counts)
    session.flush()
    return counts


@dataclass(frozen=True)
class _Locked:
    claim_id: int
    due_date: date
    principal: int
    currency: str


def _run_chunk(
    session: Session,
    ids: Sequence[int],
    type_of: dict[int, str],
    by_type: dict[str, InterestRule],
    as_of: date,
    counts: dict[str, int],
) -> None:
    accrued = _accrued(session, ids)
    due = [claim_id for claim_id in ids if _covered_before(accrued.get(claim_id), as_of)]
    if not due:
        return
    # Lock the claims that may get interest and read them (and their accruals) again.
    locked = [
        _Locked(*row)
        for row in session.execute(
            select(Claim.id, Claim.due_date, Claim.principal_due, Claim.currency)
            .where(
                Claim.id.in_(due),
                Claim.cancelled_on.is_(None),
                Claim.handed_over_on.is_(None),
            )
            .order_by(Claim.id)
            .with_for_update()
        ).all()
    ]
    accrued = _accrued(session, due)
    reasons = holds.active_hold_reasons(session, due, as_of)
    avoided: list[dict[str, object]] = []
    accruals: list[dict[str, object]] = []
    bookings: list[Booking] = []
    for claim in locked:
        step = next_interest(
            claim.principal,
            claim.due_date,
            as_of,
            by_type[type_of[claim.claim_id]],
            accrued.get(claim.claim_id, _Accrued(None, 0, 0)),
            paused=bool(reasons.get(claim.claim_id, frozenset()) - INTEREST_CONTINUES),
        )
        if step is None:
            continue
        accruals.append(
            {
                "claim_id": claim.claim_id,
                "period_start": step.start,
                "period_end": step.end,
                "months": step.months,
                "amount": 0 if step.suppressed else step.amount,
                "suppressed": step.suppressed,
                "posted_on": as_of,
                "created_at": utcnow(),
            }
        )
        if step.suppressed:
            counts["suppressed"] += 1
            if step.amount > 0:
                avoided.append(
                    {
                        "claim_id": claim.claim_id,
                        "amount": step.amount,
                        "currency": claim.currency,
                        "reason": "hold",
                        "action_key": f"interest:{step.start.isoformat()}",
                        "on_date": as_of,
                    }
                )
            continue
        counts["accrued"] += 1
        if step.amount > 0:
            bookings.append(
                Booking(
                    claim.claim_id,
                    "interest",
                    step.amount,
                    claim.currency,
                    "interest",
                    f"batch:{as_of.isoformat()}:interest:{step.start.isoformat()}",
                )
            )
            counts["interest_amount"] += step.amount
    if accruals:
        session.execute(insert(cast(Table, InterestAccrual.__table__)), accruals)
    insert_suppressed(session, avoided)
    append_entries(session, bookings, effective_date=as_of)


def _covered_before(accrued: _Accrued | None, as_of: date) -> bool:
    """Cheap pre-check: could there be a started month not yet covered?"""
    return accrued is None or accrued.covered_until is None or accrued.covered_until < as_of
