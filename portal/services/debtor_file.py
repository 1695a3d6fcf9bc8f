"""Everything about one debtor on one page (the caseworker's debtor file), and finding a debtor.

A context builder: a fixed number of queries per page (claims, ledger, holds, payments, plans,
letters, contact log, signals, referrals, audit trail), never one per claim. Viewing a debtor
is itself audited ("debtor.viewed"). A national id is looked up by its keyed hash only and
never returned: pages show the last 4 digits the debtor record keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.references import InvalidReference
from portal.domain.references import display
from portal.domain.references import normalise as normalise_reference
from portal.domain.rules.base import RulePack
from portal.domain.status import SETTLED_BY_STATUS
from portal.domain.status import CitizenStatus
from portal.domain.status import ClaimFacts
from portal.domain.status import derive_status
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import ClaimType
from portal.models import CollectionHold
from portal.models import ContactNote
from portal.models import Debtor
from portal.models import Department
from portal.models import LedgerEntry
from portal.models import Letter
from portal.models import Payment
from portal.models import Plan
from portal.models import Referral
from portal.models import RemissionApplication
from portal.models import Signal
from portal.models import StaffUser
from portal.models import WorkItem
from portal.services import audit
from portal.services.audit import Actor
from portal.services.credit import credit_balance
from portal.services.identity import InvalidNationalId
from portal.services.identity import hash_national_id
from portal.services.identity import normalise_national_id

#: how many audit events the debtor page shows (newest first); the audit log viewer has all
AUDIT_TRAIL_LIMIT = 50
SEARCH_LIMIT = 25


class SearchBy(StrEnum):
    NAME = "name"
    REFERENCE = "reference"
    CLAIM = "claim"
    NATIONAL_ID = "national_id"


class DebtorNotFound(LookupError):
    """No debtor with this id (the view answers 404)."""


class InvalidSearch(ValueError):
    """What was typed cannot be searched (too short, not a valid national id, ...).

    `reason` is a code the view turns into a sentence: too_short, invalid_national_id,
    invalid_claim_number.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DebtorHit:
    debtor_id: int
    name: str
    kind: str
    national_id_last4: str | None
    open_claims: int
    total_owed: int


def _hits(session: Session, debtor_ids: list[int]) -> list[DebtorHit]:
    if not debtor_ids:
        return []
    totals = {
        debtor_id: (int(count), int(total or 0))
        for debtor_id, count, total in session.execute(
            select(
                Claim.debtor_id,
                func.count(Claim.id),
                func.sum(Claim.principal_due + Claim.fee_due + Claim.interest_due),
            )
            .where(
                Claim.debtor_id.in_(debtor_ids),
                Claim.principal_due + Claim.fee_due + Claim.interest_due > 0,
            )
            .group_by(Claim.debtor_id)
        ).all()
    }
    debtors = session.scalars(
        select(Debtor).where(Debtor.id.in_(debtor_ids)).order_by(Debtor.name, Debtor.id)
    )
    return [
        DebtorHit(
            debtor_id=debtor.id,
            name=debtor.name,
            kind=debtor.kind,
            national_id_last4=debtor.national_id_last4,
            open_claims=totals.get(debtor.id, (0, 0))[0],
            total_owed=totals.get(debtor.id, (0, 0))[1],
        )
        for debtor in debtors
    ]


def search_debtors(
    session: Session, rules: RulePack, config: Config, *, by: SearchBy, query: str
) -> list[DebtorHit]:
    """Debtors matching `query` by name (part of it), payment reference, claim number (ours or
    the department's) or national id (hashed for the look-up, never kept or logged).

    Raises InvalidSearch when the query cannot be searched.
    """
    text = (query or "").strip()
    if len(text) > 200:
        raise InvalidSearch("too_long")
    ids: list[int] = []
    if by is SearchBy.NAME:
        if len(text) < 2:
            raise InvalidSearch("too_short")
        pattern = "%" + text.replace("\\", "").replace("%", "").replace("_", "").lower() + "%"
        ids = list(
            session.scalars(
                select(Debtor.id)
                .where(func.lower(Debtor.name).like(pattern))
                .order_by(Debtor.name, Debtor.id)
                .limit(SEARCH_LIMIT)
            )
        )
    elif by is SearchBy.REFERENCE:
        if not text:
            raise InvalidSearch("too_short")
        try:
            reference = normalise_reference(rules.reference_scheme, text)
        except InvalidReference:
            reference = "".join(text.split()).upper()
        ids = list(session.scalars(select(Claim.debtor_id).where(Claim.reference == reference)))
    elif by is SearchBy.CLAIM:
        if not text:
            raise InvalidSearch("too_short")
        number = int(text) if text.isdigit() and len(text) < 12 else None
        condition = Claim.external_id == text
        if number is not None:
            condition = or_(condition, Claim.id == number)
        ids = list(
            session.scalars(select(Claim.debtor_id).where(condition).distinct().limit(SEARCH_LIMIT))
        )
    else:
        try:
            compact = normalise_national_id(rules.country, text)
        except InvalidNationalId:
            raise InvalidSearch("invalid_national_id") from None
        ids = list(
            session.scalars(
                select(Debtor.id).where(
                    Debtor.national_id_hash == hash_national_id(config, compact)
                )
            )
        )
    return _hits(session, sorted(set(ids)))


