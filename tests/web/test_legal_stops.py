"""Legal stops: staff place a stop (type per country, reference) on every open bill of a
debtor, the citizen sees "On hold" with a plain explanation, and the stop can be lifted."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import CollectionHold
from portal.models import Debtor
from portal.models import StaffUser
from portal.services import legal_stops as svc
from portal.services.holds import collection_paused
from tests.support.citizen_ui import freeze_today
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import make_staff
from tests.support.workspace import csrf_of

PAGE = "/staff/debtors/{id}/legal-stops"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch)
    monkeypatch.setattr("portal.staff.legal_stops._today", lambda: TODAY)


@pytest.fixture
def debtor(db_session: Session) -> Debtor:
    return make_debtor(db_session, "Lena Legal")


@pytest.fixture
def claims(db_session: Session, debtor: Debtor) -> list[Claim]:
    return [make_claim(db_session, debtor, amount) for amount in (10_000, 20_000)]


@pytest.fixture
def caseworker(client: FlaskClient, db_session: Session) -> StaffUser:
    staff = make_staff(db_session, "caseworker")
    login_staff(client, staff.id)
    return staff


def _token(client: FlaskClient, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return csrf_of(response)


def _place(client: FlaskClient, debtor: Debtor, **data: str) -> tuple[int, str]:
    page = PAGE.format(id=debtor.id)
    values = {
        "stop_type": "legal_wsnp",
        "reference": "C/13/123456 FT RK 26/100",
        "starts_on": "2026-11-02",
        **data,
    }
    response = client.post(page, data={"csrf_token": _token(client, page), **values})
    return response.status_code, response.get_data(as_text=True)


def _stop_holds(session: Session) -> list[CollectionHold]:
    session.expire_all()
    return list(
        session.scalars(select(CollectionHold).where(CollectionHold.source.like("legal:%")))
    )


def test_a_legal_stop_holds_every_open_bill_with_its_reference(
    client: FlaskClient,
    db_session: Session,
    caseworker: StaffUser,
    debtor: Debtor,
    claims: list[Claim],
) -> None:
    status, _ = _place(client, debtor)

    assert status == 302
    holds = _stop_holds(db_session)
    assert sorted(h.claim_id for h in holds) == sorted(c.id for c in claims)
    assert {(h.reason, h.reference, h.starts_on) for h in holds} == {
        ("legal_wsnp", "C/13/123456 FT RK 26/100", date(2026, 11, 2))
    }
    assert all(collection_paused(db_session, c.id, TODAY) for c in claims)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "legal_stop.placed"))
    assert event is not None
    assert event.staff_user_id == caseworker.id
    page = assert_page_ok(client.get(PAGE.format(id=debtor.id)), lang="en")
    assert "Wsnp" in page.text
    assert "C/13/123456" in page.text


def test_the_citizen_sees_on_hold_with_a_plain_explanation(
    client: FlaskClient,
    db_session: Session,
    caseworker: StaffUser,
    debtor: Debtor,
    claims: list[Claim],
) -> None:
    _place(client, debtor)
    login_citizen(client, debtor.id)

    page = assert_page_ok(client.get(f"/claims/{claims[0].id}"), lang="en")
    assert "A legal debt arrangement is running. We wait while that runs." in page.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reference": ""}, "Type the reference of the court decision"),
        ({"stop_type": "legal_gaeldssanering"}, "Choose the kind of legal stop."),
        ({"starts_on": "2099-01-01"}, "The date cannot be in the future."),
        ({"starts_on": "yesterday"}, "Type the date"),
    ],
)
def test_bad_input_gets_a_clear_message_and_places_nothing(
    client: FlaskClient,
    db_session: Session,
    caseworker: StaffUser,
    debtor: Debtor,
    claims: list[Claim],
    data: dict[str, str],
    message: str,
) -> None:
    status, html = _place(client, debtor, **data)

    assert status == 400
    assert message in html
    assert_page_ok(html)
    assert _stop_holds(db_session) == []


def test_a_debtor_without_open_bills_gets_no_stop(
    client: FlaskClient, db_session: Session, caseworker: StaffUser, debtor: Debtor
) -> None:
    status, html = _place(client, debtor, stop_type="death", reference="Death certificate 77")
    assert status == 400
    assert "no open bills" in html


def test_lifting_a_stop_ends_its_holds_and_is_audited_with_the_reason(
    client: FlaskClient,
    db_session: Session,
    caseworker: StaffUser,
    debtor: Debtor,
    claims: list[Claim],
) -> None:
    _place(client, debtor)
    [stop] = svc.legal_stops(db_session, debtor.id)
    page = PAGE.format(id=debtor.id)
    url = f"{page}/{stop.id}/lift"
    data = {"csrf_token": _token(client, page), "lift_reason": "arrangement_ended"}
    response = client.post(url, data=data)

    assert response.status_code == 302
    assert all(h.ends_on == TODAY for h in _stop_holds(db_session))
    assert not any(collection_paused(db_session, c.id, TODAY) for c in claims)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "legal_stop.lifted"))
    assert event is not None
    assert event.details["lift_reason"] == "arrangement_ended"

    again = client.post(url, data=data)
    assert again.status_code == 409
    assert "already lifted" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("rules", "offered", "not_offered"),
    [
        ("nl", "legal_wsnp", "legal_gaeldssanering"),
        ("dk", "legal_gaeldssanering", "legal_wsnp"),
        ("be", "legal_collective_debt_settlement", "legal_wsnp"),
    ],
)
def test_the_types_offered_depend_on_the_country(
    make_app: object, rules: str, offered: str, not_offered: str
) -> None:
    app: Flask = make_app(rules=rules)  # type: ignore[operator]
    country = app.config["RULE_PACK"].country
    types = svc.legal_types(country)
    assert offered in types
    assert "death" in types
    assert not_offered not in types


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_the_legal_stop_page_exists_in_every_language(
    client: FlaskClient,
    db_session: Session,
    caseworker: StaffUser,
    debtor: Debtor,
    claims: list[Claim],
    language: str,
) -> None:
    _place(client, debtor)
    client.get(f"/language/{language}")
    assert_page_ok(client.get(PAGE.format(id=debtor.id)), lang=language)


@pytest.mark.parametrize("role", ["desk", "department_clerk"])
def test_only_caseworkers_and_supervisors_place_legal_stops(
    client: FlaskClient, db_session: Session, debtor: Debtor, role: str
) -> None:
    login_staff(client, make_staff(db_session, role).id)
    assert client.get(PAGE.format(id=debtor.id)).status_code == 403


def test_a_citizen_cannot_reach_the_legal_stop_page(
    client: FlaskClient, db_session: Session, debtor: Debtor
) -> None:
    login_citizen(client, debtor.id)
    assert client.get(PAGE.format(id=debtor.id)).status_code == 403
