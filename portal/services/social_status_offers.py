"""Who has an active social status, and the offer it opens (issue 8).

Reads for the citizen's banner, the caseworker list, the batch (no plan costs, the letter
paragraph) and the remission prefill. Flags are written by `services/social_status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.models import Claim
from portal.models import Debtor
from portal.models.social_status import SocialStatus
from portal.services import audit
from portal.services.audit import Actor
from portal.services.social_status import SUBJECT

# -- reads ---------------------------------------------------------------------------------------


def _active(as_of: date) -> tuple[ColumnElement[bool], ...]:
    return (
        SocialStatus.ended_at.is_(None),
        SocialStatus.valid_from <= as_of,
        SocialStatus.valid_until >= as_of,
    )


def active_social_status(session: Session, debtor_id: int, as_of: date) -> SocialStatus | None:
    """The debtor's active flag that runs longest, or None."""
    return session.scalar(
        select(SocialStatus)
        .where(SocialStatus.debtor_id == debtor_id, *_active(as_of))
        .order_by(SocialStatus.valid_until.desc(), SocialStatus.id.desc())
        .limit(1)
    )


def debtors_with_status(session: Session, debtor_ids: Sequence[int], as_of: date) -> set[int]:
    """Which of `debtor_ids` have an active flag on `as_of` (one query, for the batches)."""
    if not debtor_ids:
        return set()
    return set(
        session.scalars(
            select(SocialStatus.debtor_id)
            .where(SocialStatus.debtor_id.in_(set(debtor_ids)), *_active(as_of))
            .distinct()
        )
    )


@dataclass(frozen=True)
class OfferedDebtor:
    debtor_id: int
    name: str
    national_id_last4: str | None
    kind: str
    valid_until: date
    department_id: int
    offer_dismissed: bool


def debtors_with_active_status(
    session: Session, as_of: date, *, limit: int = 500
) -> list[OfferedDebtor]:
    """The caseworker list: one row per debtor with an active flag (the longest running)."""
    rows = session.execute(
        select(SocialStatus, Debtor.name, Debtor.national_id_last4)
        .join(Debtor, Debtor.id == SocialStatus.debtor_id)
        .where(*_active(as_of))
        .order_by(Debtor.name, Debtor.id, SocialStatus.valid_until.desc())
    ).all()
    seen: dict[int, OfferedDebtor] = {}
    for status, name, last4 in rows:
        if status.debtor_id in seen:
            continue
        seen[status.debtor_id] = OfferedDebtor(
            debtor_id=status.debtor_id,
            name=name,
            national_id_last4=last4,
            kind=status.kind,
            valid_until=status.valid_until,
            department_id=status.department_id,
            offer_dismissed=status.offer_dismissed_at is not None,
        )
        if len(seen) >= limit:
            break
    return list(seen.values())


# -- the citizen's offer -------------------------------------------------------------------------


def offer_for(session: Session, debtor_id: int, as_of: date) -> SocialStatus | None:
    """The flag behind the proactive offer, unless the citizen closed the banner for it."""
    status = active_social_status(session, debtor_id, as_of)
    if status is None or status.offer_dismissed_at is not None:
        return None
    return status


def dismiss_offer(
    session: Session, debtor_id: int, *, as_of: date, actor: Actor, now: datetime
) -> bool:
    """Remember that the citizen closed the banner (for every active flag). False: no offer."""
    statuses = list(
        session.scalars(
            select(SocialStatus).where(
                SocialStatus.debtor_id == debtor_id,
                SocialStatus.offer_dismissed_at.is_(None),
                *_active(as_of),
            )
        )
    )
    for status in statuses:
        status.offer_dismissed_at = now
        audit.record(
            session,
            actor,
            "social_status.offer_dismissed",
            object_type=SUBJECT,
            object_id=status.id,
            debtor_id=debtor_id,
        )
    return bool(statuses)


def claims_without_plan_costs(session: Session, claim_ids: Sequence[int], as_of: date) -> set[int]:
    """Which of `claim_ids` belong to a debtor with an active flag: while it is active a plan
    carries no costs (the batches record the fee as avoided, reason "social_status")."""
    if not claim_ids:
        return set()
    return set(
        session.scalars(
            select(Claim.id).where(
                Claim.id.in_(set(claim_ids)),
                Claim.debtor_id.in_(select(SocialStatus.debtor_id).where(*_active(as_of))),
            )
        )
    )


def has_active_status(session: Session, debtor_id: int, as_of: date) -> bool:
    return active_social_status(session, debtor_id, as_of) is not None
