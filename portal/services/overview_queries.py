"""The overview's two statements, built once at import and reused for every request.

Why a module of its own: the overview is the page every citizen opens first, so it is the one
page measured at city scale (docs/benchmarks.md). Building a SELECT with the ORM on every
request (coercing each column and condition), loading full ORM objects and running one
statement per side fact cost more than the page itself. Here the statements are made once
with bind parameters (SQLAlchemy then also reuses their compiled form), rows come back as
plain tuples, and every per-claim fact the status needs comes back in ONE statement:

1. `CLAIMS`: the debtor's claims with their type and department names;
2. `FACTS`: a UNION ALL of the active holds, the online payments still pending, how each
   settled claim was settled (its last reducing ledger entry), the debtor's credit, and what
   the page's side panels need to know first: the claims on automatic payment (direct debit),
   the active social-status flags behind the proactive offer, and whether a plan is open.
   A side panel whose answer is "nothing" then costs no statement of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy import Date
from sqlalchemy import Integer
from sqlalchemy import Row
from sqlalchemy import String
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import null
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union_all
from sqlalchemy.orm import Session

from portal.domain.plans import HOLDING_STATES
from portal.domain.plans import PlanState
from portal.models import CheckoutAttempt
from portal.models import Claim
from portal.models import ClaimType
from portal.models import CollectionHold
from portal.models import DebtorAccountEntry
from portal.models import Department
from portal.models import DirectDebitNotice
from portal.models import LedgerEntry
from portal.models import Mandate
from portal.models import Plan
from portal.models.social_status import SocialStatus

_DEBTOR = bindparam("debtor_id", type_=Integer)
_AS_OF = bindparam("as_of", type_=Date)

#: One row per claim; the labels match Claim's attributes, so a row reads like a claim.
CLAIM_COLUMNS = (
    Claim.id,
    Claim.reference,
    Claim.description,
    Claim.currency,
    Claim.issue_date,
    Claim.due_date,
    Claim.original_amount,
    Claim.principal_due,
    Claim.fee_due,
    Claim.interest_due,
    Claim.reminders_sent,
    Claim.handed_over_on,
    Claim.cancelled_on,
    ClaimType.code.label("type_code"),
    ClaimType.names.label("type_names"),
    Department.code.label("department_code"),
    Department.names.label("department_names"),
)

_CLAIMS_OF_DEBTOR = (
    select(*CLAIM_COLUMNS)
    .join(ClaimType, ClaimType.id == Claim.claim_type_id)
    .join(Department, Department.id == Claim.department_id)
    .where(Claim.debtor_id == _DEBTOR)
)

CLAIMS = _CLAIMS_OF_DEBTOR.order_by(Claim.due_date, Claim.id)
ONE_CLAIM = _CLAIMS_OF_DEBTOR.where(Claim.id == bindparam("claim_id", type_=Integer))


def _facts_statement() -> Any:
    day, amount = cast(null(), Date), cast(null(), BigInteger)
    holds = (
        select(
            literal("hold", String).label("kind"),
            CollectionHold.claim_id,
            CollectionHold.reason.label("text"),
            day.label("day"),
            amount.label("amount"),
        )
        .join(Claim, Claim.id == CollectionHold.claim_id)
        .where(
            Claim.debtor_id == _DEBTOR,
            CollectionHold.starts_on <= _AS_OF,
            or_(CollectionHold.ends_on.is_(None), CollectionHold.ends_on > _AS_OF),
        )
    )
    pending = select(
        literal("pending", String),
        CheckoutAttempt.claim_id,
        cast(null(), String),
        day,
        amount,
    ).where(
        CheckoutAttempt.debtor_id == _DEBTOR,
        CheckoutAttempt.state == "pending",
        CheckoutAttempt.expires_at > bindparam("now"),
    )
    # How a zero balance came about: the cause and date of the claim's last reducing entry.
    last_reductions = (
        select(LedgerEntry.claim_id, func.max(LedgerEntry.id).label("last_id"))
        .join(Claim, Claim.id == LedgerEntry.claim_id)
        .where(
            Claim.debtor_id == _DEBTOR,
            Claim.principal_due + Claim.fee_due + Claim.interest_due == 0,
            LedgerEntry.amount < 0,
        )
        .group_by(LedgerEntry.claim_id)
        .subquery()
    )
    settled = select(
        literal("settled", String),
        LedgerEntry.claim_id,
        LedgerEntry.cause,
        LedgerEntry.effective_date,
        amount,
    ).join(last_reductions, LedgerEntry.id == last_reductions.c.last_id)
    credit = select(
        literal("credit", String),
        cast(null(), Integer),
        cast(null(), String),
        day,
        func.coalesce(func.sum(DebtorAccountEntry.amount), 0),
    ).where(
        DebtorAccountEntry.debtor_id == _DEBTOR,
        DebtorAccountEntry.currency == bindparam("currency", type_=String),
    )
    direct_debit = (
        select(
            literal("direct_debit", String),
            DirectDebitNotice.claim_id,
            cast(null(), String),
            day,
            amount,
        )
        .join(Mandate, Mandate.id == DirectDebitNotice.mandate_id)
        .join(Claim, Claim.id == DirectDebitNotice.claim_id)
        .where(
            Mandate.debtor_id == _DEBTOR,
            Mandate.state == "active",
            (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
        )
    )
    # As social_status_offers.offer_for: the active flag that runs longest decides.
    offer = select(
        literal("offer", String),
        SocialStatus.id,
        cast(null(), String),
        SocialStatus.valid_until,
        case((SocialStatus.offer_dismissed_at.is_(None), 0), else_=1),
    ).where(
        SocialStatus.debtor_id == _DEBTOR,
        SocialStatus.ended_at.is_(None),
        SocialStatus.valid_from <= _AS_OF,
        SocialStatus.valid_until >= _AS_OF,
    )
    # As plans.open_plan: a plan in a holding state, or a defaulted one that may be re-planned.
    plan = select(literal("plan", String), Plan.id, Plan.state, day, amount).where(
        Plan.debtor_id == _DEBTOR,
        Plan.state.in_(sorted({*(s.value for s in HOLDING_STATES), PlanState.DEFAULTED.value})),
    )
    return union_all(holds, pending, settled, credit, direct_debit, offer, plan)


FACTS = _facts_statement()


@dataclass
class ClaimFactsOfDebtor:
    """What `FACTS` returned, by claim id."""

    hold_reasons: dict[int, set[str]] = field(default_factory=dict)
    pending: set[int] = field(default_factory=set)
    last_reduction: dict[int, tuple[str, date]] = field(default_factory=dict)
    credit: int = 0
    #: open claims an active claim-type mandate has announced (direct debit)
    direct_debit: set[int] = field(default_factory=set)
    #: the active social-status flags: (valid until, id, offer dismissed)
    offer_flags: list[tuple[date, int, bool]] = field(default_factory=list)
    has_open_plan: bool = False

    @property
    def offer_open(self) -> bool:
        """The proactive offer shows: the longest running active flag was not dismissed."""
        return bool(self.offer_flags) and not max(self.offer_flags)[2]


def claim_rows(
    session: Session, debtor_id: int, claim_scope: frozenset[int] | None
) -> Sequence[Row[Any]]:
    rows = session.execute(CLAIMS, {"debtor_id": debtor_id}).all()
    if claim_scope is None:
        return rows
    return [row for row in rows if row.id in claim_scope]


def one_claim_row(session: Session, debtor_id: int, claim_id: int) -> Row[Any] | None:
    return session.execute(ONE_CLAIM, {"debtor_id": debtor_id, "claim_id": claim_id}).first()


def claim_facts(
    session: Session, debtor_id: int, *, as_of: date, now: datetime | None, currency: str
) -> ClaimFactsOfDebtor:
    """Holds active on `as_of`, payments pending at `now` (none when `now` is None), how the
    settled claims were settled, and the credit in `currency`: one statement."""
    facts = ClaimFactsOfDebtor()
    params = {
        "debtor_id": debtor_id,
        "as_of": as_of,
        "now": now if now is not None else datetime.now(UTC),
        "currency": currency,
    }
    for kind, claim_id, text, day, amount in session.execute(FACTS, params):
        if kind == "hold":
            facts.hold_reasons.setdefault(claim_id, set()).add(text)
        elif kind == "pending":
            if now is not None:  # without a moment, nothing counts as pending
                facts.pending.add(claim_id)
        elif kind == "settled":
            facts.last_reduction[claim_id] = (text, day)
        elif kind == "credit":
            facts.credit = int(amount or 0)
        elif kind == "direct_debit":
            facts.direct_debit.add(claim_id)
        elif kind == "offer":
            facts.offer_flags.append((day, claim_id, bool(amount)))
        elif kind == "plan":
            facts.has_open_plan = True
    return facts
