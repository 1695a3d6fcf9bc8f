"""The contact log: notes of calls, desk visits, letters and e-mails, each with its outcome.

Logging a contact for an early signal closes that signal with the same outcome. A note is
never changed afterwards; its text stays out of the audit log (it may hold personal details).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import tzinfo

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ContactNote
from portal.models import Debtor
from portal.models import Signal
from portal.models.contact import CONTACT_CHANNELS
from portal.models.contact import CONTACT_OUTCOMES
from portal.services import audit
from portal.services.audit import Actor
from portal.services.signals import SignalNotOpen
from portal.services.signals import close_signal

MAX_NOTE = 4000

__all__ = [
    "CONTACT_CHANNELS",
    "CONTACT_OUTCOMES",
    "InvalidContact",
    "SignalNotOpen",
    "last_contact_days",
    "log_contact",
]


class InvalidContact(ValueError):
    """`reason`: unknown_debtor, channel, outcome, note_too_long, signal (not this debtor's)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def log_contact(
    session: Session,
    *,
    debtor_id: int,
    staff_user_id: int,
    channel: str,
    outcome: str,
    note: str = "",
    signal_id: int | None = None,
    now: datetime,
) -> ContactNote:
    """Record a contact attempt; with `signal_id`, close that open signal with `outcome`.

    Raises InvalidContact, or SignalNotOpen when someone closed the signal meanwhile.
    """
    if session.get(Debtor, debtor_id) is None:
        raise InvalidContact("unknown_debtor")
    if channel not in CONTACT_CHANNELS:
        raise InvalidContact("channel")
    if outcome not in CONTACT_OUTCOMES:
        raise InvalidContact("outcome")
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidContact("note_too_long")
    signal: Signal | None = None
    if signal_id is not None:
        signal = session.get(Signal, signal_id)
        if signal is None or signal.debtor_id != debtor_id:
            raise InvalidContact("signal")
        close_signal(session, signal, outcome=outcome, staff_user_id=staff_user_id, now=now)
    contact = ContactNote(
        debtor_id=debtor_id,
        staff_user_id=staff_user_id,
        channel=channel,
        outcome=outcome,
        note=text,
        signal_id=signal_id,
        created_at=now,
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        Actor.staff(staff_user_id),
        "contact.logged",
        object_type="contact_note",
        object_id=contact.id,
        debtor_id=debtor_id,
        channel=channel,
        outcome=outcome,
        signal_id=signal_id,
    )
    return contact


def last_contact_days(session: Session, debtor_ids: Sequence[int], tz: tzinfo) -> dict[int, date]:
    """The day (in the installation's time zone) of each debtor's last logged contact.

    One grouped query; debtors without any contact are left out.
    """
    ids = sorted(set(debtor_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ContactNote.debtor_id, func.max(ContactNote.created_at))
        .where(ContactNote.debtor_id.in_(ids))
        .group_by(ContactNote.debtor_id)
    ).all()
    result: dict[int, date] = {}
    for debtor_id, last in rows:
        if last is None:
            continue
        if isinstance(last, str):  # pragma: no cover - SQLite returns max() of a text column
            last = datetime.fromisoformat(last)
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)  # pragma: no cover - stored as UTC
        result[debtor_id] = last.astimezone(tz).date()
    return result
