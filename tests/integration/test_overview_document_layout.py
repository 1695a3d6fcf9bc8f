"""The debt overview PDF for a debtor with 50 bills (issue 5): complete, readable, calm.

The document is laid out per bill (a heading, "still to pay", one paragraph of facts) in 10 pt
text instead of a six-column table in 7.5 pt, to be fast and readable by B1 readers. These tests
read the text WeasyPrint places on the pages, as the other document tests do.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.documents import render
from portal.documents.render import render_document_html
from portal.models import Claim
from portal.models import Debtor
from portal.models import OverviewDocument
from portal.services import overview_documents as svc
from portal.services.audit import Actor
from portal.services.overview import Overview
from portal.services.overview import build_overview
from tests.support.citizen_ui import debtor_with_six_bills
from tests.support.citizen_ui import money_text
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.primitives import NOW

#: CSS px per pt: WeasyPrint keeps font sizes in CSS px
PX_PER_PT = 4 / 3


@dataclass(frozen=True)
class Rendered:
    document: OverviewDocument
    overview: Overview
    #: the text of each page, in order, whitespace folded
    pages: list[str]
    #: (font size in pt, text) of every piece of text on the pages
    runs: list[tuple[float, str]]


def _fifty_bills(app: Flask, session: Session) -> list[Claim]:
    debtor = make_debtor(session, "Fifty Bills")
    codes = [spec.code for spec in app.config["RULE_PACK"].claim_types]
    claims = [
        make_claim(
            session,
            debtor,
            2_500 + 137 * number,
            claim_type_code=codes[number % len(codes)],
            issue_date=TODAY - timedelta(days=120 - number),
            description=f"Bill {number + 1} of fifty",
        )
        for number in range(50)
    ]
    for claim in claims[:5]:
        pay(session, debtor, 1_000, claim=claim)
    claims[7].handed_over_on = TODAY - timedelta(days=3)
    session.flush()
    return claims


def _laid_out(html: str) -> tuple[list[str], list[tuple[float, str]]]:
    """The text of each page, and (font size in pt, text) of each line of text on the pages."""
    laid_out = (
        render._weasyprint()  # noqa: SLF001 - the renderer's own WeasyPrint and print.css
        .HTML(string=html, base_url=str(render.PROJECT_ROOT))
        .render(stylesheets=[render._print_css()])  # noqa: SLF001
    )
    pages: list[str] = []
    runs: list[tuple[float, str]] = []
    for page in laid_out.pages:
        texts = []
        for box in page._page_box.descendants():  # noqa: SLF001
            text = getattr(box, "text", None)
            if isinstance(text, str) and text.strip():
                texts.append(text)
                runs.append((box.style["font_size"] / PX_PER_PT, text))
        pages.append(" ".join(" ".join(texts).split()))
    return pages, runs


def _render(app: Flask, session: Session, debtor_id: int) -> Rendered:
    rules, config = app.config["RULE_PACK"], app.config["SALDO"]
    document = svc.create_overview_document(
        session,
        rules,
        config,
        debtor_id=debtor_id,
        requested_by=Actor.citizen(debtor_id),
        locale="en",
        now=NOW,
        as_of=TODAY,
    )
    debtor = session.get(Debtor, debtor_id)
    assert debtor is not None
    context = svc.document_context(
        session,
        rules,
        config,
        debtor=debtor,
        as_of=TODAY,
        now=NOW,
        verification_code=document.verification_code,
    )
    pages, runs = _laid_out(render_document_html(svc.TEMPLATE, context, "en"))
    overview = build_overview(session, rules, debtor_id=debtor_id, claim_scope=None, as_of=TODAY)
    return Rendered(document, overview, pages, runs)


@pytest.fixture
def fifty(app: Flask, db_session: Session) -> Rendered:
    claims = _fifty_bills(app, db_session)
    return _render(app, db_session, claims[0].debtor_id)


def _inflated(pdf: bytes) -> bytes:
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _cards(overview: Overview) -> list[Any]:
    return [card for group in overview.groups for card in group.cards]


def test_a_fifty_bill_document_is_a_tagged_pdf_with_every_bill_its_amounts_and_the_totals(
    fifty: Rendered,
) -> None:
    text = " ".join(fifty.pages)
    cards = _cards(fifty.overview)
    structure = _inflated(fifty.document.pdf)

    assert fifty.document.pdf.startswith(b"%PDF")
    assert b"/StructTreeRoot" in structure
    assert b"/Lang (en)" in structure
    assert b"/DisplayDocTitle true" in structure
    assert fifty.document.claim_count == len(cards) == 50
    assert fifty.document.total == fifty.overview.total_owed
    assert money_text(fifty.overview.total_owed, "en") in text
    for group in fifty.overview.groups:
        assert money_text(group.subtotal, "en") in text
    for card in cards:
        assert card.reference_display in text
        assert card.description in text
        assert f"Still to pay: {money_text(card.amount_due_now, 'en')}" in text
        assert f"Original amount {money_text(card.original_amount, 'en')}" in text
    assert text.count("Paid or reduced") == 50
    assert f"Paid or reduced {money_text(1_000, 'en')}" in text
    assert "Please contact them about this bill." in text
    assert svc.display_code(fifty.document.verification_code) in text


def test_the_bills_are_in_ten_point_text_and_nothing_is_smaller_than_eight(
    fifty: Rendered,
) -> None:
    references = {card.reference_display for card in _cards(fifty.overview)}
    bill_sizes = [
        size
        for size, text in fifty.runs
        if "Still to pay" in text or any(reference in text for reference in references)
    ]

    assert bill_sizes
    assert min(bill_sizes) >= 10
    assert min(size for size, _ in fifty.runs) >= 8


def test_a_bill_is_never_split_over_two_pages(fifty: Rendered) -> None:
    def page_of(fragment: str) -> int:
        found = [number for number, page in enumerate(fifty.pages) if fragment in page]
        assert len(found) == 1, (fragment, found)
        return found[0]

    for card in _cards(fifty.overview):
        heading = page_of(card.description)
        assert page_of(card.reference_display) == heading
        assert page_of(f"Original amount {money_text(card.original_amount, 'en')}") == heading


def test_a_label_and_its_amount_stay_on_one_line_when_a_dutch_line_wraps(
    app: Flask, db_session: Session
) -> None:
    bills = debtor_with_six_bills(db_session)
    pay(db_session, bills.debtor, 100_000, claim=bills.claims[0])
    context = svc.document_context(
        db_session,
        app.config["RULE_PACK"],
        app.config["SALDO"],
        debtor=bills.debtor,
        as_of=TODAY,
        now=NOW,
        verification_code="ABCDEFGHJK",
    )
    _, runs = _laid_out(render_document_html(svc.TEMPLATE, context, "nl"))
    lines = [" ".join(text.split()) for _, text in runs]
    references = [card.reference_display for card in _cards(context["overview"])]

    assert any(line.startswith("Betaald of verlaagd €") for line in lines)  # a wrapped line
    for label in ("Oorspronkelijk bedrag", "Kosten", "Rente", "Betaald of verlaagd"):
        assert all(re.search(f"{label} € [0-9.,]+", line) for line in lines if label in line)
    for reference in references:
        assert any(f"Betalingskenmerk: {reference}" in line for line in lines)
