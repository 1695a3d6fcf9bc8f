"""Desk mode: staff find a citizen, start with a reason and an identity check, see the citizen's
own pages with a banner, act for them (audited with both people), pay at the desk, end."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Debtor
from portal.models import OverviewDocument
from portal.models import Payment
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

BSN = "111222333"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)


def _token(client: FlaskClient, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return csrf_of(response)


def _start(
    client: FlaskClient, debtor: Debtor, *, reason: str = "pay", check: str = "id_card"
) -> int:
    page = f"/staff/desk/start/{debtor.id}"
    data = {"csrf_token": _token(client, page), "visit_reason": reason, "identity_check": check}
    return client.post(page, data=data).status_code


def _events(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def desk_staff(client: FlaskClient, db_session: Session) -> StaffUser:
    staff = make_staff(db_session, "desk")
    login_staff(client, staff.id)
    return staff


@pytest.fixture
def citizen(db_session: Session) -> Debtor:
    debtor = make_debtor(db_session, "Anna de Vries", national_id=BSN)
    make_claim(db_session, debtor, 12_500, description="Waste levy 2026")
    return debtor


def test_the_search_finds_a_citizen_by_national_id_without_putting_it_in_a_url(
    client: FlaskClient, desk_staff: StaffUser, citizen: Debtor
) -> None:
    data = {"csrf_token": _token(client, "/staff/desk"), "by": "national_id", "query": BSN}
    response = client.post("/staff/desk", data=data)

    page = assert_page_ok(response, lang="en")
    html = response.get_data(as_text=True)
    assert "Anna de Vries" in page.text
    assert BSN not in html
    assert f"/staff/desk/start/{citizen.id}" in html
    for href in re.findall(r'(?:href|action)="([^"]+)"', html):
        assert BSN not in href


@pytest.mark.parametrize(
    ("reason", "check", "message"),
    [
        ("", "id_card", "Choose the reason for the visit."),
        ("pay", "", "Choose how you checked who the citizen is."),
    ],
)
def test_desk_mode_does_not_start_without_a_reason_and_an_identity_check(
    client: FlaskClient,
    db_session: Session,
    desk_staff: StaffUser,
    citizen: Debtor,
    reason: str,
    check: str,
    message: str,
) -> None:
    page = f"/staff/desk/start/{citizen.id}"
    data = {"csrf_token": _token(client, page), "visit_reason": reason, "identity_check": check}
    response = client.post(page, data=data)

    assert response.status_code == 400
    assert message in assert_page_ok(response).text
    assert _events(db_session, "desk.started") == []
    assert client.get("/overview").status_code == 302


def test_starting_desk_mode_is_audited_and_shows_the_citizens_pages_with_a_banner(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser, citizen: Debtor
) -> None:
    assert _start(client, citizen, reason="question", check="passport") == 302

    [event] = _events(db_session, "desk.started")
    assert event.staff_user_id == desk_staff.id
    assert event.debtor_id == citizen.id
    assert event.details == {"reason": "question", "identity_check": "passport"}
    overview = client.get("/overview")
    page = assert_page_ok(overview, lang="en")
    assert "You are assisting Anna de Vries" in page.text
    assert "Waste levy 2026" in page.text
    claim_id = int(re.search(r"/claims/(\d+)", overview.get_data(as_text=True)).group(1))  # type: ignore[union-attr]
    claim_page = assert_page_ok(client.get(f"/claims/{claim_id}"))
    assert "You are assisting Anna de Vries" in claim_page.text
    assert client.get(f"/claims/{claim_id}/pay").status_code == 200
    # The staff login stays: staff pages still open, with the banner on them.
    assert "You are assisting" in assert_page_ok(client.get("/staff/")).text


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_desk_pages_exist_in_every_language(
    client: FlaskClient, desk_staff: StaffUser, citizen: Debtor, language: str
) -> None:
    client.get(f"/language/{language}")
    for path in ("/staff/desk", f"/staff/desk/start/{citizen.id}"):
        assert_page_ok(client.get(path), lang=language)
    assert _start(client, citizen) == 302
    assert_page_ok(client.get("/staff/desk/payment"), lang=language)
    assert_page_ok(client.get("/overview"), lang=language)


def test_an_action_in_desk_mode_is_recorded_with_the_staff_member_and_the_citizen(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser, citizen: Debtor
) -> None:
    _start(client, citizen)
    response = client.post("/debt-overview", data={"csrf_token": _token(client, "/debt-overview")})
    assert response.status_code == 302

    db_session.expire_all()
    document = db_session.scalar(
        select(OverviewDocument).where(OverviewDocument.debtor_id == citizen.id)
    )
    assert document is not None
    [event] = _events(db_session, "overview_document.created")
    assert event.debtor_id == citizen.id
    assert (event.actor_kind, event.staff_user_id) == ("staff", desk_staff.id)


def test_a_desk_payment_is_booked_once_per_receipt(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser, citizen: Debtor
) -> None:
    _start(client, citizen)
    data = {"amount": "50,00", "desk_method": "desk_cash", "receipt_number": "K-1001"}
    for _ in range(2):
        token = _token(client, "/staff/desk/payment")
        response = client.post("/staff/desk/payment", data={**data, "csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"] == "/overview"

    db_session.expire_all()
    payments = list(db_session.scalars(select(Payment).where(Payment.debtor_id == citizen.id)))
    assert [(p.amount, p.provider, p.method) for p in payments] == [(5_000, "desk", "desk_cash")]
    [registered] = _events(db_session, "desk.payment_registered")
    assert (registered.staff_user_id, registered.debtor_id) == (desk_staff.id, citizen.id)
    [booked] = [e for e in _events(db_session, "payment.booked") if e.debtor_id == citizen.id]
    assert booked.actor_kind == "staff"
    assert booked.staff_user_id == desk_staff.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"amount": "fifty", "desk_method": "desk_card", "receipt_number": "R1"},
            "Type the amount",
        ),
        (
            {"amount": "10", "desk_method": "", "receipt_number": "R1"},
            "Choose how the citizen paid",
        ),
        ({"amount": "10", "desk_method": "desk_card", "receipt_number": ""}, "receipt number"),
    ],
)
def test_a_bad_desk_payment_gets_a_clear_message_and_books_nothing(
    client: FlaskClient,
    db_session: Session,
    desk_staff: StaffUser,
    citizen: Debtor,
    data: dict[str, str],
    message: str,
) -> None:
    _start(client, citizen)
    token = _token(client, "/staff/desk/payment")
    response = client.post("/staff/desk/payment", data={**data, "csrf_token": token})

    assert response.status_code == 400
    assert message in assert_page_ok(response).text
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_receipt_used_for_another_citizen_is_refused(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser, citizen: Debtor
) -> None:
    other = make_debtor(db_session, "Bram Jansen")
    make_claim(db_session, other, 5_000)
    data = {"amount": "20", "desk_method": "desk_card", "receipt_number": "T-77"}
    _start(client, other)
    client.post(
        "/staff/desk/payment", data={**data, "csrf_token": _token(client, "/staff/desk/payment")}
    )
    _start(client, citizen)
    response = client.post(
        "/staff/desk/payment", data={**data, "csrf_token": _token(client, "/staff/desk/payment")}
    )

    assert response.status_code == 400
    assert "already registered" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Payment)) == 1


def test_the_desk_payment_page_needs_desk_mode(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser
) -> None:
    response = client.get("/staff/desk/payment")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/desk"


def test_ending_desk_mode_returns_to_the_staff_home_and_closes_the_citizen_pages(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser, citizen: Debtor
) -> None:
    _start(client, citizen)
    response = client.post("/staff/desk/end", data={"csrf_token": _token(client, "/staff/")})

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    [ended] = _events(db_session, "desk.ended")
    assert (ended.staff_user_id, ended.debtor_id, ended.details["how"]) == (
        desk_staff.id,
        citizen.id,
        "ended",
    )
    assert client.get("/overview").status_code == 302
    assert "You are assisting" not in client.get("/staff/").get_data(as_text=True)


def test_staff_logout_ends_desk_mode(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser, citizen: Debtor
) -> None:
    _start(client, citizen)
    client.post("/staff/logout", data={"csrf_token": _token(client, "/staff/")})

    [ended] = _events(db_session, "desk.ended")
    assert ended.details["how"] == "logout"
    login_staff(client, desk_staff.id)
    assert client.get("/overview").status_code == 302


def test_staff_cannot_open_citizen_pages_without_starting_desk_mode(
    client: FlaskClient, desk_staff: StaffUser, citizen: Debtor
) -> None:
    response = client.get("/overview")
    assert response.status_code == 302
    assert "Anna de Vries" not in response.get_data(as_text=True)


def test_in_desk_mode_another_debtors_bill_is_not_found(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser, citizen: Debtor
) -> None:
    other = make_debtor(db_session, "Bram Jansen")
    their_claim = make_claim(db_session, other, 5_000)
    _start(client, citizen)

    assert client.get(f"/claims/{their_claim.id}").status_code == 404
    assert client.get(f"/claims/{their_claim.id}/pay").status_code == 404


def test_a_citizen_session_cannot_reach_desk_mode(
    client: FlaskClient, db_session: Session, citizen: Debtor
) -> None:
    login_citizen(client, citizen.id)
    assert client.get("/staff/desk").status_code == 403
    assert client.get("/staff/desk/payment").status_code == 403


def test_a_desk_key_planted_in_a_citizen_session_changes_nothing(
    client: FlaskClient, db_session: Session, citizen: Debtor
) -> None:
    other = make_debtor(db_session, "Bram Jansen")
    their_claim = make_claim(db_session, other, 5_000)
    login_citizen(client, citizen.id)
    with client.session_transaction() as session:
        session["desk"] = {"debtor_id": other.id, "staff_user_id": 1}

    assert client.get(f"/claims/{their_claim.id}").status_code == 404
    assert "You are assisting" not in client.get("/overview").get_data(as_text=True)


def test_a_role_without_act_for_cannot_use_desk_mode(
    client: FlaskClient, db_session: Session, citizen: Debtor
) -> None:
    clerk = make_staff(db_session, "department_clerk")
    login_staff(client, clerk.id)
    with client.session_transaction() as session:
        session["desk"] = {"debtor_id": citizen.id, "staff_user_id": clerk.id}

    assert client.get("/staff/desk").status_code == 403
    assert client.get("/overview").status_code == 302


def test_a_desk_entry_for_another_staff_member_does_not_count(
    client: FlaskClient, db_session: Session, desk_staff: StaffUser, citizen: Debtor
) -> None:
    with client.session_transaction() as session:
        session["desk"] = {"debtor_id": citizen.id, "staff_user_id": desk_staff.id + 1000}
    assert client.get("/overview").status_code == 302


@pytest.mark.parametrize("path", ["/debt-overview", "/plan", "/remission"])
def test_the_citizens_other_pages_open_in_desk_mode_with_the_banner(
    client: FlaskClient, desk_staff: StaffUser, citizen: Debtor, path: str
) -> None:
    _start(client, citizen)
    response = client.get(path, follow_redirects=True)

    assert response.status_code == 200
    assert "You are assisting Anna de Vries" in response.get_data(as_text=True)


def test_a_dispute_filed_at_the_desk_records_both_people(
    client: FlaskClient,
    db_session: Session,
    desk_staff: StaffUser,
    citizen: Debtor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("portal.services.disputes.evidence_dir", lambda config: tmp_path)
    claim = db_session.scalar(select(Claim).where(Claim.debtor_id == citizen.id))
    assert claim is not None
    _start(client, citizen, reason="dispute")
    page = f"/claims/{claim.id}/dispute"
    response = client.post(page, data={"csrf_token": _token(client, page), "reason": "not_mine"})

    assert response.status_code == 302
    db_session.expire_all()
    dispute = db_session.scalar(select(Dispute))
    assert dispute is not None
    assert (dispute.debtor_id, dispute.opened_by_staff_id) == (citizen.id, desk_staff.id)
    [event] = _events(db_session, "dispute.opened")
    assert (event.actor_kind, event.staff_user_id, event.debtor_id) == (
        "staff",
        desk_staff.id,
        citizen.id,
    )


def test_the_national_id_searched_for_never_reaches_the_logs(
    client: FlaskClient,
    desk_staff: StaffUser,
    citizen: Debtor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    data = {"csrf_token": _token(client, "/staff/desk"), "by": "national_id", "query": BSN}
    assert client.post("/staff/desk", data=data).status_code == 200
    _start(client, citizen)
    client.get("/overview")

    assert BSN not in caplog.text
