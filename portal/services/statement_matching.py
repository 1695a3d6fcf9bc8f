"""Processing received bank entries a chunk at a time, set-based.

`process_chunk` gives each entry of a chunk the outcome `bank_entries.process_entry` would
give it one by one, in the same order, with a few statements for the whole chunk: one query
finds the claims of every reference in the chunk, one the active plans of the matched
claims, one the payments booked before; the plain bookings go to `book_payments_bulk` in
runs, and the unmatched entries' work items are opened together. Entries that need more
than that (direct debits, reversals, plan installments, a payment booked before) are handled
by the one-by-one code at their place in the order, after the run before them is booked.

The caller wraps a chunk in a savepoint; when anything in it fails, the savepoint is rolled
back and the chunk is processed again one entry at a time, so one bad entry never costs the
others their booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.domain.camt import candidate_references
from portal.domain.camt import is_stripe_payout
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.models import BankEntry
from portal.models import Claim
from portal.models import Payment
from portal.models import Plan
from portal.models import PlanClaim
from portal.models import WorkItem
from portal.services.audit import Actor
from portal.services.bank_entries import PROVIDER
from portal.services.bank_entries import SUBJECT
from portal.services.bank_entries import book_entry
from portal.services.bank_entries import entry_received_on
from portal.services.bank_entries import pick_claim
from portal.services.bank_entries import process_entry
from portal.services.bank_entries import reference_schemes
from portal.services.booking import IncomingPayment
from portal.services.bulk_booking import book_payments_bulk
from portal.services.bulk_sql import insert_rows
from portal.services.bulk_sql import table_of
from portal.services.bulk_sql import update_rows
from portal.services.direct_debit_returns import is_ours
from portal.services.work import UNMATCHED_PAYMENT

#: received entries processed (and committed by the caller) together
CHUNK = 2000


@dataclass(frozen=True)
class ClaimRef:
    id: int
    debtor_id: int


@dataclass(frozen=True)
class _Match:
    entry: BankEntry
    structured: list[str]
    found: list[str]


def process_chunk(
    session: Session,
    rules: RulePack,
    entries: Sequence[BankEntry],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """Process received entries (in id order); see the module docstring."""
    schemes = reference_schemes(rules)
    results = _Results(now)
    steps: list[BankEntry | _Match] = []  # what needs the database, in order
    queue: list[tuple[BankEntry, str]] = []
    for entry in entries:
        if entry.currency != rules.currency:
            results.set(entry, "rejected", reason="currency")
        elif is_ours(entry.end_to_end_id) or entry.reversal:
            steps.append(entry)  # a direct debit or a reversal: one by one
        elif not entry.credit:
            results.set(entry, "rejected", reason="debit")
        elif is_stripe_payout(
            credit=entry.credit,
            reversal=entry.reversal,
            debtor_name=entry.debtor_name,
            text=f"{entry.remittance} {entry.additional_info}",
        ):
            results.set(entry, "payout")
        elif entry.without_details:
            queue.append((entry, "no_details"))
        else:
            structured, found = candidate_references(
                [entry.structured_ref] if entry.structured_ref else [], entry.remittance, schemes
            )
            if structured or found:
                steps.append(_Match(entry, structured, found))
            else:
                queue.append((entry, "no_reference"))
    matches = [step for step in steps if isinstance(step, _Match)]
    by_ref = _claims_by_reference(
        session, {ref for m in matches for ref in (*m.structured, *m.found)}
    )
    claims: dict[int, ClaimRef] = {}
    for match in matches:
        claim, reason = pick_claim(by_ref, match.structured, match.found)
        if claim is None:
            queue.append((match.entry, reason))
        else:
            claims[match.entry.id] = claim
    in_plan = _claims_in_active_plan(session, {claim.id for claim in claims.values()})
    booked_before = _booked_keys(
        session, [m.entry.entry_key for m in matches if m.entry.id in claims and m.entry.entry_key]
    )
    run: list[tuple[BankEntry, ClaimRef]] = []
    one_by_one: list[BankEntry] = []
    for step in steps:
        if isinstance(step, _Match):
            entry, claim_ref = step.entry, claims.get(step.entry.id)
            if claim_ref is None:
                continue  # in the queue
            if (
                claim_ref.id not in in_plan
                and entry.entry_key is not None
                and entry.entry_key not in booked_before
            ):
                run.append((entry, claim_ref))
                continue
        _book_run(session, rules, run, results, actor=actor)
        run = []
        results.write(session)  # what comes next may look at the entries before it
        if isinstance(step, _Match):
            loaded = session.get(Claim, claims[step.entry.id].id)
            assert loaded is not None  # noqa: S101 - found by reference just now
            book_entry(session, rules, step.entry, loaded, actor=actor, now=now)
            step.entry.state = "booked"
            one_by_one.append(step.entry)
        else:
            process_entry(session, rules, step, actor=actor, now=now)
            one_by_one.append(step)
    _book_run(session, rules, run, results, actor=actor)
    for entry, reason in queue:
        results.set(entry, "unmatched", reason=reason)
    results.write(session)
    _open_work_items(session, sorted(entry.id for entry, _reason in queue), now=now)
    for entry in one_by_one:
        entry.processed_at = now
    session.flush()


class _Results:
    """Outcomes of the entries handled set-based, written with one UPDATE. The loaded
    objects get the same values as their committed state (nothing left for the ORM's flush,
    which would write them one row at a time)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rows: list[dict[str, Any]] = []

    def set(
        self,
        entry: BankEntry,
        state: str,
        *,
        reason: str | None = None,
        payment_id: int | None = None,
        claim_id: int | None = None,
    ) -> None:
        row = {
            "id": entry.id,
            "state": state,
            "reason": reason,
            "payment_id": payment_id,
            "claim_id": claim_id,
            "processed_at": self.now,
        }
        for key, value in row.items():
            if key != "id":
                set_committed_value(entry, key, value)
        self.rows.append(row)

    def write(self, session: Session) -> None:
        update_rows(session, table_of(BankEntry), self.rows)
        self.rows = []


