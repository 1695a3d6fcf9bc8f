"""Fees a department adds to its own claim through the API (issue 7), within the rule pack.

The cap comes from the same dunning tables and fee law as the reminder batch
(`portal.domain.dunning.fee_regime` / `reminder_fee`, `portal.domain.rules.dunning_tables`):
the claim type's legal basis and execution right choose the regime; the regime says how many
paid reminders there may be and what one may cost (DK: at most 250 kr with udpantningsret,
100 kr for private law; NL taxes: the Kostenwet aanmaning; NL private law: the WIK amount on
the principal, once in total; BE retributies: €25 within the Boek XIX cap; regimes without a
fee basis: nothing). Fees the batch charged count too, so the two never add up past the cap.

A fee is a ledger entry: component "fee", cause "reminder_fee", source "api:fee:<fee_id>".
Idempotent per claim by the department's `fee_id`. Nothing is stored on a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.dunning import DunningFacts
from portal.domain.dunning import fee_regime
from portal.domain.dunning import reminder_fee
from portal.domain.rules.base import LegalBasis
from portal.domain.rules.base import RulePack
from portal.domain.rules.dunning_tables import NoDunningTable
from portal.domain.rules.dunning_tables import dunning_table
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import LedgerEntry
from portal.services import audit
from portal.services.audit import Actor
from portal.services.holds import PLAN
from portal.services.holds import active_hold_reasons
from portal.services.ledger import append_entry

#: why the department charges the fee (a code, kept in the audit event)
FEE_REASONS = ("reminder", "collection_costs")
FEE_CAUSE = "reminder_fee"
SOURCE_PREFIX = "api:fee:"


class FeeRefused(ValueError):
    """The claim cannot take a fee now; `code` is the problem slug (all 409)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class FeeTooHigh(ValueError):
    """The amount is above what the rule pack allows for this claim now (422)."""

    def __init__(self, limit: FeeLimit) -> None:
        super().__init__(f"at most {limit.maximum}")
        self.limit = limit


class FeeIdConflict(ValueError):
    """The fee id was used on this claim for a different fee."""

    def __init__(self, entry: LedgerEntry) -> None:
        super().__init__(f"fee id already used for ledger entry {entry.id}")
        self.entry = entry


@dataclass(frozen=True)
class FeeLimit:
    """What one more fee on the claim may be (minor units) and under which regime."""

    maximum: int
    regime: str
    #: paid fees the regime allows in total, and how many are already charged
    allowed_fees: int
    charged_fees: int
    charged_amount: int


@dataclass(frozen=True)
class FeeResult:
    entry: LedgerEntry
    reason: str
    created: bool


def _charged(session: Session, claim: Claim) -> tuple[int, int]:
    count, total = session.execute(
        select(func.count(LedgerEntry.id), func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.claim_id == claim.id,
            LedgerEntry.component == "fee",
            LedgerEntry.cause == FEE_CAUSE,
            LedgerEntry.amount > 0,
        )
    ).one()
    return int(count), int(total)


def fee_limit(session: Session, rules: RulePack, claim: Claim, on: date) -> FeeLimit:
    """The largest fee the rule pack allows on the claim on day `on` (0 when none)."""
    claim_type = claim.claim_type
    regime = fee_regime(
        rules.code, LegalBasis(claim_type.legal_basis), claim_type.has_execution_right
    )
    count, total = _charged(session, claim)
    try:
        table = dunning_table(rules.code, on).regime(regime)
    except NoDunningTable:
        return FeeLimit(0, str(regime), 0, count, total)
    allowed = max(table.max_reminders.value - table.free_reminders.value, 0)
    if count >= allowed or claim.principal_due <= 0:
        return FeeLimit(0, str(regime), allowed, count, total)
    facts = DunningFacts(
        legal_basis=LegalBasis(claim_type.legal_basis),
        has_execution_right=claim_type.has_execution_right,
        balance=claim.balance,
        principal=claim.principal_due,
        due_date=claim.due_date,
        fees_charged=total,
    )
    maximum = reminder_fee(facts, regime, table, table.free_reminders.value + 1)
    return FeeLimit(maximum, str(regime), allowed, count, total)


def _previous(session: Session, claim: Claim, fee_id: str) -> LedgerEntry | None:
    return session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.claim_id == claim.id, LedgerEntry.source == SOURCE_PREFIX + fee_id
        )
    )


def _reason_of(session: Session, claim: Claim, entry: LedgerEntry) -> str | None:
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "claim",
            AuditEvent.object_id == claim.id,
            AuditEvent.action == "claim.fee_added",
        )
    )
    for event in events:
        if (event.details or {}).get("ledger_entry_id") == entry.id:
            return str(event.details.get("reason"))
    return None


def _refuse_closed(session: Session, rules: RulePack, claim: Claim, on: date) -> None:
    if claim.cancelled_on is not None:
        raise FeeRefused("claim-closed", "A cancelled claim cannot take a fee.")
    if claim.handed_over_on is not None:
        raise FeeRefused(
            "claim-handed-over",
            "The claim is with the external collector; fees are theirs to charge.",
        )
    reasons = active_hold_reasons(session, [claim.id], on).get(claim.id, frozenset())
    if reasons - {PLAN} or (PLAN in reasons and not rules.fees_during_plan):
        raise FeeRefused(
            "claim-on-hold",
            "Collection on this claim is paused (" + ", ".join(sorted(reasons)) + "); "
            "no fee can be added while it is.",
        )
    if claim.principal_due <= 0:
        raise FeeRefused("claim-settled", "Nothing is owed on this claim any more.")


def add_fee(
    session: Session,
    rules: RulePack,
    claim: Claim,
    amount: int,
    *,
    reason: str,
    fee_id: str,
    effective_date: date,
    on: date,
    actor: Actor,
    token_id: int | None,
) -> FeeResult:
    """Append a reminder fee to the claim, or return the one sent before under `fee_id`.

    Raises FeeIdConflict (same id, other fee), FeeRefused (cancelled, handed over, under a
    hold, settled) or FeeTooHigh (above the rule pack's cap). The caller commits.
    """
    if reason not in FEE_REASONS:
        raise ValueError(f"unknown fee reason {reason!r}")
    # One fee at a time per claim: the cap and the fee id check must see the other's entry.
    session.execute(select(Claim.id).where(Claim.id == claim.id).with_for_update())
    previous = _previous(session, claim, fee_id)
    if previous is not None:
        same = (
            previous.amount == amount
            and previous.effective_date == effective_date
            and _reason_of(session, claim, previous) == reason
        )
        if not same:
            raise FeeIdConflict(previous)
        return FeeResult(previous, reason, created=False)
    _refuse_closed(session, rules, claim, on)
    limit = fee_limit(session, rules, claim, on)
    if amount > limit.maximum:
        raise FeeTooHigh(limit)
    entry = append_entry(
        session,
        claim,
        component="fee",
        amount=amount,
        cause=FEE_CAUSE,
        effective_date=effective_date,
        source=SOURCE_PREFIX + fee_id,
    )
    session.flush()
    audit.record(
        session,
        actor,
        "claim.fee_added",
        object_type="claim",
        object_id=claim.id,
        debtor_id=claim.debtor_id,
        department=claim.department.code,
        token_id=token_id,
        amount=amount,
        reason=reason,
        regime=limit.regime,
        ledger_entry_id=entry.id,
    )
    return FeeResult(entry, reason, created=True)
