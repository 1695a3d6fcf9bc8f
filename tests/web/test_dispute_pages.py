"""The dispute pages: the citizen's "this bill is wrong" form and the clerk's decision page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import Debtor
from portal.models import StaffUser
from portal.models.dispute import Dispute
from tests.support.citizen_ui import freeze_today
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import make_staff
from tests.support.workspace import csrf_of

PDF = b"%PDF-1.4\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)
    folder = tmp_path / "dispute_evidence"
    monkeypatch.setattr("portal.services.disputes.evidence_dir", lambda config: folder)


@pytest.fixture
def debtor(db_session: Session) -> Debtor:
    return make_debtor(db_session, "Dirk Disput")


@pytest.fixture
def claim(db_session: Session, debtor: Debtor) -> Claim:
    return make_claim(db_session, debtor, 30_000, description="Rent October")


def _token(client: FlaskClient, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return csrf_of(response)


def _dispute(
    client: FlaskClient, claim: Claim, *, reason: str = "already_paid", file: bytes | None = None
) -> tuple[int, str]:
    page = f"/claims/{claim.id}/dispute"
    data: dict[str, object] = {
        "csrf_token": _token(client, page),
        "reason": reason,
        "text": "I paid on 3 October.",
    }
    if file is not None:
        data["evidence"] = (io.BytesIO(file), "receipt.pdf")
    response = client.post(page, data=data, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def _clerk(session: Session, client: FlaskClient, claim: Claim) -> StaffUser:
    clerk = make_staff(session, "department_clerk")
    clerk.department_id = claim.department_id
    session.flush()
    login_staff(client, clerk.id)
    return clerk


def _only_dispute(session: Session) -> Dispute:
    session.expire_all()
    dispute = session.scalar(select(Dispute))
    assert dispute is not None
    return dispute


def test_the_claim_page_links_to_the_dispute_form_and_then_shows_we_are_checking(
    client: FlaskClient, db_session: Session, debtor: Debtor, claim: Claim
) -> None:
    login_citizen(client, debtor.id)
    html = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert f'href="/claims/{claim.id}/dispute"' in html

    status, _ = _dispute(client, claim, file=PDF)

    assert status == 302
    page = assert_page_ok(client.get(f"/claims/{claim.id}"), lang="en")
    assert "You said this bill is wrong. We are checking it." in page.text
    assert "On hold" in page.text or "paused" in page.text.lower()
    assert f'href="/claims/{claim.id}/dispute"' not in client.get(f"/claims/{claim.id}").get_data(
        as_text=True
    )
    dispute = _only_dispute(db_session)
    assert (dispute.reason, dispute.evidence_name) == ("already_paid", "receipt.pdf")


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_the_dispute_pages_exist_in_every_language(
    client: FlaskClient, db_session: Session, debtor: Debtor, claim: Claim, language: str
) -> None:
    login_citizen(client, debtor.id)
    client.get(f"/language/{language}")
    assert_page_ok(client.get(f"/claims/{claim.id}/dispute"), lang=language)
    _dispute(client, claim)
    _clerk(db_session, client, claim)
    client.get(f"/language/{language}")
    dispute = _only_dispute(db_session)
    assert_page_ok(client.get("/staff/disputes"), lang=language)
    assert_page_ok(client.get(f"/staff/disputes/{dispute.id}"), lang=language)


def test_a_dispute_without_a_reason_gets_a_message_and_changes_nothing(
    client: FlaskClient, db_session: Session, debtor: Debtor, claim: Claim
) -> None:
    login_citizen(client, debtor.id)
    status, html = _dispute(client, claim, reason="")

    assert status == 400
    assert "Choose what is wrong with the bill." in html
    assert db_session.scalar(select(Dispute)) is None


def test_a_file_that_is_not_a_pdf_or_image_is_refused(
    client: FlaskClient, db_session: Session, debtor: Debtor, claim: Claim
) -> None:
    login_citizen(client, debtor.id)
    status, html = _dispute(client, claim, file=EXE)

    assert status == 400
    assert "We can only take a PDF, JPG or PNG file." in html
    assert_page_ok(html)
    assert db_session.scalar(select(Dispute)) is None


def test_another_citizens_bill_cannot_be_disputed(
    client: FlaskClient, db_session: Session, claim: Claim
) -> None:
    login_citizen(client, make_debtor(db_session, "Someone Else").id)
    assert client.get(f"/claims/{claim.id}/dispute").status_code == 404


def test_the_clerk_corrects_the_bill_and_the_citizen_sees_the_outcome(
    client: FlaskClient, db_session: Session, debtor: Debtor, claim: Claim
) -> None:
    login_citizen(client, debtor.id)
    _dispute(client, claim, file=PDF)
    dispute = _only_dispute(db_session)
    _clerk(db_session, client, claim)

    assert str(dispute.id) in client.get("/staff/disputes").get_data(as_text=True)
    evidence = client.get(f"/staff/disputes/{dispute.id}/evidence")
    assert evidence.status_code == 200
    assert evidence.data == PDF
    page = f"/staff/disputes/{dispute.id}"
    response = client.post(
        page,
        data={
            "csrf_token": _token(client, page),
            "expected_state": "open",
            "outcome": "corrected",
            "correction": "100,00",
            "note": "The October rent was lower.",
        },
    )
    assert response.status_code == 302

    dispute = _only_dispute(db_session)
    assert (dispute.state, dispute.correction_amount) == ("corrected", 10_000)
    assert db_session.get(Claim, claim.id).balance == 20_000  # type: ignore[union-attr]
    login_citizen(client, debtor.id)
    text = assert_page_ok(client.get(f"/claims/{claim.id}")).text
    assert "lowered the bill by" in text
    assert "The October rent was lower." in text


def test_a_decision_without_a_reason_changes_nothing(
    client: FlaskClient, db_session: Session, debtor: Debtor, claim: Claim
) -> None:
    login_citizen(client, debtor.id)
    _dispute(client, claim)
    dispute = _only_dispute(db_session)
    _clerk(db_session, client, claim)
    page = f"/staff/disputes/{dispute.id}"
    response = client.post(
        page,
        data={"csrf_token": _token(client, page), "expected_state": "open", "outcome": "upheld"},
    )

    assert response.status_code == 400
    assert "Write the reason for the decision." in response.get_data(as_text=True)
    assert _only_dispute(db_session).state == "open"


def test_a_stale_decision_form_gets_a_clear_message_and_changes_nothing(
    client: FlaskClient, db_session: Session, debtor: Debtor, claim: Claim
) -> None:
    login_citizen(client, debtor.id)
    _dispute(client, claim)
    dispute = _only_dispute(db_session)
    _clerk(db_session, client, claim)
    page = f"/staff/disputes/{dispute.id}"
    token = _token(client, page)
    first = {"csrf_token": token, "expected_state": "open", "note": "Checked."}
    assert client.post(page, data={**first, "outcome": "upheld"}).status_code == 302
    response = client.post(page, data={**first, "outcome": "cancelled"})

    assert response.status_code == 409
    assert "Someone else decided this dispute already" in response.get_data(as_text=True)
    assert _only_dispute(db_session).state == "upheld"
    assert db_session.get(Claim, claim.id).cancelled_on is None  # type: ignore[union-attr]


def test_a_clerk_of_another_department_cannot_open_the_dispute(
    client: FlaskClient, db_session: Session, debtor: Debtor, claim: Claim
) -> None:
    login_citizen(client, debtor.id)
    _dispute(client, claim)
    dispute = _only_dispute(db_session)
    clerk = _clerk(db_session, client, claim)
    clerk.department_id = None
    db_session.flush()

    assert client.get(f"/staff/disputes/{dispute.id}").status_code == 404
    assert not re.search(rf"/staff/disputes/{dispute.id}\b", client.get("/staff/disputes").text)


def test_desk_staff_cannot_decide_disputes(
    client: FlaskClient, db_session: Session, claim: Claim
) -> None:
    login_staff(client, make_staff(db_session, "desk").id)
    assert client.get("/staff/disputes").status_code == 403
