"""Letters: render a document to PDF, store it, deliver it through an adapter.

Typical use (a view, batch or CLI command):

    letter = create_letter(session, debtor_id=..., kind="login_code",
                           template="login_code_letter.html", context={...}, locale="nl",
                           letter_date=as_of)
    session.commit()
    deliver_letter(session, letter, get_delivery_adapter(config), now=utcnow())
    session.commit()

Delivery comes after the first commit, so a letter is never sent that was not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from portal.config import SUPPORTED_LOCALES
from portal.documents.delivery import DeliveryAdapter
from portal.documents.delivery import Recipient
from portal.documents.render import render_document
from portal.models import Debtor
from portal.models import Letter
from portal.models import Representation
from portal.models.base import utcnow
from portal.services.representations import letter_representative


class UnknownDebtor(LookupError):
    """A letter was asked for a debtor that does not exist."""


def create_letter(
    session: Session,
    *,
    debtor_id: int,
    kind: str,
    template: str,
    context: Mapping[str, Any],
    locale: str,
    claim_id: int | None = None,
    letter_date: date | None = None,
) -> Letter:
    """Render templates/documents/<template> for the debtor and store the PDF.

    The template also gets `recipient` (name and address of the debtor) and `letter_date`
    (default: today in the installation's time zone). Needs an app context.
    """
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    if not kind or len(kind) > 40:
        raise ValueError("kind must be 1-40 characters")
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise UnknownDebtor(f"no debtor {debtor_id}")
    day = letter_date or _today_here()
    values = {
        "recipient": addressee(session, debtor, day),
        "letter_date": day,
        **context,
    }
    pdf = render_document(template, values, locale)
    letter = Letter(
        debtor_id=debtor_id,
        claim_id=claim_id,
        kind=kind,
        template=template,
        locale=locale,
        pdf=pdf,
    )
    session.add(letter)
    session.flush()
    return letter


def deliver_letter(
    session: Session, letter: Letter, adapter: DeliveryAdapter, *, now: datetime
) -> None:
    """Send the stored letter through `adapter` and record channel and time.

    A letter already delivered is not sent again. DeliveryFailed from the adapter leaves the
    letter undelivered, so a later run can try again.
    """
    if letter.delivered_at is not None:
        return
    debtor = session.get(Debtor, letter.debtor_id)
    if debtor is None:
        raise UnknownDebtor(f"no debtor {letter.debtor_id}")
    for recipient in delivery_recipients(session, debtor, now.date()):
        adapter.deliver(letter, letter.pdf, recipient)
    letter.channel = adapter.name
    letter.delivered_at = now
    session.flush()


def addressee(session: Session, debtor: Debtor, day: date) -> Recipient:
    """Issue 9: who the letter is addressed to, per the active mandate's `letters_to`: the
    representative ("on behalf of" the debtor), or the debtor with a copy to the
    representative, or the debtor alone."""
    representation = letter_representative(session, debtor.id, day)
    if representation is None:
        return Recipient.of(debtor)
    if representation.letters_to == "both":
        return replace(Recipient.of(debtor), copy_to=representation.representative_name)
    return _representative_recipient(representation, debtor)


def delivery_recipients(session: Session, debtor: Debtor, day: date) -> list[Recipient]:
    """Where a letter is sent (issue 9): the representative, or both, or the debtor."""
    representation = letter_representative(session, debtor.id, day)
    if representation is None:
        return [Recipient.of(debtor)]
    to_representative = _representative_recipient(representation, debtor)
    if representation.letters_to == "both":
        return [Recipient.of(debtor), to_representative]
    return [to_representative]


def _representative_recipient(representation: Representation, debtor: Debtor) -> Recipient:
    return Recipient(
        debtor_id=debtor.id,
        name=representation.representative_name,
        address=representation.representative_address,
        email=representation.representative_email,
        on_behalf_of=debtor.name,
    )


def _today_here() -> date:
    zone = ZoneInfo(current_app.config["RULE_PACK"].timezone)
    return utcnow().astimezone(zone).date()
