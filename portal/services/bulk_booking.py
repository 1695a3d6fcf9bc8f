"""Booking many new payments at once (a bank statement's chunk): what `book_payment` does for
one payment, with a handful of statements for hundreds of payments.

Same rules and same outcome as calling `book_payment` for each payment in the given order:
the same lock order (the debtors' rows by id, then all their claims by id, before any
payment row is inserted; see `booking.lock_debtor_for_booking`), the same allocation over
the debtor's open claims (`domain.allocation.allocate`, balances carried from one payment of
a debtor to the next), the same ledger entries, credit entries and audit events. Only
payments without a plan and whose provider reference is not booked yet belong here; the
caller checks that and books the others one by one. The unique key on (provider,
provider_reference) still guarantees exactly-once: a payment booked meanwhile makes the
INSERT fail, and the caller's savepoint undoes the whole chunk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.allocation import ClaimDebt
from portal.domain.allocation import allocate
from portal.domain.rules.base import RulePack
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Debtor
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.bulk_sql import insert_rows
from portal.services.bulk_sql import table_of
from portal.services.bulk_sql import update_rows
from portal.services.ledger import NegativeBalance

_COLUMNS = {"principal": "principal_due", "fee": "fee_due", "interest": "interest_due"}


@dataclass
class _OpenClaim:
    id: int
    currency: str
    due_date: date
    issue_date: date
    balances: dict[str, int]

    def debt(self) -> ClaimDebt:
        return ClaimDebt(
            claim_id=self.id,
            due_date=self.due_date,
            issue_date=self.issue_date,
            fee=self.balances["fee"],
            interest=self.balances["interest"],
            principal=self.balances["principal"],
        )


def book_payments_bulk(
    session: Session, rules: RulePack, incomings: Sequence[IncomingPayment], *, actor: Actor
) -> list[int]:
    """Book new payments (none with a plan); returns their payment ids, in order."""
    if not incomings:
        return []
    for incoming in incomings:
        if incoming.amount <= 0:
            raise ValueError("a payment amount is positive")
        if incoming.plan_id is not None:
            raise ValueError("plan payments are booked one by one")
    debtor_ids = sorted({incoming.debtor_id for incoming in incomings})
    claims = _lock_and_read(session, debtor_ids)
    new_ids = insert_rows(
        session,
        table_of(Payment),
        [_payment_values(incoming) for incoming in incomings],
        key="provider_reference",
    )
    payment_ids = [new_ids[incoming.provider_reference] for incoming in incomings]
    ledger: list[dict[str, Any]] = []
    credits: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    touched: dict[int, _OpenClaim] = {}
    for incoming, payment_id in zip(incomings, payment_ids, strict=True):
        open_claims = [c for c in claims[incoming.debtor_id] if sum(c.balances.values()) > 0]
        by_id = {claim.id: claim for claim in open_claims}
        allocation = allocate(
            incoming.amount,
            [claim.debt() for claim in open_claims],
            component_order=rules.component_order,
            earmarked_claim_id=incoming.earmarked_claim_id,
        )
        for line in allocation.lines:
            claim = by_id[line.claim_id]
            component = str(line.component)
            new_value = claim.balances[component] - line.amount
            if new_value < 0:  # pragma: no cover - allocate never takes more than is owed
                raise NegativeBalance(f"claim {claim.id} {component} would become {new_value}")
            claim.balances[component] = new_value
            touched[claim.id] = claim
            ledger.append(
                {
                    "claim_id": claim.id,
                    "component": component,
                    "amount": -line.amount,
                    "currency": claim.currency,
                    "effective_date": incoming.received_on,
                    "cause": "payment",
                    "payment_id": payment_id,
                    "staff_user_id": actor.staff_user_id,
                    "source": None,
                }
            )
        if allocation.unallocated:
            credits.append(
                {
                    "debtor_id": incoming.debtor_id,
                    "amount": allocation.unallocated,
                    "currency": incoming.currency,
                    "cause": "overpayment",
                    "payment_id": payment_id,
                }
            )
        events.append(_audit_values(actor, incoming, payment_id, allocation.unallocated))
    insert_rows(session, table_of(LedgerEntry), ledger)
    insert_rows(session, table_of(DebtorAccountEntry), credits)
    insert_rows(session, table_of(AuditEvent), events)
    update_rows(
        session,
        table_of(Claim),
        [
            {"id": claim.id, **{_COLUMNS[k]: v for k, v in claim.balances.items()}}
            for claim in touched.values()
        ],
    )
    _expire_claims(session, set(touched))
    return payment_ids


def _lock_and_read(session: Session, debtor_ids: list[int]) -> dict[int, list[_OpenClaim]]:
    """Lock the debtors' rows, then all their claims, each by id (the order of
    `lock_debtor_for_booking`); returns their open claims per debtor, by due date."""
    session.execute(
        select(Debtor.id)
        .where(Debtor.id.in_(debtor_ids))
        .order_by(Debtor.id)
        .with_for_update(key_share=True)
    )
    rows = session.execute(
        select(
            Claim.id,
            Claim.debtor_id,
            Claim.currency,
            Claim.due_date,
            Claim.issue_date,
            Claim.principal_due,
            Claim.fee_due,
            Claim.interest_due,
            Claim.cancelled_on,
            Claim.handed_over_on,
        )
        .where(Claim.debtor_id.in_(debtor_ids))
        .order_by(Claim.id)
        .with_for_update(key_share=True)
    )
    claims: dict[int, list[_OpenClaim]] = defaultdict(list)
    for row in rows:
        # as open_claims_for_allocation: open, not cancelled, not with the collector
        if row.cancelled_on is not None or row.handed_over_on is not None:
            continue
        if row.principal_due + row.fee_due + row.interest_due <= 0:
            continue
        claims[row.debtor_id].append(
            _OpenClaim(
                id=row.id,
                currency=row.currency,
                due_date=row.due_date,
                issue_date=row.issue_date,
                balances={
                    "principal": row.principal_due,
                    "fee": row.fee_due,
                    "interest": row.interest_due,
                },
            )
        )
    for open_claims in claims.values():
        open_claims.sort(key=lambda c: (c.due_date, c.id))
    return claims


def _payment_values(incoming: IncomingPayment) -> dict[str, Any]:
    return {
        "provider": incoming.provider,
        "provider_reference": incoming.provider_reference,
        "amount": incoming.amount,
        "currency": incoming.currency,
        "method": incoming.method,
        "debtor_id": incoming.debtor_id,
        "earmarked_claim_id": incoming.earmarked_claim_id,
        "plan_id": None,
        "received_on": incoming.received_on,
        "state": "allocated",
    }


def _audit_values(
    actor: Actor, incoming: IncomingPayment, payment_id: int, unallocated: int
) -> dict[str, Any]:
    """The "payment.booked" event `book_payment` records (see `audit.record`)."""
    details: dict[str, Any] = {
        "amount": incoming.amount,
        "provider": incoming.provider,
        "unallocated": unallocated,
    }
    if actor.representation_id is not None:
        details.setdefault("representation_id", actor.representation_id)
    if actor.acting_person is not None:
        details.setdefault("acting_person", actor.acting_person)
    return {
        "actor_kind": actor.kind,
        "staff_user_id": actor.staff_user_id,
        "debtor_id": incoming.debtor_id,
        "action": "payment.booked",
        "object_type": "payment",
        "object_id": payment_id,
        "details": details,
    }


def _expire_claims(session: Session, claim_ids: set[int]) -> None:
    """Claims already loaded in the session were changed behind the ORM's back: read again."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Claim) and obj.id in claim_ids:
            session.expire(obj)