# -- the debtor file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimFile:
    claim: Claim
    claim_type_names: Mapping[str, str]
    department_names: Mapping[str, str]
    reference_display: str
    status: CitizenStatus
    active_hold_reasons: frozenset[str]
    #: every ledger entry, oldest first
    ledger: tuple[LedgerEntry, ...]


@dataclass(frozen=True)
class HoldLine:
    hold: CollectionHold
    claim_description: str
    active: bool


@dataclass(frozen=True)
class NoteLine:
    note: ContactNote
    staff_name: str


@dataclass(frozen=True)
class AuditLine:
    event: AuditEvent
    staff_name: str | None


@dataclass(frozen=True)
class DebtorFile:
    debtor: Debtor
    currency: str
    total_owed: int
    credit: int
    claims: tuple[ClaimFile, ...]
    payments: tuple[Payment, ...]
    plans: tuple[Plan, ...]
    remissions: tuple[RemissionApplication, ...]
    letters: tuple[Letter, ...]
    notes: tuple[NoteLine, ...]
    signals: tuple[Signal, ...]
    referrals: tuple[Referral, ...]
    holds: tuple[HoldLine, ...]
    work_items: tuple[WorkItem, ...]
    audit_trail: tuple[AuditLine, ...]

    @property
    def open_signals(self) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.state == "open")


def _reference(rules: RulePack, claim: Claim) -> str:
    if not claim.reference:
        return ""
    try:
        return display(rules.reference_scheme, claim.reference)
    except InvalidReference:
        return claim.reference


def _status(
    claim: Claim, entries: list[LedgerEntry], reasons: frozenset[str], as_of: date
) -> CitizenStatus:
    negative = [entry for entry in entries if entry.amount < 0]
    settled_by = negative[-1].cause if negative and claim.balance == 0 else None
    return derive_status(
        ClaimFacts(
            balance=claim.balance,
            due_date=claim.due_date,
            reminders_sent=claim.reminders_sent,
            hold_reasons=reasons,
            in_active_plan="plan" in reasons,
            handed_over=claim.handed_over_on is not None,
            cancelled=claim.cancelled_on is not None,
            settled_by=settled_by if settled_by in SETTLED_BY_STATUS else None,
        ),
        as_of,
    )


def _hold_active(hold: CollectionHold, on: date) -> bool:
    return hold.starts_on <= on and (hold.ends_on is None or on < hold.ends_on)


def _claims(
    session: Session, rules: RulePack, debtor_id: int, as_of: date
) -> tuple[tuple[ClaimFile, ...], tuple[HoldLine, ...]]:
    rows = session.execute(
        select(Claim, ClaimType.names, Department.names)
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
        .join(Department, Department.id == Claim.department_id)
        .where(Claim.debtor_id == debtor_id)
        .order_by(Claim.due_date, Claim.id)
    ).all()
    ids = [claim.id for claim, _, _ in rows]
    ledger: dict[int, list[LedgerEntry]] = {claim_id: [] for claim_id in ids}
    holds: list[CollectionHold] = []
    if ids:
        for entry in session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.claim_id.in_(ids))
            .order_by(LedgerEntry.effective_date, LedgerEntry.id)
        ):
            ledger[entry.claim_id].append(entry)
        holds = list(
            session.scalars(
                select(CollectionHold)
                .where(CollectionHold.claim_id.in_(ids))
                .order_by(CollectionHold.starts_on.desc(), CollectionHold.id.desc())
            )
        )
    active: dict[int, set[str]] = {claim_id: set() for claim_id in ids}
    for hold in holds:
        if _hold_active(hold, as_of):
            active[hold.claim_id].add(hold.reason)
    claims = tuple(
        ClaimFile(
            claim=claim,
            claim_type_names=type_names,
            department_names=department_names,
            reference_display=_reference(rules, claim),
            status=_status(claim, ledger[claim.id], frozenset(active[claim.id]), as_of),
            active_hold_reasons=frozenset(active[claim.id]),
            ledger=tuple(ledger[claim.id]),
        )
        for claim, type_names, department_names in rows
    )
    descriptions = {claim.id: claim.description for claim, _, _ in rows}
    hold_lines = tuple(
        HoldLine(hold, descriptions[hold.claim_id], _hold_active(hold, as_of)) for hold in holds
    )
    return claims, hold_lines


