"""Audit: every staff action (and every change a citizen or the system makes) is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portal.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts. In desk mode a staff member acts and `debtor_id` is the citizen beside them."""

    kind: str  # staff, citizen, system, api
    staff_user_id: int | None = None
    debtor_id: int | None = None
    #: issue 9: a representative acting for the citizen (Representation.id)
    representation_id: int | None = None
    #: issue 9: the person acting for a business debtor (keyed hash, never the number)
    acting_person: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system")

    @classmethod
    def citizen(
        cls,
        debtor_id: int,
        *,
        representation_id: int | None = None,
        acting_person: str | None = None,
    ) -> Actor:
        """The citizen, or someone acting for them: a representative (their mandate) or
        one of the people of a business (issue 9); both are written to every event."""
        return cls(
            "citizen",
            debtor_id=debtor_id,
            representation_id=representation_id,
            acting_person=acting_person,
        )

    @classmethod
    def staff(cls, staff_user_id: int, *, on_behalf_of: int | None = None) -> Actor:
        return cls("staff", staff_user_id=staff_user_id, debtor_id=on_behalf_of)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    debtor_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Append an audit event. Details carry internal ids and codes only, never personal data."""
    if actor.representation_id is not None:
        details.setdefault("representation_id", actor.representation_id)
    if actor.acting_person is not None:
        details.setdefault("acting_person", actor.acting_person)
    event = AuditEvent(
        actor_kind=actor.kind,
        staff_user_id=actor.staff_user_id,
        debtor_id=debtor_id if debtor_id is not None else actor.debtor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    session.add(event)
    return event
