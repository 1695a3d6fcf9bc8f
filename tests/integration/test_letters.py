"""Letters: one way to make a tagged PDF (in da, nl, en), store it, and deliver it."""

from __future__ import annotations

import logging
import re
import smtplib
import zlib
from datetime import date
from email.message import EmailMessage
from typing import Any

import jinja2
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.config import ConfigError
from portal.documents import delivery
from portal.documents import render
from portal.documents.delivery import ConsoleDelivery
from portal.documents.delivery import DeliveryFailed
from portal.documents.delivery import Recipient
from portal.documents.delivery import SmtpDelivery
from portal.documents.delivery import get_delivery_adapter
from portal.documents.render import UnknownDocumentTemplate
from portal.documents.render import html_to_pdf
from portal.documents.render import render_document
from portal.documents.render import render_document_html
from portal.models import Letter
from portal.services.letters import UnknownDebtor
from portal.services.letters import create_letter
from portal.services.letters import deliver_letter
from tests.support.factories import make_debtor
from tests.support.primitives import NOW

LETTER_DATE = date(2026, 11, 23)
NAME = "Anna de Vries-Østergård"
ADDRESS = "Kerkstraat 12, 1234 AB Voorbeeld"

# What money and dates look like in each language (Babel/CLDR), and the title in <title>.
EXPECTED = {
    "da": {
        "amount": "1.234,56\xa0€",
        "date": "23. november 2026",
        "until": "22. januar 2027",
        "title": "Du kan se online, hvad du skylder os",
    },
    "nl": {
        "amount": "€\xa01.234,56",
        "date": "23 november 2026",
        "until": "22 januari 2027",
        "title": "U kunt online zien wat u ons moet betalen",
    },
    "en": {
        "amount": "€1,234.56",
        "date": "November 23, 2026",
        "until": "January 22, 2027",
        "title": "You can see what you owe us online",
    },
}


def login_letter_context(**overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "payment_reference": "5000 0000 0001 2345",
        "login_code": "K7QM-4TPX",
        "code_expires_on": date(2027, 1, 22),
        "portal_url": "https://saldo.voorbeeld.example",
        "amount": 123_456,
        "currency": "EUR",
        "claim_description": "Afvalstoffenheffing 2026",
    }
    context.update(overrides)
    return context


def full_context(**overrides: Any) -> dict[str, Any]:
    return {
        "recipient": Recipient(debtor_id=1, name=NAME, address=ADDRESS),
        "letter_date": LETTER_DATE,
        **login_letter_context(**overrides),
    }


