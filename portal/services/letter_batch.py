"""The letters steps of the daily batch, apart from the money steps (PDFs are slow).

`run_reminder_letters`: every ReminderRecord without a letter gets one B1 reminder letter in
the debtor's language (templates/documents/reminder_letter.html): help options first, then
the amount, the reference, a payment link and a QR code (EPC for EUR; for DKK a QR that opens
the payment link, plus the FIK code line). The letter's id is set on the record once, so a
second run makes no second letter; rows are locked (SKIP LOCKED on PostgreSQL) so two runs
at once do not both write one.

`deliver_reminder_letters`: delivers the stored reminder letters not yet delivered, through
the configured adapter. It runs as its own step, after the runner committed the letters, so
a letter is never sent that was not stored (services/letters.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import schwifty
import segno
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.documents.delivery import DeliveryFailed
from portal.documents.delivery import get_delivery_adapter
from portal.domain.epc import EpcError
from portal.domain.epc import EpcTransfer
from portal.domain.epc import epc_payload
from portal.domain.epc import remittance
from portal.domain.money import Money
from portal.domain.references import InvalidReference
from portal.domain.references import display
from portal.domain.references import fik_code_line
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import localised_name
from portal.models import Claim
from portal.models import Letter
from portal.models import ReminderRecord
from portal.services import social_status_offers
from portal.services.letters import create_letter
from portal.services.letters import deliver_letter
from portal.services.payment_links import create_payment_link
from portal.services.plans import letter_locale

LETTER_KIND = "reminder"
TEMPLATE = "reminder_letter.html"


@dataclass(frozen=True)
class HowToPay:
    """The payment part of a reminder letter."""

    amount: int
    currency: str
    reference: str
    payee_name: str
    iban: str
    bic: str
    payment_url: str
    #: a PNG data: URI — EPC QR (EUR) or a QR that opens `payment_url`
    qr_data_uri: str
    qr_is_epc: bool
    fik_line: str | None


def _reference(rules: RulePack, claim: Claim) -> str:
    if not claim.reference:
        return ""
    try:
        return display(rules.reference_scheme, claim.reference)
    except InvalidReference:
        return claim.reference


def _epc_qr(config: Config, rules: RulePack, claim: Claim, amount: int) -> str | None:
    if claim.currency != "EUR" or not claim.reference or amount <= 0:
        return None
    try:
        line10, line11 = remittance(rules.reference_scheme, claim.reference, claim.description)
        payload = epc_payload(
            EpcTransfer(
                name=config.payee_name[:70],
                iban=schwifty.IBAN(config.payee_iban).compact,
                bic=config.payee_bic,
                amount=Money(amount, claim.currency),
                rf_reference=line10,
                text=line11,
                info=claim.description[:70] if line10 else "",
            )
        )
    except (EpcError, ValueError):
        return None
    qr = segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False)
    return str(qr.png_data_uri(scale=3, border=4))


def how_to_pay(
    session: Session, config: Config, rules: RulePack, claim: Claim, *, now: datetime
) -> HowToPay:
    """Payment details for a letter about `claim`, with a new payment link (token shown once)."""
    issued = create_payment_link(session, config, claim_id=claim.id, now=now)
    # Built by hand: the batch runs outside a request, so url_for has no server name.
    url = f"{config.public_base_url.rstrip('/')}/p/{issued.token}"
    epc = _epc_qr(config, rules, claim, claim.balance)
    fik_line = None
    if claim.currency == "DKK" and claim.reference:
        try:
            fik_line = fik_code_line(claim.reference, config.fik_creditor_number)
        except InvalidReference:
            fik_line = None
    try:
        iban = schwifty.IBAN(config.payee_iban).formatted
    except ValueError:
        iban = config.payee_iban
    return HowToPay(
        amount=claim.balance,
        currency=claim.currency,
        reference=_reference(rules, claim),
        payee_name=config.payee_name,
        iban=iban,
        bic=config.payee_bic,
        payment_url=url,
        qr_data_uri=epc or str(segno.make_qr(url, error="m").png_data_uri(scale=3, border=4)),
        qr_is_epc=epc is not None,
        fik_line=fik_line,
    )


def run_reminder_letters(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Make the letter for every reminder that has none yet (`as_of` is not needed: each
    letter carries the date its reminder was sent)."""
    config: Config = current_app.config["SALDO"]
    records = session.scalars(
        select(ReminderRecord)
        .where(ReminderRecord.letter_id.is_(None))
        .order_by(ReminderRecord.id)
        .with_for_update(skip_locked=True)
    ).all()
    now = datetime.now(UTC)
    made = 0
    for record in records:
        claim = session.get(Claim, record.claim_id)
        if claim is None:  # pragma: no cover - a foreign key makes this impossible
            continue
        letter = make_reminder_letter(session, config, rules, record, claim, now=now)
        record.letter_id = letter.id
        made += 1
    session.flush()
    return {"letters": made}


def reminder_letter_context(
    session: Session,
    config: Config,
    rules: RulePack,
    record: ReminderRecord,
    claim: Claim,
    *,
    locale: str,
    now: datetime,
) -> dict[str, Any]:
    """What templates/documents/reminder_letter.html needs (besides recipient, letter_date)."""
    return {
        "claim": claim,
        "claim_type_name": claim.claim_type.name(locale),
        "reminder": record,
        "pay": how_to_pay(session, config, rules, claim, now=now),
        "collector_name": localised_name(rules.collector_names, locale),
        "debt_help_name": localised_name(rules.debt_help_names, locale),
        "remission_possible": bool(claim.claim_type.remission_eligible),
        # issue 8: the proactive offer while the debtor's social status is active
        "help_offer": social_status_offers.has_active_status(
            session, claim.debtor_id, record.sent_on
        ),
    }


def make_reminder_letter(
    session: Session,
    config: Config,
    rules: RulePack,
    record: ReminderRecord,
    claim: Claim,
    *,
    now: datetime,
) -> Letter:
    """Render and store the letter for one reminder, in the debtor's language."""
    locale = letter_locale(session, rules, claim.debtor_id)
    return create_letter(
        session,
        debtor_id=claim.debtor_id,
        claim_id=claim.id,
        kind=LETTER_KIND,
        template=TEMPLATE,
        context=reminder_letter_context(
            session, config, rules, record, claim, locale=locale, now=now
        ),
        locale=locale,
        letter_date=record.sent_on,
    )


def deliver_reminder_letters(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Deliver the stored reminder letters that were not delivered yet."""
    config: Config = current_app.config["SALDO"]
    adapter = get_delivery_adapter(config)
    letters = session.scalars(
        select(Letter)
        .where(Letter.kind == LETTER_KIND, Letter.delivered_at.is_(None))
        .order_by(Letter.id)
        .with_for_update(skip_locked=True)
    ).all()
    counts = {"delivered": 0, "failed": 0}
    for letter in letters:
        try:
            deliver_letter(session, letter, adapter, now=datetime.now(UTC))
        except DeliveryFailed:
            counts["failed"] += 1  # stays undelivered; the next run tries again
            continue
        counts["delivered"] += 1
    return counts
