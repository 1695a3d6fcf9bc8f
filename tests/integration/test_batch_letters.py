"""The letters steps: one B1 reminder letter per reminder, in the debtor's language, with the
help options first, the amount, the reference, a payment link and a QR code; made once and
delivered once."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import zxingcpp
from flask import Flask
from flask import current_app
from PIL import Image
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.documents.delivery import Recipient
from portal.documents.render import render_document_html
from portal.domain.references import display
from portal.models import Claim
from portal.models import Letter
from portal.models import PaymentLink
from portal.models import ReminderRecord
from portal.services.dunning_batch import run_dunning
from portal.services.letter_batch import TEMPLATE
from portal.services.letter_batch import deliver_reminder_letters
from portal.services.letter_batch import how_to_pay
from portal.services.letter_batch import reminder_letter_context
from portal.services.letter_batch import run_reminder_letters
from tests.support.batch import DUE
from tests.support.batch import claim_of
from tests.support.batch import pack
from tests.support.batch import reminders_of
from tests.support.overview_documents import laid_out_text
from tests.support.plans import rules as nl_rules

MakeApp = Callable[..., Flask]
FIRST = DUE + timedelta(days=7)
NOW = datetime(2026, 9, 8, 6, 0, tzinfo=UTC)


def _qr_text(data_uri: str) -> str:
    png = base64.b64decode(data_uri.split(",", 1)[1])
    return str(zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text)


def _letters(session: Session) -> int:
    return int(session.scalar(select(func.count(Letter.id)).where(Letter.kind == "reminder")) or 0)


def _letter_text(session: Session, record: ReminderRecord, claim: Claim, locale: str) -> str:
    config = current_app.config["SALDO"]
    context = reminder_letter_context(
        session, config, current_app.config["RULE_PACK"], record, claim, locale=locale, now=NOW
    )
    html = render_document_html(
        TEMPLATE,
        {**context, "recipient": Recipient.of(claim.debtor), "letter_date": record.sent_on},
        locale,
    )
    return laid_out_text(html)


def test_each_reminder_gets_one_letter_in_the_debtors_language_made_once(
    db_session: Session,
) -> None:
    english = claim_of(db_session, "ozb_residential", 30_000, preferred_locale="en")
    dutch = claim_of(db_session, "ozb_residential", 40_000)
    run_dunning(db_session, nl_rules(), as_of=FIRST)

    counts = run_reminder_letters(db_session, nl_rules(), as_of=FIRST)
    again = run_reminder_letters(db_session, nl_rules(), as_of=FIRST)

    assert counts == {"letters": 2}
    assert again == {"letters": 0}
    assert _letters(db_session) == 2
    for claim, locale in ((english, "en"), (dutch, "nl")):
        (record,) = reminders_of(db_session, claim)
        letter = db_session.get(Letter, record.letter_id)
        assert letter is not None
        assert (letter.kind, letter.claim_id, letter.locale) == ("reminder", claim.id, locale)
        assert letter.pdf.startswith(b"%PDF")
    # one payment link per letter, for the claim it is about
    assert db_session.scalar(select(func.count(PaymentLink.id))) == 2


def test_the_letter_puts_help_first_then_the_amount_reference_link_and_fee(
    db_session: Session,
) -> None:
    claim = claim_of(db_session, "ozb_residential", 30_000, preferred_locale="en")
    run_dunning(db_session, nl_rules(), as_of=FIRST)
    (record,) = reminders_of(db_session, claim)

    text = _letter_text(db_session, record, claim, "en")

    assert "Reminder: a bill is still open" in text
    assert "€308.00" in text  # €300 and the €8 aanmaning
    assert "For this reminder we charge €8.00" in text
    assert claim.reference is not None
    assert display(nl_rules().reference_scheme, claim.reference) in text
    assert "http://127.0.0.1:5000/p/" in text
    help_at = text.index("Is paying hard for you? We can help")
    assert help_at < text.index("How to pay")
    assert "payment plan" in text
    assert "remission" in text  # OZB may be remitted in the NL pack


def test_a_euro_letter_carries_an_epc_qr_with_the_amount_and_reference(
    db_session: Session,
) -> None:
    claim = claim_of(db_session, "ozb_residential", 30_000)
    config = current_app.config["SALDO"]

    pay = how_to_pay(db_session, config, nl_rules(), claim, now=NOW)

    payload = _qr_text(pay.qr_data_uri).split("\n")
    assert pay.qr_is_epc
    assert payload[0] == "BCD"
    assert payload[7] == "EUR300.00"
    assert claim.reference is not None
    assert claim.reference in payload[10].replace(" ", "")
    assert pay.fik_line is None


def test_a_danish_letter_has_a_qr_that_opens_the_payment_link_and_the_fik_line(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        claim = claim_of(db_session, "waste_fee", 80_000)
        config = current_app.config["SALDO"]

        pay = how_to_pay(db_session, config, rules, claim, now=NOW)

        assert not pay.qr_is_epc
        assert _qr_text(pay.qr_data_uri) == pay.payment_url
        assert pay.fik_line is not None
        assert pay.fik_line.startswith("+71<")


def test_stored_letters_are_delivered_once(db_session: Session) -> None:
    claim_of(db_session, "ozb_residential", 30_000)
    run_dunning(db_session, nl_rules(), as_of=FIRST)
    run_reminder_letters(db_session, nl_rules(), as_of=FIRST)

    first = deliver_reminder_letters(db_session, nl_rules(), as_of=FIRST)
    second = deliver_reminder_letters(db_session, nl_rules(), as_of=FIRST)

    assert first == {"delivered": 1, "failed": 0}
    assert second == {"delivered": 0, "failed": 0}
    letter = db_session.scalar(select(Letter).where(Letter.kind == "reminder"))
    assert letter is not None
    assert (letter.channel, letter.delivered_at is not None) == ("console", True)