def pdf_structure(pdf: bytes) -> bytes:
    """The PDF's objects with their Flate streams inflated (WeasyPrint compresses them)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # not a Flate stream (e.g. a font program): nothing to read in it
    return b"\n".join(parts)


def laid_out_text(html: str) -> str:
    """The text WeasyPrint placed on the pages, in order (what a reader sees)."""
    document = (
        render._weasyprint()
        .HTML(string=html, base_url=str(render.PROJECT_ROOT))
        .render(stylesheets=[render._print_css()])
    )
    texts: list[str] = []
    for page in document.pages:
        for box in page._page_box.descendants():
            text = getattr(box, "text", None)
            if isinstance(text, str):
                texts.append(text)
    return " ".join(" ".join(texts).split())


@pytest.mark.parametrize("locale", ["da", "nl", "en"])
def test_the_login_code_letter_is_a_pdf_in_each_language(db_session: Session, locale: str) -> None:
    html = render_document_html("login_code_letter.html", full_context(), locale)

    assert f'<html lang="{locale}">' in html
    assert f"<title>{EXPECTED[locale]['title']} – Gemeente Voorbeeld</title>" in html
    assert html.count("<h1>") == 1
    text = laid_out_text(html)
    for expected in (
        "K7QM-4TPX",
        "5000 0000 0001 2345",
        "https://saldo.voorbeeld.example",
        NAME,
        "Kerkstraat 12",
        "1234 AB Voorbeeld",
        EXPECTED[locale]["amount"],
        EXPECTED[locale]["date"],
        EXPECTED[locale]["until"],
        "14 020",  # the phone number: how to get help
        "https://www.voorbeeld.example/schuldhulp",
    ):
        assert " ".join(expected.split()) in text, expected

    pdf = render_document("login_code_letter.html", full_context(), locale)
    assert pdf.startswith(b"%PDF-1.7")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert 5_000 < len(pdf) < 200_000


@pytest.mark.parametrize("locale", ["da", "nl", "en"])
def test_the_pdf_is_tagged_with_its_language_and_title(db_session: Session, locale: str) -> None:
    pdf = render_document("login_code_letter.html", full_context(), locale)
    structure = pdf_structure(pdf)

    assert f"/Lang ({locale})".encode() in structure
    assert b"/StructTreeRoot" in structure  # tagged
    assert b"/MarkInfo <</Marked true>>" in structure
    assert b"/DisplayDocTitle true" in structure
    assert b"pdfuaid:part" in structure  # declares PDF/UA-1
    assert f"{EXPECTED[locale]['title']} – Gemeente Voorbeeld".encode() in structure


def test_the_print_stylesheet_and_templates_raise_no_weasyprint_warnings(
    db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_document("login_code_letter.html", full_context(), "en")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_the_letter_fits_on_one_page(db_session: Session) -> None:
    html = render_document_html("login_code_letter.html", full_context(), "nl")
    document = render._weasyprint().HTML(string=html).render(stylesheets=[render._print_css()])
    assert len(document.pages) == 1


def test_the_optional_amount_can_be_left_out(db_session: Session) -> None:
    context = full_context()
    for key in ("amount", "currency", "claim_description"):
        del context[key]
    html = render_document_html("login_code_letter.html", context, "en")
    assert "to pay" not in html.split("How to log in")[0].split("<h1>")[1]
    assert "K7QM-4TPX" in html


def test_the_letter_makes_no_threats(db_session: Session) -> None:
    html = render_document_html("login_code_letter.html", full_context(), "en").lower()
    for word in ("bailiff", "court", "enforce", "penalt", "seize", "legal action", "must pay"):
        assert word not in html


def test_values_in_a_letter_are_escaped(db_session: Session) -> None:
    context = full_context(login_code="<script>x</script>")
    context["recipient"] = Recipient(debtor_id=1, name="<b>Bold</b> & Co", address=None)
    html = render_document_html("login_code_letter.html", context, "en")

    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html


def test_a_missing_value_stops_the_letter_instead_of_printing_a_blank(
    db_session: Session,
) -> None:
    context = full_context()
    del context["login_code"]
    with pytest.raises(jinja2.UndefinedError, match="login_code"):
        render_document("login_code_letter.html", context, "nl")


@pytest.mark.parametrize(
    "template", ["missing.html", "../base.html", "documents/base_letter.html", "x.txt", ""]
)
def test_only_templates_in_templates_documents_can_be_rendered(
    db_session: Session, template: str
) -> None:
    with pytest.raises(UnknownDocumentTemplate):
        render_document(template, full_context(), "nl")


def test_an_unsupported_locale_is_refused(db_session: Session) -> None:
    with pytest.raises(ValueError, match="locale"):
        render_document("login_code_letter.html", full_context(), "de")


@pytest.mark.parametrize(
    "url", ["file:///etc/hostname", "http://127.0.0.1:9/x.css", "https://example.com/logo.png"]
)
def test_documents_load_nothing_outside_static(url: str) -> None:
    fetcher = render._static_only_fetcher_class()()
    with pytest.raises(ValueError, match="static"):
        fetcher.fetch(url)


def test_documents_may_load_files_from_static() -> None:
    fetcher = render._static_only_fetcher_class()()
    response = fetcher.fetch((render.STATIC_DIR / "css" / "print.css").as_uri())
    try:
        assert b"@page" in response.read()
    finally:
        response.close()


def test_a_document_referring_outside_static_still_renders_without_it(
    db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    html = (
        '<!doctype html><html lang="en"><head><title>t</title></head>'
        '<body><h1>t</h1><img src="file:///etc/hostname" alt="x"></body></html>'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        assert html_to_pdf(html).startswith(b"%PDF")
    assert any("static/" in r.getMessage() for r in caplog.records)


def test_create_letter_stores_the_pdf_for_the_debtor(db_session: Session) -> None:
    debtor = make_debtor(db_session, NAME, address=ADDRESS, preferred_locale="da")
    letter = create_letter(
        db_session,
        debtor_id=debtor.id,
        kind="login_code",
        template="login_code_letter.html",
        context=login_letter_context(),
        locale="da",
        letter_date=LETTER_DATE,
    )
    db_session.expire_all()

    stored = db_session.get(Letter, letter.id)
    assert stored is not None
    assert (stored.debtor_id, stored.kind, stored.locale) == (debtor.id, "login_code", "da")
    assert stored.template == "login_code_letter.html"
    assert stored.delivered_at is None
    assert stored.pdf.startswith(b"%PDF")
    assert b"/Lang (da)" in pdf_structure(stored.pdf)


def test_create_letter_dates_the_letter_today_when_no_date_is_given(db_session: Session) -> None:
    debtor = make_debtor(db_session, NAME, address=ADDRESS)
    letter = create_letter(
        db_session,
        debtor_id=debtor.id,
        kind="login_code",
        template="login_code_letter.html",
        context=login_letter_context(),
        locale="en",
    )
    assert letter.pdf.startswith(b"%PDF")


def test_create_letter_refuses_an_unknown_debtor_and_bad_values(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    with pytest.raises(UnknownDebtor):
        create_letter(
            db_session,
            debtor_id=987_654,
            kind="login_code",
            template="login_code_letter.html",
            context=login_letter_context(),
            locale="nl",
            letter_date=LETTER_DATE,
        )
    with pytest.raises(ValueError, match="locale"):
        create_letter(
            db_session,
            debtor_id=debtor.id,
            kind="login_code",
            template="login_code_letter.html",
            context=login_letter_context(),
            locale="de",
            letter_date=LETTER_DATE,
        )
    with pytest.raises(ValueError, match="kind"):
        create_letter(
            db_session,
            debtor_id=debtor.id,
            kind="",
            template="login_code_letter.html",
            context=login_letter_context(),
            locale="nl",
            letter_date=LETTER_DATE,
        )
    assert db_session.scalars(select(Letter)).all() == []


@pytest.fixture
def letter(db_session: Session) -> Letter:
    debtor = make_debtor(db_session, NAME, address=ADDRESS, email="anna@example.org")
    return create_letter(
        db_session,
        debtor_id=debtor.id,
        kind="login_code",
        template="login_code_letter.html",
        context=login_letter_context(),
        locale="nl",
        letter_date=LETTER_DATE,
    )


def test_console_delivery_prints_a_notice_without_personal_content(
    db_session: Session, letter: Letter, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver_letter(db_session, letter, ConsoleDelivery(), now=NOW)

    out = capsys.readouterr().out
    assert f"letter {letter.id} (login_code" in out
    assert len(out.strip().splitlines()) == 1
    for personal in ("Anna", "Kerkstraat", "K7QM", "anna@example.org", "5000 0000"):
        assert personal not in out
    assert (letter.channel, letter.delivered_at) == ("console", NOW)


def test_a_delivered_letter_is_not_sent_again(
    db_session: Session, letter: Letter, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver_letter(db_session, letter, ConsoleDelivery(), now=NOW)
    capsys.readouterr()
    deliver_letter(db_session, letter, ConsoleDelivery(), now=NOW.replace(hour=12))

    assert capsys.readouterr().out == ""
    assert letter.delivered_at == NOW


class FakeSMTP:
    sent: list[tuple[str, int, EmailMessage]] = []
    fail = False

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port = host, port

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send_message(self, message: EmailMessage) -> None:
        if FakeSMTP.fail:
            raise smtplib.SMTPRecipientsRefused({})
        FakeSMTP.sent.append((self.host, self.port, message))


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.sent = []
    FakeSMTP.fail = False
    monkeypatch.setattr(delivery.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_smtp_delivery_sends_the_pdf_as_an_attachment(
    db_session: Session, letter: Letter, fake_smtp: type[FakeSMTP]
) -> None:
    adapter = SmtpDelivery("127.0.0.1", 2525, "noreply@voorbeeld.example")
    deliver_letter(db_session, letter, adapter, now=NOW)

    [(host, port, message)] = fake_smtp.sent
    assert (host, port) == ("127.0.0.1", 2525)
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == f"Letter {letter.id}"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == letter.pdf
    assert (letter.channel, letter.delivered_at) == ("smtp", NOW)


def test_a_failed_smtp_delivery_leaves_the_letter_undelivered(
    db_session: Session, letter: Letter, fake_smtp: type[FakeSMTP]
) -> None:
    fake_smtp.fail = True
    with pytest.raises(DeliveryFailed):
        deliver_letter(db_session, letter, SmtpDelivery("127.0.0.1", 2525, "x@y.example"), now=NOW)
    assert letter.delivered_at is None


def test_smtp_needs_an_email_address(db_session: Session, fake_smtp: type[FakeSMTP]) -> None:
    debtor = make_debtor(db_session, NAME, address=ADDRESS)
    letter = create_letter(
        db_session,
        debtor_id=debtor.id,
        kind="login_code",
        template="login_code_letter.html",
        context=login_letter_context(),
        locale="en",
        letter_date=LETTER_DATE,
    )
    with pytest.raises(DeliveryFailed, match="no e-mail"):
        deliver_letter(db_session, letter, SmtpDelivery("127.0.0.1", 25, "x@y.example"), now=NOW)
    assert fake_smtp.sent == []
    assert letter.delivered_at is None


def test_the_configured_adapter_is_chosen() -> None:
    testing = Config(testing=True, demo=True)
    assert isinstance(get_delivery_adapter(testing), ConsoleDelivery)
    smtp = get_delivery_adapter(
        Config(testing=True, letter_delivery="smtp", smtp_host="127.0.0.1", smtp_port=2525)
    )
    assert isinstance(smtp, SmtpDelivery)
    assert (smtp.host, smtp.port, smtp.name) == ("127.0.0.1", 2525, "smtp")


def test_plain_email_is_refused_for_letters_in_production() -> None:
    production = Config(secret_key="s" * 40, id_encryption_key="k", letter_delivery="smtp")
    with pytest.raises(ConfigError, match="Digital Post"):
        get_delivery_adapter(production)
    with pytest.raises(ConfigError):
        get_delivery_adapter(Config(testing=True, letter_delivery="pigeon"))


def test_address_lines_come_from_the_stored_address() -> None:
    recipient = Recipient(debtor_id=1, name="A", address="Kerkstraat 12,  1234 AB Voorbeeld\n")
    assert recipient.address_lines == ["Kerkstraat 12", "1234 AB Voorbeeld"]
    assert Recipient(debtor_id=1, name="A").address_lines == []