def debtor_plans(session: Session, debtor_id: int) -> list[Plan]:
    """The debtor's payment plans (issue 4), newest first."""
    return list(
        session.scalars(
            select(Plan)
            .where(Plan.debtor_id == debtor_id)
            .order_by(Plan.proposed_on.desc(), Plan.id.desc())
        )
    )


def debtor_remissions(session: Session, debtor_id: int) -> list[RemissionApplication]:
    """The debtor's remission applications (issue 5), newest first."""
    return list(
        session.scalars(
            select(RemissionApplication)
            .where(RemissionApplication.debtor_id == debtor_id)
            .order_by(RemissionApplication.created_at.desc(), RemissionApplication.id.desc())
        )
    )


def _staff_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(wanted))
        ).all()
    )


def build_debtor_file(
    session: Session, rules: RulePack, *, debtor_id: int, as_of: date
) -> DebtorFile:
    """Everything about the debtor on `as_of`. Raises DebtorNotFound."""
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise DebtorNotFound(f"no debtor {debtor_id}")
    claims, holds = _claims(session, rules, debtor_id, as_of)
    notes = list(
        session.scalars(
            select(ContactNote)
            .where(ContactNote.debtor_id == debtor_id)
            .order_by(ContactNote.created_at.desc(), ContactNote.id.desc())
        )
    )
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.debtor_id == debtor_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(AUDIT_TRAIL_LIMIT)
        )
    )
    staff_ids: set[int | None] = {n.staff_user_id for n in notes}
    names = _staff_names(session, staff_ids | {e.staff_user_id for e in events})
    return DebtorFile(
        debtor=debtor,
        currency=rules.currency,
        total_owed=sum(c.claim.balance for c in claims if c.claim.cancelled_on is None),
        credit=credit_balance(session, debtor_id, rules.currency),
        claims=claims,
        payments=tuple(
            session.scalars(
                select(Payment)
                .where(Payment.debtor_id == debtor_id)
                .order_by(Payment.received_on.desc(), Payment.id.desc())
            )
        ),
        plans=tuple(debtor_plans(session, debtor_id)),
        remissions=tuple(debtor_remissions(session, debtor_id)),
        letters=tuple(
            session.scalars(
                select(Letter)
                .where(Letter.debtor_id == debtor_id)
                .order_by(Letter.created_at.desc(), Letter.id.desc())
            )
        ),
        notes=tuple(NoteLine(n, names.get(n.staff_user_id, "")) for n in notes),
        signals=tuple(
            session.scalars(
                select(Signal)
                .where(Signal.debtor_id == debtor_id)
                .order_by(Signal.state.desc(), Signal.raised_at.desc(), Signal.id.desc())
            )
        ),
        referrals=tuple(
            session.scalars(
                select(Referral)
                .where(Referral.debtor_id == debtor_id)
                .order_by(Referral.created_at.desc(), Referral.id.desc())
            )
        ),
        holds=holds,
        work_items=tuple(
            session.scalars(
                select(WorkItem)
                .where(WorkItem.debtor_id == debtor_id, WorkItem.state == "open")
                .order_by(WorkItem.opened_at, WorkItem.id)
            )
        ),
        audit_trail=tuple(
            AuditLine(e, names.get(e.staff_user_id) if e.staff_user_id else None) for e in events
        ),
    )


def record_debtor_view(session: Session, *, staff_user_id: int, debtor_id: int) -> AuditEvent:
    """Who looked at whom: every opening of a debtor page is in the audit log."""
    return audit.record(
        session,
        Actor.staff(staff_user_id),
        "debtor.viewed",
        object_type="debtor",
        object_id=debtor_id,
        debtor_id=debtor_id,
    )
