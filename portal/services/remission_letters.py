"""The letter to the citizen about a remission application: the outcome, or the request for
more evidence. Stored in the same transaction as the decision; delivered after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import SUPPORTED_LOCALES
from portal.documents.delivery import DeliveryAdapter
from portal.documents.delivery import DeliveryFailed
from portal.models import Claim
from portal.models import Debtor
from portal.models import Letter
from portal.models import RemissionApplication
from portal.services.letters import create_letter
from portal.services.letters import deliver_letter

LETTER_KIND = "remission_decision"


def send_decision_letter(
    session: Session, application: RemissionApplication, *, as_of: date
) -> None:
    """The outcome (or the request for evidence) as a letter in the debtor's language."""
    debtor = session.get(Debtor, application.debtor_id)
    locale = (debtor.preferred_locale if debtor else None) or "nl"
    if locale not in SUPPORTED_LOCALES:
        locale = "en"
    claims = [
        (session.get(Claim, item.claim_id), item.amount_at_application, item.granted_amount)
        for item in application.claims
    ]
    create_letter(
        session,
        debtor_id=application.debtor_id,
        kind=LETTER_KIND,
        template="remission_decision_letter.html",
        context={"application": application, "claims": claims},
        locale=locale,
        letter_date=as_of,
    )


def deliver_letters(
    session: Session, letters: Sequence[Letter], adapter: DeliveryAdapter, *, now: datetime
) -> dict[str, int]:
    """Deliver `letters` (stored, committed) one by one. A failed delivery stays undelivered
    for a later try; a letter already delivered is not sent again (letters.deliver_letter)."""
    counts = {"delivered": 0, "failed": 0}
    for letter in letters:
        try:
            deliver_letter(session, letter, adapter, now=now)
        except DeliveryFailed:
            counts["failed"] += 1
            continue
        counts["delivered"] += 1
    return counts


def undelivered(debtor_id: int | None = None) -> Select[Letter]:
    """Remission letters not delivered yet, oldest first (of one debtor, or of everyone)."""
    query = select(Letter).where(Letter.kind == LETTER_KIND, Letter.delivered_at.is_(None))
    if debtor_id is not None:
        query = query.where(Letter.debtor_id == debtor_id)
    return query.order_by(Letter.id)


def deliver_decision_letters(
    session: Session, adapter: DeliveryAdapter, *, debtor_id: int, now: datetime
) -> int:
    """Deliver the debtor's stored remission letters not delivered yet (call after the commit
    that stored them, so a letter is never sent that was not stored). A failed delivery stays
    undelivered for the batch (remission_batch.deliver_remission_letters). Returns how many
    were delivered."""
    letters = session.scalars(undelivered(debtor_id)).all()
    return deliver_letters(session, letters, adapter, now=now)["delivered"]
