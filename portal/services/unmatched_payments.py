"""The unmatched-payments queue: credits no reference could place, searched and assigned
by a caseworker (every assignment audited).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.references import compact
from portal.domain.references import is_valid
from portal.domain.rules.base import RulePack
from portal.models import BankEntry
from portal.models import Claim
from portal.models import Debtor
from portal.models import WorkItem
from portal.services import audit
from portal.services.audit import Actor
from portal.services.bank_statements import SUBJECT
from portal.services.bank_statements import EntryNotAssignable
from portal.services.bank_statements import book_entry
from portal.services.bank_statements import reference_schemes
from portal.services.work import UNMATCHED_PAYMENT
from portal.services.work import close_work_item

log = logging.getLogger(__name__)


def unmatched_entries(session: Session) -> list[BankEntry]:
    """Entries waiting for a person, oldest first."""
    return list(
        session.scalars(
            select(BankEntry).where(BankEntry.state == "unmatched").order_by(BankEntry.id)
        )
    )


@dataclass(frozen=True)
class DebtorMatch:
    debtor: Debtor
    claims: list[Claim]


def search_debtors(
    session: Session, rules: RulePack, query: str, *, limit: int = 20
) -> list[DebtorMatch]:
    """Debtors whose name contains `query`, or who owe the claim with that payment reference,
    each with their open claims."""
    query = query.strip()
    if len(query) < 2:
        return []
    reference = compact(query)
    debtor_ids: list[int] = []
    if any(is_valid(scheme, reference) for scheme in reference_schemes(rules)):
        debtor_ids = list(
            session.scalars(select(Claim.debtor_id).where(Claim.reference == reference))
        )
    if not debtor_ids:
        pattern = "%" + query.replace("\\", "").replace("%", "").replace("_", "") + "%"
        debtor_ids = list(
            session.scalars(
                select(Debtor.id)
                .where(func.lower(Debtor.name).like(pattern.lower()))
                .order_by(Debtor.name, Debtor.id)
                .limit(limit)
            )
        )
    results = []
    for debtor_id in debtor_ids[:limit]:
        debtor = session.get(Debtor, debtor_id)
        if debtor is None:  # pragma: no cover - a foreign key
            continue
        claims = list(
            session.scalars(
                select(Claim)
                .where(
                    Claim.debtor_id == debtor_id,
                    Claim.cancelled_on.is_(None),
                    (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
                )
                .order_by(Claim.due_date, Claim.id)
            )
        )
        results.append(DebtorMatch(debtor, claims))
    return results


def assign_entry(
    session: Session,
    rules: RulePack,
    entry_id: int,
    claim_id: int,
    *,
    staff_user_id: int,
    now: datetime,
) -> BankEntry:
    """A caseworker matches an unmatched credit to a claim: booked, work item closed, audited.

    Raises LookupError for an unknown entry or claim, EntryNotAssignable otherwise."""
    entry = session.scalar(select(BankEntry).where(BankEntry.id == entry_id).with_for_update())
    if entry is None:
        raise LookupError("no such bank entry")
    if entry.state != "unmatched":
        raise EntryNotAssignable("not_unmatched")
    if not entry.credit or entry.reversal:
        raise EntryNotAssignable("not_a_credit")
    claim = session.get(Claim, claim_id)
    if claim is None or claim.cancelled_on is not None:
        raise LookupError("no such claim")
    if claim.currency != entry.currency:
        raise EntryNotAssignable("currency")
    actor = Actor.staff(staff_user_id)
    book_entry(session, rules, entry, claim, actor=actor, now=now)
    entry.state = "assigned"
    entry.assigned_by_id = staff_user_id
    entry.processed_at = now
    item = session.scalar(
        select(WorkItem).where(
            WorkItem.kind == UNMATCHED_PAYMENT,
            WorkItem.subject_type == SUBJECT,
            WorkItem.subject_id == entry.id,
            WorkItem.state == "open",
        )
    )
    if item is not None:
        close_work_item(session, item, outcome="matched", staff_user_id=staff_user_id, now=now)
    audit.record(
        session,
        actor,
        "bank_entry.assigned",
        object_type="bank_entry",
        object_id=entry.id,
        debtor_id=claim.debtor_id,
        claim_id=claim.id,
        payment_id=entry.payment_id,
    )
    session.flush()
    return entry
