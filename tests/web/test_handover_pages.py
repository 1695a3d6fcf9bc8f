"""Hand-over pages (/staff/handover, issue 8): caseworkers tick eligible claims, run the batch,
download the file (audited), recall a claim with a reason, import the collector's report;
other roles and citizens are refused; the citizen sees the collector's status read-only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models.handover import HandoverBatch
from portal.models.handover import HandoverRecord
from portal.services import handover as svc
from portal.services import holds
from portal.services.collector_report import import_collector_report
from tests.support.handover import BSN
from tests.support.handover import READY_ON
from tests.support.handover import approve
from tests.support.handover import checked
from tests.support.handover import config_in
from tests.support.handover import reminded_claim
from tests.support.handover import rules
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok
from tests.support.page_checks import parse_html
from tests.support.primitives import make_staff
from tests.support.workspace import csrf_of
from tests.support.workspace import logged_in_staff
from tests.support.workspace import post_with_token

PAGE = "/staff/handover"
REPORT = "/staff/handover/report"
HEADER = "claim_id,transaction_id,status,amount_collected,reported_on\n"


def _rows(html: str, marker: str) -> list[int]:
    table = parse_html(html).find(**{marker: ""})
    if table is None:
        return []
    return [int(n.attrs["data-claim-id"]) for n in table.find_all() if "data-claim-id" in n.attrs]


def _handed_over(session: Session, tmp_path: Path) -> Claim:
    caseworker = make_staff(session)
    claim = reminded_claim(session, "Collector Person")
    checked(session)
    approve(session, claim, caseworker.id)
    svc.run_handover(session, rules(), as_of=READY_ON, config=config_in(tmp_path))
    session.commit()
    return claim


def test_a_caseworker_sees_the_checks_and_only_eligible_claims_can_be_ticked(
    client: FlaskClient, db_session: Session
) -> None:
    ready = reminded_claim(db_session, "Ready Person")
    checked(db_session)
    db_session.commit()
    logged_in_staff(client, db_session, "caseworker")

    response = client.get(PAGE)

    page = assert_page_ok(response, lang="en")
    assert _rows(response.get_data(as_text=True), "data-candidates") == [ready.id]
    boxes = [
        n.attrs.get("value") for n in page.find_all("input") if n.attrs.get("type") == "checkbox"
    ]
    assert boxes == [str(ready.id)]
    assert "Ready Person" in page.text


def test_ticking_and_running_hands_the_claim_over(client: FlaskClient, db_session: Session) -> None:
    claim = reminded_claim(db_session, "Ticked Person")
    checked(db_session)
    db_session.commit()
    logged_in_staff(client, db_session, "caseworker")

    approved = post_with_token(client, f"{PAGE}/approve", {"claim_ids": [str(claim.id)]}, page=PAGE)
    page = client.get(PAGE).get_data(as_text=True)
    ran = post_with_token(client, f"{PAGE}/run", page=PAGE)

    assert approved.status_code == 302
    assert _rows(page, "data-pending") == [claim.id]
    assert ran.status_code == 302
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).handed_over_on is not None  # type: ignore[union-attr]
    after = client.get(PAGE).get_data(as_text=True)
    assert _rows(after, "data-active") == [claim.id]
    assert "bills handed over" in after


def test_approving_nothing_shows_an_error_and_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    logged_in_staff(client, db_session, "caseworker")

    response = post_with_token(client, f"{PAGE}/approve", {}, page=PAGE)

    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert page.find(role="alert") is not None
    assert "Tick at least one bill" in page.text


def test_approving_a_claim_that_is_not_eligible_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    claim = reminded_claim(db_session)
    other = reminded_claim(db_session, "Other")
    checked(db_session)
    logged_in_staff(client, db_session, "caseworker")
    holds.place_hold(db_session, other.id, holds.DISPUTE, starts_on=READY_ON, source="t:1")
    db_session.commit()

    response = post_with_token(
        client, f"{PAGE}/approve", {"claim_ids": [str(claim.id), str(other.id)]}, page=PAGE
    )

    assert response.status_code == 409
    assert svc.pending_approvals(db_session) == []


def test_the_download_sends_the_file_and_is_audited(
    client: FlaskClient, db_session: Session
) -> None:
    caseworker = logged_in_staff(client, db_session, "caseworker")
    claim = reminded_claim(db_session, "File Person", national_id=BSN)
    checked(db_session)
    approve(db_session, claim, caseworker.id)
    db_session.commit()
    post_with_token(client, f"{PAGE}/run", page=PAGE)
    batch = db_session.scalar(select(HandoverBatch).order_by(HandoverBatch.id.desc()))
    assert batch is not None

    response = client.get(f"{PAGE}/batches/{batch.id}/file")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert BSN in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    db_session.expire_all()
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "handover.downloaded"))
    assert event is not None
    assert (event.staff_user_id, event.object_id) == (caseworker.id, batch.id)
    assert client.get(f"{PAGE}/batches/999999/file").status_code == 404


def test_the_page_never_shows_the_national_id(client: FlaskClient, db_session: Session) -> None:
    caseworker = logged_in_staff(client, db_session, "caseworker")
    claim = reminded_claim(db_session, "Hidden Person", national_id=BSN)
    checked(db_session)
    approve(db_session, claim, caseworker.id)
    db_session.commit()
    post_with_token(client, f"{PAGE}/run", page=PAGE)

    assert BSN not in client.get(PAGE).get_data(as_text=True)


def test_a_recall_with_a_reason_returns_the_claim(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    claim = _handed_over(db_session, tmp_path)
    caseworker = logged_in_staff(client, db_session, "caseworker")

    response = post_with_token(
        client, f"{PAGE}/claims/{claim.id}/recall", {"reason": "Paid at the desk"}, page=PAGE
    )

    assert response.status_code == 302
    db_session.expire_all()
    record = db_session.scalar(select(HandoverRecord).where(HandoverRecord.claim_id == claim.id))
    assert record is not None
    assert (record.status, record.recalled_by_id) == ("recalled", caseworker.id)
    assert db_session.get(Claim, claim.id).handed_over_on is None  # type: ignore[union-attr]


def test_a_recall_without_a_reason_shows_the_error_next_to_the_field(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    claim = _handed_over(db_session, tmp_path)
    logged_in_staff(client, db_session, "caseworker")

    response = post_with_token(
        client, f"{PAGE}/claims/{claim.id}/recall", {"reason": ""}, page=PAGE
    )

    assert response.status_code == 400
    page = assert_page_ok(response, lang="en")
    assert page.find(role="alert") is not None
    assert page.find(id=f"reason-{claim.id}-error") is not None
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).handed_over_on == READY_ON  # type: ignore[union-attr]


def test_recalling_an_unknown_claim_is_a_404(client: FlaskClient, db_session: Session) -> None:
    logged_in_staff(client, db_session, "supervisor")

    response = post_with_token(client, f"{PAGE}/claims/999999/recall", {"reason": "x"}, page=PAGE)

    assert response.status_code == 404


def _upload(client: FlaskClient, text: str | bytes, dry_run: bool = False) -> str:
    token = csrf_of(client.get(REPORT))
    data = text.encode() if isinstance(text, str) else text
    form: dict[str, object] = {"csrf_token": token, "report": (io.BytesIO(data), "report.csv")}
    if dry_run:
        form["dry_run"] = "y"
    response = client.post(REPORT, data=form, content_type="multipart/form-data")
    assert response.status_code in (200, 400)
    assert_page_ok(response, lang="en")
    return response.get_data(as_text=True)


def test_the_report_upload_shows_a_result_per_row(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    claim = _handed_over(db_session, tmp_path)
    logged_in_staff(client, db_session, "caseworker")
    text = HEADER + f"{claim.id},T-1,partly_paid,10.00,2026-10-15\n999999,T-2,paid,1,2026-10-15\n"

    dry = _upload(client, text, dry_run=True)
    db_session.expire_all()
    after_dry_run = db_session.scalar(
        select(HandoverRecord.reported_paid).where(HandoverRecord.claim_id == claim.id)
    )
    real = _upload(client, text)

    assert "Dry run: nothing was changed" in dry
    assert after_dry_run == 0
    page = parse_html(real)
    outcomes = [n.attrs["data-outcome"] for n in page.find_all("tr") if "data-outcome" in n.attrs]
    assert outcomes == ["imported", "error"]
    assert "There is no bill with this number." in real
    db_session.expire_all()
    record = db_session.scalar(select(HandoverRecord).where(HandoverRecord.claim_id == claim.id))
    assert record is not None
    assert record.reported_paid == 1_000


def test_an_unreadable_report_file_gets_a_clear_message(
    client: FlaskClient, db_session: Session
) -> None:
    logged_in_staff(client, db_session, "caseworker")

    html = _upload(client, b"name;amount\nx;1\n")

    assert "The first line must be" in html


@pytest.mark.parametrize("role", ["desk", "department_clerk", "admin", "finance"])
def test_other_roles_cannot_open_run_or_recall(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    logged_in_staff(client, db_session, role)

    assert client.get(PAGE).status_code == 403
    assert client.get(REPORT).status_code == 403
    assert post_with_token(client, f"{PAGE}/run").status_code == 403
    assert post_with_token(client, f"{PAGE}/claims/1/recall", {"reason": "x"}).status_code == 403


def test_a_citizen_cannot_reach_the_staff_pages(client: FlaskClient, db_session: Session) -> None:
    claim = reminded_claim(db_session)
    login_citizen(client, claim.debtor_id)

    assert client.get(PAGE).status_code == 403


def test_the_citizen_sees_the_collector_status_and_reported_payments_read_only(
    client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    claim = _handed_over(db_session, tmp_path)
    import_collector_report(
        db_session,
        (HEADER + f"{claim.id},T-1,partly_paid,40.00,2026-10-15\n").encode(),
        dry_run=False,
        staff_user_id=None,
        commit=db_session.commit,
    )
    login_citizen(client, claim.debtor_id)

    response = client.get(f"/claims/{claim.id}")

    page = assert_page_ok(response, lang="en")
    section = page.find(**{"data-collector-status": ""})
    assert section is not None
    assert "The collector tells us part of this bill is paid." in section.text
    assert "Deurwaarderskantoor Voorbeeld" in section.text
    assert section.find(**{"data-reported-paid": "4000"}) is not None
    assert section.find("form") is None
    assert section.find("button") is None


def test_the_collector_status_is_not_shown_for_a_claim_in_normal_collection(
    client: FlaskClient, db_session: Session
) -> None:
    claim = reminded_claim(db_session)
    db_session.commit()
    login_citizen(client, claim.debtor_id)

    page = assert_page_ok(client.get(f"/claims/{claim.id}"), lang="en")

    assert page.find(**{"data-collector-status": ""}) is None


def test_a_tampered_selection_gets_a_clear_message_not_a_500(
    client: FlaskClient, db_session: Session
) -> None:
    logged_in_staff(client, db_session, "caseworker")

    response = post_with_token(client, f"{PAGE}/approve", {"claim_ids": ["abc"]}, page=PAGE)

    assert response.status_code == 400
    assert "Tick at least one bill" in assert_page_ok(response, lang="en").text