def _claims_by_reference(session: Session, references: set[str]) -> dict[str, ClaimRef]:
    if not references:
        return {}
    rows = session.execute(
        select(Claim.reference, Claim.id, Claim.debtor_id).where(
            Claim.reference.in_(sorted(references))
        )
    )
    return {ref: ClaimRef(claim_id, debtor_id) for ref, claim_id, debtor_id in rows if ref}


def _claims_in_active_plan(session: Session, claim_ids: set[int]) -> set[int]:
    if not claim_ids:
        return set()
    return set(
        session.scalars(
            select(PlanClaim.claim_id)
            .join(Plan, PlanClaim.plan_id == Plan.id)
            .where(PlanClaim.claim_id.in_(sorted(claim_ids)), Plan.state == PlanState.ACTIVE.value)
        )
    )


def _booked_keys(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        session.scalars(
            select(Payment.provider_reference).where(
                Payment.provider == PROVIDER, Payment.provider_reference.in_(keys)
            )
        )
    )


def _book_run(
    session: Session,
    rules: RulePack,
    run: list[tuple[BankEntry, ClaimRef]],
    results: _Results,
    *,
    actor: Actor,
) -> None:
    """Book matched credits together, as `book_entry` would one after the other."""
    if not run:
        return
    payment_ids = book_payments_bulk(
        session,
        rules,
        [
            IncomingPayment(
                provider=PROVIDER,
                provider_reference=entry.entry_key or "",
                amount=entry.amount,
                currency=entry.currency,
                method="bank_transfer",
                debtor_id=claim.debtor_id,
                received_on=entry_received_on(entry, rules, results.now),
                earmarked_claim_id=claim.id,
            )
            for entry, claim in run
        ],
        actor=actor,
    )
    for (entry, claim), payment_id in zip(run, payment_ids, strict=True):
        results.set(entry, "booked", payment_id=payment_id, claim_id=claim.id)


def _open_work_items(session: Session, entry_ids: list[int], *, now: datetime) -> None:
    """`open_work_item` for many unmatched entries: one open item each."""
    if not entry_ids:
        return
    open_already = set(
        session.scalars(
            select(WorkItem.subject_id).where(
                WorkItem.kind == UNMATCHED_PAYMENT,
                WorkItem.subject_type == SUBJECT,
                WorkItem.subject_id.in_(entry_ids),
                WorkItem.state == "open",
            )
        )
    )
    rows = [
        {
            "kind": UNMATCHED_PAYMENT,
            "subject_type": SUBJECT,
            "subject_id": entry_id,
            "debtor_id": None,
            "department_id": None,
            "due_at": None,
            "state": "open",
            "opened_at": now,
        }
        for entry_id in entry_ids
        if entry_id not in open_already
    ]
    insert_rows(session, table_of(WorkItem), rows)
