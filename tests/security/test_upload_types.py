"""Uploads that lie about their type: a program, an archive, a web page or an SVG with a script,
named .pdf/.png/.jpg and sent with an image or PDF content type. The remission evidence and
dispute evidence uploads look at the bytes, not the name: each is refused with a message and
nothing is stored (tests/web covers the plain .exe-as-.pdf case for both).
"""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import RemissionEvidence
from portal.models.dispute import Dispute
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.payments import count
from tests.support.remission import complete_draft
from tests.support.security import new_bsn
from tests.support.security import token_from

LIARS = {
    "elf_as_pdf": (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120, "statement.pdf", "application/pdf"),
    "zip_as_png": (b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 120, "photo.png", "image/png"),
    "exe_as_jpg": (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120, "scan.jpg", "image/jpeg"),
    "html_as_pdf": (
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "letter.pdf",
        "application/pdf",
    ),
    "svg_as_png": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "chart.png",
        "image/png",
    ),
    "pdf_magic_late": (b"junk" * 4 + b"%PDF-1.4\n%%EOF\n", "late.pdf", "application/pdf"),
}


@pytest.mark.parametrize("liar", sorted(LIARS))
def test_remission_evidence_that_lies_about_its_type_is_refused(
    client: FlaskClient, db_session: Session, liar: str
) -> None:
    debtor = make_debtor(db_session, "Upload Person", national_id=new_bsn())
    bill = make_claim(db_session, debtor, 40_260, claim_type_code="waste_levy", issue_date=TODAY)
    application = complete_draft(db_session, debtor.id, (bill.id,))
    db_session.commit()
    login_citizen(client, debtor.id)
    content, name, mimetype = LIARS[liar]
    token = token_from(client, f"/remission/{application.id}/evidence")
    response = client.post(
        f"/remission/{application.id}/upload",
        data={"csrf_token": token, "document": (io.BytesIO(content), name, mimetype)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "only accept PDF, JPG or PNG" in response.get_data(as_text=True)
    assert count(db_session, RemissionEvidence) == 0


@pytest.mark.parametrize("liar", sorted(LIARS))
def test_dispute_evidence_that_lies_about_its_type_is_refused(
    client: FlaskClient, db_session: Session, liar: str
) -> None:
    debtor = make_debtor(db_session, "Dispute Person", national_id=new_bsn())
    claim = make_claim(db_session, debtor, 30_000)
    db_session.commit()
    login_citizen(client, debtor.id)
    content, name, mimetype = LIARS[liar]
    page = f"/claims/{claim.id}/dispute"
    response = client.post(
        page,
        data={
            "csrf_token": token_from(client, page),
            "reason": "already_paid",
            "text": "I paid on 3 October.",
            "evidence": (io.BytesIO(content), name, mimetype),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "We can only take a PDF, JPG or PNG file." in response.get_data(as_text=True)
    assert count(db_session, Dispute) == 0
