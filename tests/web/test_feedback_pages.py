"""Citizen feedback on the web: the question after each journey, /feedback, and the
supervisors' page (issue 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask import render_template
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Feedback
from portal.services import feedback as svc
from tests.support.appointments import TODAY
from tests.support.appointments import count
from tests.support.appointments import csrf
from tests.support.appointments import freeze
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok
from tests.support.plans import make_plan
from tests.support.workspace import logged_in_staff

LANGUAGES = ("da", "nl", "en")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch)


def _confirmation(client: FlaskClient, db_session: Session) -> str:
    plan = make_plan(db_session)
    login_citizen(client, plan.debtor_id)
    return f"/plan/{plan.id}/confirmation"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_question_is_asked_at_the_end_of_the_plan_journey(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    path = _confirmation(client, db_session)
    client.get(f"/language/{language}")
    page = assert_page_ok(client.get(path), lang=language)
    section = page.find(**{"data-feedback": "plan"})
    assert section is not None
    assert section.find("fieldset").find("legend") is not None
    assert [
        i.attrs["value"] for i in section.find_all("input") if i.attrs.get("name") == "score"
    ] == ["1", "2", "3", "4", "5"]


def test_an_answer_is_stored_anonymously_and_the_citizen_is_thanked(
    client: FlaskClient, db_session: Session
) -> None:
    path = _confirmation(client, db_session)
    client.get("/language/en")
    token = csrf(client, path)
    response = client.post(
        "/feedback",
        data={
            "csrf_token": token,
            "journey": "plan",
            "next": path,
            "score": "4",
            "text": "Quick. My mail is someone@example.org and IBAN NL91ABNA0417164300",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == path
    page = assert_page_ok(client.get(path), lang="en")
    assert "Thank you for your answer" in page.text
    assert page.find(**{"data-feedback": "plan"}) is None
    db_session.expire_all()
    row = db_session.scalar(select(Feedback))
    assert row is not None
    assert (row.journey, row.score, row.month) == ("plan", 4, "2026-11")
    assert "example.org" not in row.text
    assert "NL91" not in row.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"score": "9"}, "Choose a number from 1 to 5"),
        ({"score": "five"}, "Choose a number from 1 to 5"),
        ({"score": "3", "text": "x" * 10_000}, "Write at most 500 characters"),
        ({"score": ""}, "Choose a number or write something"),
        ({"journey": "holiday", "score": "3"}, "We could not save your answer"),
    ],
)
def test_bad_answers_give_a_clear_message_and_store_nothing(
    client: FlaskClient, db_session: Session, data: dict[str, str], message: str
) -> None:
    path = _confirmation(client, db_session)
    client.get("/language/en")
    form = {"csrf_token": csrf(client, path), "journey": "plan", "next": path, **data}
    response = client.post("/feedback", data=form)
    assert response.status_code == 400
    assert message in assert_page_ok(response, lang="en").text
    db_session.expire_all()
    assert count(db_session, Feedback) == 0


def test_feedback_never_redirects_to_another_site(client: FlaskClient, db_session: Session) -> None:
    path = _confirmation(client, db_session)
    token = csrf(client, path)
    response = client.post(
        "/feedback",
        data={"csrf_token": token, "journey": "plan", "next": "//evil.example/", "score": "5"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/help"


def test_feedback_without_a_csrf_token_is_refused(client: FlaskClient, db_session: Session) -> None:
    response = client.post("/feedback", data={"journey": "plan", "score": "5"})
    assert response.status_code == 400
    db_session.expire_all()
    assert count(db_session, Feedback) == 0


@pytest.mark.parametrize(
    ("template", "journey"),
    [
        ("payments/result.html", "payment"),
        ("citizen/plan_confirmation.html", "plan"),
        ("citizen/debt_overview_document.html", "overview_document"),
        ("citizen/remission_status.html", "remission"),
    ],
)
def test_each_journey_result_page_includes_the_question(template: str, journey: str) -> None:
    source = (TEMPLATES / template).read_text()
    assert (
        f'{{% set feedback_journey = "{journey}" %}}{{% include "components/feedback.html" %}}'
        in source
    )


@pytest.mark.parametrize("state", ["paid", "failed", "cancelled"])
def test_the_payment_result_page_asks_the_question_once_the_payment_is_settled(
    app: Flask, db_session: Session, state: str
) -> None:
    class Attempt:
        amount, currency = 1234, "EUR"

    with app.test_request_context("/payments/return/x"):
        html = render_template(
            "payments/result.html", state=state, attempt=Attempt(), claim_url=None, receipt_url=None
        )
    assert 'data-feedback="payment"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_supervisors_see_scores_by_journey_and_month_and_the_texts(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    svc.record_feedback(db_session, journey="payment", score=5, text="Very clear", today=TODAY)
    svc.record_feedback(db_session, journey="payment", score=2, text="", today=TODAY)
    logged_in_staff(client, db_session, "supervisor")
    client.get(f"/language/{language}")
    page = assert_page_ok(client.get("/staff/feedback"), lang=language)
    row = page.find(**{"data-journey": "payment"})
    assert row is not None
    assert "3.5" in row.text
    assert "Very clear" in page.text


def test_the_free_texts_are_paginated(client: FlaskClient, db_session: Session) -> None:
    for number in range(23):
        svc.record_feedback(
            db_session, journey="plan", score=3, text=f"text {number:02d}", today=TODAY
        )
    logged_in_staff(client, db_session, "admin")
    client.get("/language/en")
    first = client.get("/staff/feedback").get_data(as_text=True)
    second = assert_page_ok(client.get("/staff/feedback?page=2"), lang="en").text
    assert "text 22" in first
    assert "text 00" not in first
    assert "text 00" in second
    assert client.get("/staff/feedback?page=abc").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [("supervisor", 200), ("admin", 200), ("caseworker", 403), ("desk", 403)],
)
def test_only_supervisors_and_admins_see_feedback(
    client: FlaskClient, db_session: Session, role: str, status: int
) -> None:
    logged_in_staff(client, db_session, role)
    assert client.get("/staff/feedback").status_code == status
