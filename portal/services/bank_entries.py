"""One bank entry at a time: the rules for what an entry is (rejected, a direct debit, a
reversal, a Stripe payout, a credit to match) and booking a matched credit with
`book_payment`. The statement import uses this for entries that cannot go in a bulk chunk
and when a chunk fails; the unmatched queue uses `book_entry` when a person assigns one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from datetime import datetime
from typing import Protocol
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.camt import candidate_references
from portal.domain.camt import is_stripe_payout
from portal.domain.plans import PlanState
from portal.domain.references import ReferenceScheme
from portal.domain.rules.base import RulePack
from portal.models import BankEntry
from portal.models import Claim
from portal.models import Plan
from portal.models import PlanClaim
from portal.services import direct_debit_returns
from portal.services.audit import Actor
from portal.services.bank_reversals import process_reversal
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.work import UNMATCHED_PAYMENT
from portal.services.work import open_work_item

SUBJECT = "bank_entry"
PROVIDER = "bank"


class EntryNotAssignable(ValueError):
    """Only an unmatched incoming payment can be assigned; `reason` says why not."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def reference_schemes(rules: RulePack) -> frozenset[ReferenceScheme]:
    return frozenset({ReferenceScheme(rules.reference_scheme), ReferenceScheme.RF})


def process_entry(
    session: Session, rules: RulePack, entry: BankEntry, *, actor: Actor, now: datetime
) -> None:
    if entry.currency != rules.currency:
        reject(entry, "currency")
        return
    if direct_debit_returns.handle_bank_entry(session, rules, entry, actor=actor, now=now):
        return  # our direct debit (EndToEndId "SALDO-DD-..."): settled or returned (issue 8)
    if entry.reversal:
        reason = process_reversal(session, entry, actor=actor)
        if reason is not None:
            to_queue(session, entry, reason, now=now)
        return
    if not entry.credit:
        reject(entry, "debit")
        return
    text = f"{entry.remittance} {entry.additional_info}"
    if is_stripe_payout(
        credit=entry.credit, reversal=entry.reversal, debtor_name=entry.debtor_name, text=text
    ):
        entry.state = "payout"
        return
    if entry.without_details:
        to_queue(session, entry, "no_details", now=now)
        return
    structured, found = candidate_references(
        [entry.structured_ref] if entry.structured_ref else [],
        entry.remittance,
        reference_schemes(rules),
    )
    claim, reason = match_claim(session, structured, found)
    if claim is None:
        to_queue(session, entry, reason, now=now)
        return
    book_entry(session, rules, entry, claim, actor=actor, now=now)
    entry.state = "booked"


def match_claim(
    session: Session, structured: list[str], found: list[str]
) -> tuple[Claim | None, str]:
    """The claim a credit pays, or (None, why not)."""
    if not structured and not found:
        return None, "no_reference"
    claims = session.scalars(select(Claim).where(Claim.reference.in_(structured + found))).all()
    return pick_claim({claim.reference or "": claim for claim in claims}, structured, found)


class _OfDebtor(Protocol):
    @property
    def debtor_id(self) -> int: ...


_C = TypeVar("_C", bound=_OfDebtor)


def pick_claim(
    by_ref: Mapping[str, _C], structured: list[str], found: list[str]
) -> tuple[_C | None, str]:
    """Which of the claims found by reference a credit pays. Structured references win over
    text; candidates of different debtors are ambiguous (§4.3 pitfall 5: match on the
    reference)."""
    if not structured and not found:
        return None, "no_reference"
    candidates = [by_ref[r] for r in structured if r in by_ref] or [
        by_ref[r] for r in found if r in by_ref
    ]
    if not candidates:
        return None, "unknown_reference"
    if len({claim.debtor_id for claim in candidates}) > 1:
        return None, "ambiguous"
    return candidates[0], "matched"


def book_entry(
    session: Session,
    rules: RulePack,
    entry: BankEntry,
    claim: Claim,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    if entry.entry_key is None:  # pragma: no cover - duplicates are never processed
        raise EntryNotAssignable("duplicate")
    result = book_payment(
        session,
        rules,
        IncomingPayment(
            provider=PROVIDER,
            provider_reference=entry.entry_key,
            amount=entry.amount,
            currency=entry.currency,
            method="bank_transfer",
            debtor_id=claim.debtor_id,
            received_on=entry_received_on(entry, rules, now),
            earmarked_claim_id=claim.id,
            # a transfer with the reference of a claim in an active plan pays the plan
            # (the installment pay page shows that reference)
            plan_id=active_plan_of(session, claim),
        ),
        actor=actor,
    )
    entry.payment_id = result.payment.id
    entry.claim_id = claim.id
    entry.reason = None


def active_plan_of(session: Session, claim: Claim) -> int | None:
    return session.scalar(
        select(Plan.id)
        .join(PlanClaim, PlanClaim.plan_id == Plan.id)
        .where(PlanClaim.claim_id == claim.id, Plan.state == PlanState.ACTIVE.value)
        .limit(1)
    )


def entry_received_on(entry: BankEntry, rules: RulePack, now: datetime) -> date:
    return entry.booking_date or entry.value_date or now.astimezone(ZoneInfo(rules.timezone)).date()


def reject(entry: BankEntry, reason: str) -> None:
    entry.state = "rejected"
    entry.reason = reason


def to_queue(session: Session, entry: BankEntry, reason: str, *, now: datetime) -> None:
    entry.state = "unmatched"
    entry.reason = reason
    session.flush()
    open_work_item(session, UNMATCHED_PAYMENT, SUBJECT, entry.id, now=now)
