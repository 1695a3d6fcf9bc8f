"""The proactive offer (issue 8): a flagged citizen sees a friendly banner on the overview,
unasked, that never names the status; it can be closed; caseworkers see who was offered help,
desk staff do not."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import Debtor
from portal.models.social_status import SocialStatus
from tests.api.helpers import INVALID_BSN
from tests.api.helpers import VALID_BSN
from tests.support.citizen_ui import freeze_today
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import make_staff
from tests.support.social_status import department
from tests.support.social_status import flag
from tests.support.social_status import grant
from tests.support.workspace import csrf_of
from tests.support.workspace import logged_in_staff

BANNER = "data-proactive-offer"
UPLOAD = "/staff/social-status/import"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)
    monkeypatch.setattr("portal.staff.social_status._today", lambda: TODAY)


def _debtor(session: Session, name: str = "Offered Person") -> Debtor:
    debtor = make_debtor(session, name)
    make_claim(session, debtor, 25_000)
    return debtor


def test_a_flagged_citizen_sees_the_offer_with_a_plan_and_a_remission_check(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _debtor(db_session)
    flag(db_session, debtor, valid_from=TODAY - timedelta(days=5))
    login_citizen(client, debtor.id)
    response = client.get("/overview")
    page = assert_page_ok(response)
    html = response.get_data(as_text=True)
    assert BANNER in html
    assert "You may be able to get help with your bills" in html
    assert "social assistance" not in html.lower()
    assert page.find("a", **{"data-offer-plan": ""}) is not None
    assert page.find("a", **{"data-offer-remission": ""}) is not None


@pytest.mark.parametrize("case", ["expired", "ended", "not_started", "none"])
def test_no_offer_without_an_active_flag(
    client: FlaskClient, db_session: Session, case: str
) -> None:
    debtor = _debtor(db_session)
    if case == "expired":
        flag(
            db_session,
            debtor,
            valid_from=TODAY - timedelta(days=60),
            valid_until=TODAY - timedelta(days=1),
        )
    elif case == "ended":
        flag(db_session, debtor, ended=True)
    elif case == "not_started":
        flag(db_session, debtor, valid_from=TODAY + timedelta(days=1))
    login_citizen(client, debtor.id)
    assert BANNER not in client.get("/overview").get_data(as_text=True)


def test_another_citizen_does_not_see_someone_elses_offer(
    client: FlaskClient, db_session: Session
) -> None:
    flag(db_session, _debtor(db_session, "Flagged"))
    other = _debtor(db_session, "Neighbour")
    login_citizen(client, other.id)
    assert BANNER not in client.get("/overview").get_data(as_text=True)


def test_a_letter_code_login_does_not_show_the_offer(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Letter Person")
    claim = make_claim(db_session, debtor, 25_000)
    flag(db_session, debtor)
    login_citizen(client, debtor.id, scope=[claim.id], method="code")
    assert BANNER not in client.get("/overview").get_data(as_text=True)


def test_closing_the_offer_is_remembered(client: FlaskClient, db_session: Session) -> None:
    debtor = _debtor(db_session)
    status = flag(db_session, debtor)
    login_citizen(client, debtor.id)
    token = csrf_of(client.get("/overview"))
    response = client.post("/offers/help/dismiss", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get("/overview").get_data(as_text=True)
    assert BANNER not in page
    assert "We will not show this message again" in page
    db_session.expire_all()
    assert status.offer_dismissed_at is not None


def test_closing_without_a_valid_form_token_changes_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _debtor(db_session)
    status = flag(db_session, debtor)
    login_citizen(client, debtor.id)
    response = client.post("/offers/help/dismiss", data={"csrf_token": "forged"})
    assert 400 <= response.status_code < 500
    db_session.expire_all()
    assert status.offer_dismissed_at is None


def test_caseworkers_see_the_list_and_the_status_with_its_end_date_on_the_debtor_page(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _debtor(db_session, "Listed Person")
    flag(db_session, debtor, valid_until=TODAY + timedelta(days=30))
    expired = _debtor(db_session, "Expired Person")
    flag(
        db_session,
        expired,
        valid_from=TODAY - timedelta(days=60),
        valid_until=TODAY - timedelta(days=1),
    )
    logged_in_staff(client, db_session, "caseworker")
    listing = client.get("/staff/social-status")
    page = assert_page_ok(listing)
    html = listing.get_data(as_text=True)
    assert "Listed Person" in html
    assert "Expired Person" not in html
    assert page.find("a", href=f"/staff/debtors/{debtor.id}") is not None
    debtor_page = client.get(f"/staff/debtors/{debtor.id}").get_data(as_text=True)
    assert "data-social-status" in debtor_page
    assert (TODAY + timedelta(days=30)).strftime("%Y") in debtor_page


def test_desk_staff_see_neither_the_list_nor_the_status_on_the_debtor_page(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = _debtor(db_session, "Private Person")
    flag(db_session, debtor)
    logged_in_staff(client, db_session, "desk")
    assert client.get("/staff/social-status").status_code == 403
    debtor_page = client.get(f"/staff/debtors/{debtor.id}")
    assert debtor_page.status_code == 200
    assert "data-social-status" not in debtor_page.get_data(as_text=True)


def _clerk(client: FlaskClient, session: Session, department_code: str = "social") -> None:
    staff = make_staff(session, "department_clerk")
    staff.department_id = department(session, department_code).id
    session.commit()
    login_staff(client, staff.id)


def _upload(client: FlaskClient, data: bytes, mode: str = "dry_run") -> TestResponse:
    token = csrf_of(client.get(UPLOAD))
    fields = {"csrf_token": token, "mode": mode, "status_file": (io.BytesIO(data), "flags.csv")}
    return client.post(UPLOAD, data=fields, content_type="multipart/form-data")


def _csv(db_session: Session) -> bytes:
    known = make_debtor(db_session, "Known", national_id=VALID_BSN)
    db_session.commit()
    until = (TODAY + timedelta(days=90)).isoformat()
    assert known.id
    return (
        "reference,national_id,kind,valid_until\n"
        f"R-1,{VALID_BSN},social_assistance,{until}\n"
        f"R-2,{INVALID_BSN},social_assistance,{until}\n"
        f"R-3,{VALID_BSN},minimum_income,\n"
    ).encode()


def test_a_clerk_checks_a_csv_and_the_dry_run_stores_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    grant(db_session)
    _clerk(client, db_session)
    response = _upload(client, _csv(db_session))
    assert response.status_code == 200
    page = assert_page_ok(response)
    outcomes = [
        row.attrs.get("data-outcome")
        for row in page.find_all("tr")
        if row.attrs.get("data-outcome")
    ]
    assert outcomes == ["would_create", "rejected", "rejected"]
    assert VALID_BSN not in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(func.count(SocialStatus.id))) == 0


def test_a_clerk_stores_the_good_rows_of_a_csv(client: FlaskClient, db_session: Session) -> None:
    grant(db_session)
    _clerk(client, db_session)
    response = _upload(client, _csv(db_session), mode="import")
    assert response.status_code == 200
    db_session.expire_all()
    stored = list(db_session.scalars(select(SocialStatus)))
    assert [(s.reference, s.recorded_via) for s in stored] == [("R-1", "upload")]


def test_a_clerk_of_a_department_without_the_right_cannot_upload(
    client: FlaskClient, db_session: Session
) -> None:
    _clerk(client, db_session, "children")
    response = _upload(client, _csv(db_session), mode="import")
    assert response.status_code == 403
    assert "may not record social status" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(func.count(SocialStatus.id))) == 0
