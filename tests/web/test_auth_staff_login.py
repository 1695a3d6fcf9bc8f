"""Staff login: password, then the authenticator code; throttled, audited, never mixed up
with a citizen session."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models.base import utcnow
from portal.services.staff_accounts import current_totp_code
from tests.support.auth_helpers import STAFF_PASSWORD
from tests.support.auth_helpers import csrf_token
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import log_staff_in
from tests.support.auth_helpers import make_staff
from tests.support.auth_helpers import post_form
from tests.support.auth_helpers import session_value
from tests.support.auth_helpers import staff_code_step
from tests.support.auth_helpers import staff_password_step
from tests.support.factories import make_debtor
from tests.support.login import login_citizen

pytestmark = pytest.mark.usefixtures("isolated_requests")

TOO_MANY = "You have tried too many times. Please wait 15 minutes, or ask an administrator."


def _events(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_password_and_code_log_a_staff_member_in(client: FlaskClient, db_session: Session) -> None:
    user = make_staff(db_session)
    first = staff_password_step(client, "Anna")
    assert first.status_code == 302
    assert first.headers["Location"] == "/staff/login/code"
    assert session_value(client, "_user_id") is None  # not logged in after the password alone
    assert client.get("/staff/").status_code == 302
    second = staff_code_step(client, current_totp_code(user, utcnow()))
    assert second.status_code == 302
    assert second.headers["Location"] == "/staff/"
    assert session_value(client, "_user_id") == f"s:{user.id}"
    assert session_value(client, "staff_pending") is None
    [event] = _events(db_session, "staff.login")
    assert event.staff_user_id == user.id
    assert event.actor_kind == "staff"


def test_a_wrong_password_is_refused_and_audited_without_the_password(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_staff(db_session)
    response = staff_password_step(client, "anna", "a wrong but long password")
    assert response.status_code == 400
    assert "The username or password is not right." in response.get_data(as_text=True)
    assert session_value(client, "staff_pending") is None
    [event] = _events(db_session, "staff.login_failed")
    assert event.object_id == user.id
    assert event.details == {"stage": "password"}
    assert "a wrong but long password" not in str(event.details)


def test_an_unknown_username_gets_the_same_answer(client: FlaskClient, db_session: Session) -> None:
    make_staff(db_session)
    response = staff_password_step(client, "nobody")
    assert response.status_code == 400
    assert "The username or password is not right." in response.get_data(as_text=True)
    [event] = _events(db_session, "staff.login_failed")
    assert event.object_id is None


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", STAFF_PASSWORD, "Enter your username."),
        ("anna", "", "Enter your password."),
        ("a" * 10_000, STAFF_PASSWORD, "This is too long for a username."),
        ("anna", "p" * 10_000, "This is too long for a password."),
    ],
)
def test_bad_staff_input_is_a_400_with_a_message(
    client: FlaskClient, db_session: Session, username: str, password: str, message: str
) -> None:
    make_staff(db_session)
    response = staff_password_step(client, username, password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_wrong_code_is_refused_and_audited(client: FlaskClient, db_session: Session) -> None:
    user = make_staff(db_session)
    staff_password_step(client, "anna")
    right = current_totp_code(user, utcnow())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = staff_code_step(client, wrong)
    assert response.status_code == 400
    assert "This code is not right" in response.get_data(as_text=True)
    assert session_value(client, "_user_id") is None
    [event] = _events(db_session, "staff.login_failed")
    assert event.details == {"stage": "totp"}
    assert wrong not in str(event.details)


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1" * 10_000])
def test_a_malformed_code_is_a_400(client: FlaskClient, db_session: Session, code: str) -> None:
    make_staff(db_session)
    staff_password_step(client, "anna")
    response = staff_code_step(client, code)
    assert response.status_code == 400
    assert session_value(client, "_user_id") is None


def test_a_code_cannot_be_replayed(client: FlaskClient, db_session: Session) -> None:
    user = make_staff(db_session)
    code = current_totp_code(user, utcnow())
    staff_password_step(client, "anna")
    assert staff_code_step(client, code).status_code == 302
    post_form(client, "/staff/logout", {}, form_url="/staff/")
    staff_password_step(client, "anna")
    response = staff_code_step(client, code)
    assert response.status_code == 400
    assert session_value(client, "_user_id") is None


def test_the_code_step_needs_a_recent_password_step(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_staff(db_session)
    assert client.get("/staff/login/code").headers["Location"] == "/staff/login"
    staff_password_step(client, "anna")
    with client.session_transaction() as session:
        pending = dict(session["staff_pending"])
        pending["at"] = (utcnow() - timedelta(minutes=6)).timestamp()
        session["staff_pending"] = pending
    token = csrf_token(client, "/staff/login")
    response = client.post(
        "/staff/login/code",
        data={"code": current_totp_code(user, utcnow()), "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login"
    assert session_value(client, "_user_id") is None


def test_five_wrong_passwords_block_the_username_for_15_minutes(
    client: FlaskClient, db_session: Session
) -> None:
    make_staff(db_session)
    token = csrf_token(client, "/staff/login")
    for _ in range(5):
        response = staff_password_step(client, "anna", "wrong password again", token=token)
        assert response.status_code == 400
    response = staff_password_step(client, "anna", token=token)
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    assert session_value(client, "staff_pending") is None


def test_twenty_failures_from_one_address_block_every_username(
    client: FlaskClient, db_session: Session
) -> None:
    make_staff(db_session)
    token = csrf_token(client, "/staff/login")
    for number in range(20):
        response = staff_password_step(client, f"guess{number}", token=token)
        assert response.status_code == 400
    assert staff_password_step(client, "anna", token=token).status_code == 429
    elsewhere = staff_password_step(client, "anna", environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert elsewhere.status_code == 302


def test_wrong_codes_count_towards_the_limit(client: FlaskClient, db_session: Session) -> None:
    user = make_staff(db_session)
    staff_password_step(client, "anna")
    token = csrf_token(client, "/staff/login/code")
    for _ in range(5):
        assert staff_code_step(client, "000000", token=token).status_code in (400, 429)
    response = staff_code_step(client, current_totp_code(user, utcnow()), token=token)
    assert response.status_code == 429
    assert session_value(client, "_user_id") is None


def test_a_citizen_session_gets_403_on_staff_pages(
    client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    login_citizen(client, debtor.id)
    assert client.get("/staff/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_staff_login(client: FlaskClient) -> None:
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


def test_staff_login_returns_to_the_page_asked_for_on_this_site_only(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_staff(db_session)
    staff_password_step(client, "anna", form_url="/staff/login?next=/staff/")
    token = csrf_token(client, "/staff/login")
    client.post(
        "/staff/login?next=https://evil.example/",
        data={"username": "anna", "password": STAFF_PASSWORD, "csrf_token": token},
    )
    response = staff_code_step(client, current_totp_code(user, utcnow()))
    assert response.headers["Location"] == "/staff/"


def test_staff_logout_clears_the_session(client: FlaskClient, db_session: Session) -> None:
    user = make_staff(db_session)
    log_staff_in(client, user)
    assert client.get("/staff/").status_code == 200
    assert client.post("/staff/logout").status_code == 400  # no CSRF token: nothing happens
    response = post_form(client, "/staff/logout", {}, form_url="/staff/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/login"
    assert session_value(client, "_user_id") is None
    assert client.get("/staff/").status_code == 302
    assert _events(db_session, "staff.logout")


def test_no_password_or_code_reaches_the_logs(
    client: FlaskClient, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = make_staff(db_session)
    staff_password_step(client, "anna", "a wrong but long password")
    code = current_totp_code(user, utcnow())
    log_staff_in(client, user)
    text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (STAFF_PASSWORD, "a wrong but long password", code, user.totp_secret):
        assert secret not in text
