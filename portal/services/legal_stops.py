"""Legal stops: a court-ordered debt arrangement or the debtor's death stops collection on all
of the debtor's open claims (issue 6, "Disputes and legal stops").

A stop is a set of CollectionHold rows, one per open claim, with the same reason, reference
and `source` "legal:<id>", where <id> is the audit event that placed it; lifting the stop
ends those holds (never deletes them). The types offered depend on the rule pack's country.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import CollectionHold
from portal.models import Debtor
from portal.services import audit
from portal.services import holds
from portal.services.audit import Actor

SOURCE_PREFIX = "legal:"
#: per country, the court-ordered debt arrangements; "death" applies everywhere
TYPES_BY_COUNTRY: dict[str, tuple[str, ...]] = {
    "NL": (holds.LEGAL_WSNP,),
    "BE": (holds.LEGAL_COLLECTIVE_DEBT_SETTLEMENT,),
    "DK": (holds.LEGAL_GAELDSSANERING,),
}
LIFT_REASONS = ("arrangement_ended", "arrangement_refused", "estate_settled", "placed_in_error")
MAX_REFERENCE = 80


class LegalStopError(ValueError):
    """`reason`: bad_type, reference_required, reference_too_long, future_date,
    no_open_claims, no_debtor, not_found, already_lifted, bad_lift_reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LegalStop:
    id: int
    reason: str
    reference: str | None
    starts_on: date
    #: None while the stop is in force; else the day collection could go on again
    ends_on: date | None
    claim_ids: tuple[int, ...]

    @property
    def active(self) -> bool:
        return self.ends_on is None


def legal_types(country: str) -> tuple[str, ...]:
    return (*TYPES_BY_COUNTRY.get(country, ()), holds.DEATH)


def _open_claims(session: Session, debtor_id: int) -> list[Claim]:
    return list(
        session.scalars(
            select(Claim)
            .where(
                Claim.debtor_id == debtor_id,
                Claim.cancelled_on.is_(None),
                (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
            )
            .order_by(Claim.id)
        )
    )


def place_legal_stop(
    session: Session,
    *,
    country: str,
    debtor_id: int,
    reason: str,
    reference: str,
    starts_on: date,
    staff_user_id: int,
    today: date,
) -> LegalStop:
    """Hold every open claim of the debtor. Raises LegalStopError and changes nothing."""
    if session.get(Debtor, debtor_id) is None:
        raise LegalStopError("no_debtor")
    if reason not in legal_types(country):
        raise LegalStopError("bad_type")
    cleaned = " ".join((reference or "").split())
    if not cleaned:
        raise LegalStopError("reference_required")
    if len(cleaned) > MAX_REFERENCE:
        raise LegalStopError("reference_too_long")
    if starts_on > today:
        raise LegalStopError("future_date")
    claims = _open_claims(session, debtor_id)
    if not claims:
        raise LegalStopError("no_open_claims")
    event = audit.record(
        session,
        Actor.staff(staff_user_id),
        "legal_stop.placed",
        object_type="debtor",
        object_id=debtor_id,
        debtor_id=debtor_id,
        reason=reason,
        claims=len(claims),
    )
    session.flush()
    for claim in claims:
        holds.place_hold(
            session,
            claim.id,
            reason,
            starts_on=starts_on,
            source=f"{SOURCE_PREFIX}{event.id}",
            reference=cleaned,
        )
    return LegalStop(
        id=event.id,
        reason=reason,
        reference=cleaned,
        starts_on=starts_on,
        ends_on=None,
        claim_ids=tuple(c.id for c in claims),
    )


def _holds(session: Session, debtor_id: int, stop_id: int | None = None) -> list[CollectionHold]:
    query = (
        select(CollectionHold)
        .join(Claim, Claim.id == CollectionHold.claim_id)
        .where(Claim.debtor_id == debtor_id)
    )
    if stop_id is None:
        query = query.where(CollectionHold.source.like(f"{SOURCE_PREFIX}%"))
    else:
        query = query.where(CollectionHold.source == f"{SOURCE_PREFIX}{stop_id}")
    return list(session.scalars(query.order_by(CollectionHold.id)))


def legal_stops(session: Session, debtor_id: int) -> list[LegalStop]:
    """The debtor's legal stops, newest first."""
    grouped: dict[str, list[CollectionHold]] = {}
    for hold in _holds(session, debtor_id):
        grouped.setdefault(hold.source, []).append(hold)
    stops = [_stop(source, rows) for source, rows in grouped.items()]
    return sorted(stops, key=lambda s: s.id, reverse=True)


def _stop(source: str, rows: list[CollectionHold]) -> LegalStop:
    ends = [h.ends_on for h in rows]
    return LegalStop(
        id=int(source.removeprefix(SOURCE_PREFIX)),
        reason=rows[0].reason,
        reference=rows[0].reference,
        starts_on=min(h.starts_on for h in rows),
        ends_on=None if any(e is None for e in ends) else max(e for e in ends if e is not None),
        claim_ids=tuple(h.claim_id for h in rows),
    )


def lift_legal_stop(
    session: Session,
    *,
    debtor_id: int,
    stop_id: int,
    lift_reason: str,
    staff_user_id: int,
    today: date,
) -> LegalStop:
    """End the stop's holds from `today`. Raises LegalStopError (not_found, already_lifted,
    bad_lift_reason) and changes nothing."""
    if lift_reason not in LIFT_REASONS:
        raise LegalStopError("bad_lift_reason")
    rows = _holds(session, debtor_id, stop_id)
    if not rows:
        raise LegalStopError("not_found")
    open_rows = [h for h in rows if h.ends_on is None]
    if not open_rows:
        raise LegalStopError("already_lifted")
    for hold in open_rows:
        holds.release_hold(session, hold, on=today)
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "legal_stop.lifted",
        object_type="debtor",
        object_id=debtor_id,
        debtor_id=debtor_id,
        stop_id=stop_id,
        reason=rows[0].reason,
        lift_reason=lift_reason,
    )
    return _stop(f"{SOURCE_PREFIX}{stop_id}", rows)
