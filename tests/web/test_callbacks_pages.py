"""Call-backs on the web: a citizen asks for a call; staff log it in the contact log (issue 8)."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CallbackRequest
from portal.models import ContactNote
from portal.services import work
from tests.support.appointments import count
from tests.support.appointments import csrf
from tests.support.appointments import day
from tests.support.appointments import freeze
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok
from tests.support.workspace import logged_in_staff

LANGUAGES = ("da", "nl", "en")
PHONE = "+31 6 5550 1234"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch)


def _ask(client: FlaskClient, **data: str) -> object:
    form = {
        "csrf_token": csrf(client, "/call-back"),
        "day": day(1).isoformat(),
        "part_of_day": "afternoon",
        "phone": PHONE,
        "topic": "bills",
        **data,
    }
    return client.post("/call-back", data=form)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_call_back_page_works_in_every_language(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    login_citizen(client, make_debtor(db_session).id)
    client.get(f"/language/{language}")
    page = assert_page_ok(client.get("/call-back"), lang=language)
    assert len(page.find_all("fieldset")) == 3
    day_inputs = [i for i in page.find_all("input") if i.attrs.get("name") == "day"]
    assert len(day_inputs) == 10


def test_a_citizen_asks_for_a_call_and_staff_log_it(
    client: FlaskClient, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    debtor = make_debtor(db_session, "Caller Example")
    login_citizen(client, debtor.id)
    client.get("/language/en")
    assert _ask(client).status_code == 302
    page = assert_page_ok(client.get("/call-back"), lang="en")
    assert "We will call you on" in page.text
    db_session.expire_all()
    request = db_session.scalar(select(CallbackRequest))
    assert request is not None
    assert request.phone == PHONE
    assert len(work.open_items(db_session, kind=work.CALL_BACK)) == 1

    logged_in_staff(client, db_session, "caseworker")
    client.get("/language/en")
    staff_page = assert_page_ok(client.get("/staff/callbacks"), lang="en")
    assert PHONE in staff_page.text
    assert "Caller Example" in staff_page.text
    token = csrf(client, "/staff/callbacks")
    response = client.post(
        f"/staff/callbacks/{request.id}/log",
        data={"csrf_token": token, "outcome": "reached", "note": "Talked about the bills"},
    )
    assert response.status_code == 302
    assert "added to the contact log" in client.get("/staff/callbacks").get_data(as_text=True)
    db_session.expire_all()
    note = db_session.scalar(select(ContactNote))
    assert note is not None
    assert (note.channel, note.debtor_id) == ("phone", debtor.id)
    assert work.open_items(db_session, kind=work.CALL_BACK) == []
    assert "5550" not in caplog.text  # the phone number is never logged


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "ring me"}, "Enter a phone number with digits only"),
        ({"phone": ""}, "Enter your phone number"),
        ({"day": day(0).isoformat()}, "Choose one of the days in the list"),
        ({"day": "soon"}, "Choose one of the days in the list"),
        ({"part_of_day": "night"}, "Choose morning or afternoon"),
        ({"topic": "weather"}, "Choose what you want to talk about"),
    ],
)
def test_bad_call_back_requests_give_a_clear_message_and_change_nothing(
    client: FlaskClient, db_session: Session, data: dict[str, str], message: str
) -> None:
    login_citizen(client, make_debtor(db_session).id)
    client.get("/language/en")
    response = _ask(client, **data)
    assert response.status_code == 400
    assert message in assert_page_ok(response, lang="en").text
    db_session.expire_all()
    assert count(db_session, CallbackRequest) == 0


def test_logging_a_call_needs_an_outcome(client: FlaskClient, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    login_citizen(client, debtor.id)
    assert _ask(client).status_code == 302
    db_session.expire_all()
    request = db_session.scalar(select(CallbackRequest))
    assert request is not None
    logged_in_staff(client, db_session, "supervisor")
    client.get("/language/en")
    token = csrf(client, "/staff/callbacks")
    response = client.post(
        f"/staff/callbacks/{request.id}/log", data={"csrf_token": token, "outcome": "magic"}
    )
    assert response.status_code == 400
    assert_page_ok(response, lang="en")
    db_session.expire_all()
    assert count(db_session, ContactNote) == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_staff_call_back_list_works_in_every_language(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    logged_in_staff(client, db_session, "caseworker")
    client.get(f"/language/{language}")
    assert_page_ok(client.get("/staff/callbacks"), lang=language)


@pytest.mark.parametrize(
    ("role", "status"),
    [("caseworker", 200), ("supervisor", 200), ("desk", 403), ("department_clerk", 403)],
)
def test_the_call_back_list_is_for_roles_that_decide_work(
    client: FlaskClient, db_session: Session, role: str, status: int
) -> None:
    logged_in_staff(client, db_session, role)
    assert client.get("/staff/callbacks").status_code == status
