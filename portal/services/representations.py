"""Representatives (issue 9): register, end and look up mandates to act for a debtor.

Staff register a mandate with evidence (a court decision or the citizen's signed consent),
a scope (view only / act) and an end date. The representative's national id is validated,
hashed with the lookup key and never stored in clear; they log in with their own eID and are
matched by that hash (portal/auth/representing.py). Ending a mandate takes effect at once:
every request of an acting representative checks `active_representation` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import Debtor
from portal.models import Representation
from portal.models.representation import EVIDENCE_KINDS
from portal.models.representation import LETTERS_TO
from portal.models.representation import REPRESENTATION_KINDS
from portal.models.representation import REPRESENTATION_SCOPES
from portal.services import audit
from portal.services.audit import Actor
from portal.services.identity import InvalidNationalId
from portal.services.identity import hash_national_id
from portal.services.identity import normalise_national_id

#: an uploaded decision or consent: the same size cap as remission evidence
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


class RepresentationRefused(ValueError):
    """A mandate cannot be registered or ended; `reason` is a code the view translates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NewRepresentation:
    debtor_id: int
    national_id: str
    name: str
    kind: str
    scope: str
    evidence_kind: str
    evidence_reference: str
    starts_on: date
    ends_on: date
    letters_to: str = "representative"
    address: str | None = None
    email: str | None = None
    evidence_file: bytes | None = None


def register_representation(
    session: Session,
    config: Config,
    country: str,
    new: NewRepresentation,
    *,
    actor: Actor,
    today: date,
) -> Representation:
    """Record a mandate. Raises RepresentationRefused and stores nothing when it is not valid."""
    debtor = session.get(Debtor, new.debtor_id)
    if debtor is None:
        raise RepresentationRefused("unknown_debtor")
    _check_choices(new)
    if new.ends_on < new.starts_on:
        raise RepresentationRefused("ends_before_start")
    if new.ends_on < today:
        raise RepresentationRefused("already_ended")
    try:
        compact = normalise_national_id(country, new.national_id)
    except InvalidNationalId as error:
        raise RepresentationRefused("invalid_national_id") from error
    id_hash = hash_national_id(config, compact)
    if id_hash == debtor.national_id_hash:
        raise RepresentationRefused("self")
    content_type = _check_file(new.evidence_file)
    representation = Representation(
        debtor_id=debtor.id,
        representative_id_hash=id_hash,
        representative_id_last4=compact[-4:],
        representative_name=new.name.strip(),
        representative_address=(new.address or "").strip() or None,
        representative_email=(new.email or "").strip() or None,
        kind=new.kind,
        scope=new.scope,
        evidence_kind=new.evidence_kind,
        evidence_reference=new.evidence_reference.strip(),
        evidence_file=new.evidence_file or None,
        evidence_content_type=content_type,
        letters_to=new.letters_to,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        created_by=actor.staff_user_id,
    )
    session.add(representation)
    session.flush()
    audit.record(
        session,
        actor,
        "representation.registered",
        object_type="representation",
        object_id=representation.id,
        debtor_id=debtor.id,
        kind=new.kind,
        scope=new.scope,
        ends_on=new.ends_on.isoformat(),
    )
    return representation


def end_representation(
    session: Session, representation_id: int, *, actor: Actor, now: datetime
) -> Representation:
    """End a mandate now. The representative's next request is refused."""
    representation = session.get(Representation, representation_id)
    if representation is None:
        raise RepresentationRefused("unknown")
    if representation.ended_at is not None:
        raise RepresentationRefused("already_ended")
    representation.ended_at = now
    representation.ended_by = actor.staff_user_id
    session.flush()
    audit.record(
        session,
        actor,
        "representation.ended",
        object_type="representation",
        object_id=representation.id,
        debtor_id=representation.debtor_id,
    )
    return representation


def representations_of(session: Session, debtor_id: int) -> list[Representation]:
    """Every mandate for a debtor, newest first (for the staff debtor page)."""
    return list(
        session.scalars(
            select(Representation)
            .where(Representation.debtor_id == debtor_id)
            .order_by(Representation.starts_on.desc(), Representation.id.desc())
        )
    )


def active_for_person(
    session: Session, person_hash: str, today: date
) -> list[tuple[Representation, Debtor]]:
    """The mandates a person (by national-id hash) holds today, with the debtors, by name."""
    rows = session.execute(
        select(Representation, Debtor)
        .join(Debtor, Debtor.id == Representation.debtor_id)
        .where(
            Representation.representative_id_hash == person_hash,
            Representation.ended_at.is_(None),
            Representation.starts_on <= today,
            Representation.ends_on >= today,
        )
        .order_by(Debtor.name, Representation.id)
    ).all()
    return [(representation, debtor) for representation, debtor in rows]


def active_representation(
    session: Session, representation_id: int, person_hash: str, today: date
) -> Representation | None:
    """The mandate if it belongs to this person and holds today; None otherwise."""
    representation = session.get(Representation, representation_id)
    if representation is None or representation.representative_id_hash != person_hash:
        return None
    return representation if representation.active_on(today) else None


def letter_representative(session: Session, debtor_id: int, today: date) -> Representation | None:
    """The mandate whose representative receives the debtor's letters today (newest first);
    None when letters go to the debtor only."""
    return session.scalar(
        select(Representation)
        .where(
            Representation.debtor_id == debtor_id,
            Representation.letters_to != "debtor",
            Representation.ended_at.is_(None),
            Representation.starts_on <= today,
            Representation.ends_on >= today,
        )
        .order_by(Representation.starts_on.desc(), Representation.id.desc())
        .limit(1)
    )


def _check_choices(new: NewRepresentation) -> None:
    if new.kind not in REPRESENTATION_KINDS:
        raise RepresentationRefused("kind")
    if new.scope not in REPRESENTATION_SCOPES:
        raise RepresentationRefused("scope")
    if new.evidence_kind not in EVIDENCE_KINDS:
        raise RepresentationRefused("evidence_kind")
    if new.letters_to not in LETTERS_TO:
        raise RepresentationRefused("letters_to")
    if not new.name.strip() or len(new.name) > 200:
        raise RepresentationRefused("name")
    if not new.evidence_reference.strip() or len(new.evidence_reference) > 200:
        raise RepresentationRefused("evidence_reference")


def _check_file(data: bytes | None) -> str | None:
    """The uploaded evidence is checked like remission evidence: by content, not by name."""
    from portal.services.remission_evidence import detect_content_type  # no import cycle

    if not data:
        return None
    if len(data) > MAX_EVIDENCE_BYTES:
        raise RepresentationRefused("file_too_large")
    content_type = detect_content_type(data[:16])
    if content_type is None:
        raise RepresentationRefused("file_wrong_type")
    return content_type
