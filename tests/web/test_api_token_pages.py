"""/staff/api-tokens: the admin lists, makes and revokes department API tokens."""

from __future__ import annotations

import logging
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import ApiToken
from portal.models import AuditEvent
from portal.services.api_tokens import authenticate
from tests.api.helpers import make_token
from tests.support.auth_helpers import csrf_token
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import make_staff
from tests.support.factories import ensure_catalogue
from tests.support.login import login_staff
from tests.support.page_checks import assert_page_ok

pytestmark = pytest.mark.usefixtures("isolated_requests")

PAGE = "/staff/api-tokens"
NEW_TOKEN = re.compile(r"<code[^>]*data-new-token>([^<]+)</code>")


def _admin(client: FlaskClient, session: Session, role: str = "admin") -> int:
    ensure_catalogue(session)
    user = make_staff(session, role=role, username=f"user-{role}")
    login_staff(client, user.id)
    return user.id


def _create(
    client: FlaskClient, department: str = "children", name: str = "daycare"
) -> TestResponse:
    token = csrf_token(client, PAGE)
    return client.post(PAGE, data={"csrf_token": token, "department": department, "name": name})


@pytest.mark.parametrize("language", ["da", "nl", "en"])
def test_the_token_pages_pass_the_page_checks_in_every_language(
    client: FlaskClient, db_session: Session, language: str
) -> None:
    _admin(client, db_session)
    make_token(db_session, "parking", "parking fines")
    client.get(f"/language/{language}")
    listing = client.get(PAGE)
    assert listing.status_code == 200
    page = assert_page_ok(listing, lang=language)
    assert "parking fines" in listing.get_data(as_text=True)
    assert page.find_all("form")
    created = _create(client)
    assert created.status_code == 201
    assert_page_ok(created, lang=language)
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "daycare"))
    assert row is not None
    confirm = client.get(f"{PAGE}/{row.id}/revoke")
    assert confirm.status_code == 200
    assert_page_ok(confirm, lang=language)


def test_a_new_token_is_shown_once_works_and_is_not_stored_or_logged(
    client: FlaskClient, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = _admin(client, db_session)
    response = _create(client, name="daycare billing")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    found = NEW_TOKEN.search(response.get_data(as_text=True))
    assert found
    token = found.group(1)
    db_session.expire_all()
    row = authenticate(db_session, token)
    assert row is not None
    assert row.department.code == "children"
    assert row.name == "daycare billing"
    assert token not in row.token_hash
    # never again: not on the list, not in a flash, not in the logs
    assert token not in client.get(PAGE).get_data(as_text=True)
    assert token not in caplog.text
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.created"))
    assert event is not None
    assert event.staff_user_id == admin
    assert token not in repr(event.details)
    # and it works on the API
    api = client.get("/api/v1/claim-types", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200


def test_the_list_shows_each_departments_tokens_and_their_state(
    client: FlaskClient, db_session: Session
) -> None:
    _admin(client, db_session)
    make_token(db_session, "children", "daycare")
    make_token(db_session, "parking", "fines")
    page = assert_page_ok(client.get(PAGE))
    tables = {t.attrs["data-department"]: t.text for t in page.find_all("table")}
    assert "daycare" in tables["children"]
    assert "fines" in tables["parking"]
    assert "Active" in tables["children"]
    assert "Never" in tables["children"]


def test_revoking_asks_to_confirm_then_the_token_stops_working(
    client: FlaskClient, db_session: Session
) -> None:
    admin = _admin(client, db_session)
    token = make_token(db_session, "children", "daycare")
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "daycare"))
    assert row is not None
    url = f"{PAGE}/{row.id}/revoke"
    confirm = client.get(url)
    assert "Yes, revoke the token" in confirm.get_data(as_text=True)
    db_session.expire_all()
    assert authenticate(db_session, token) is not None
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "was revoked" in listing
    assert "Revoked on" in listing
    db_session.expire_all()
    assert authenticate(db_session, token) is None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.revoked"))
    assert event is not None
    assert event.staff_user_id == admin
    api = client.get("/api/v1/claim-types", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_posts_without_a_csrf_token_change_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    _admin(client, db_session)
    token = make_token(db_session, "children", "daycare")
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "daycare"))
    assert row is not None
    created = client.post(PAGE, data={"department": "children", "name": "x"})
    assert created.status_code == 400
    assert "data-new-token" not in created.get_data(as_text=True)
    revoked = client.post(f"{PAGE}/{row.id}/revoke", data={})
    assert revoked.status_code == 400
    db_session.expire_all()
    assert db_session.scalar(select(ApiToken).where(ApiToken.name == "x")) is None
    assert authenticate(db_session, token) is not None


def test_a_missing_name_or_department_is_shown_next_to_the_field(
    client: FlaskClient, db_session: Session
) -> None:
    _admin(client, db_session)
    response = _create(client, department="", name="  ")
    assert response.status_code == 400
    page = assert_page_ok(response)
    text = response.get_data(as_text=True)
    assert "Choose the department the token is for." in text
    assert "Type a name" in text
    assert page.find_all(role="alert")
    unknown = _create(client, department="nonsense", name="x")
    assert unknown.status_code == 400
    db_session.expire_all()
    assert db_session.scalar(select(ApiToken)) is None


@pytest.mark.parametrize("role", ["caseworker", "desk", "supervisor", "department_clerk"])
def test_only_the_admin_manages_tokens(client: FlaskClient, db_session: Session, role: str) -> None:
    _admin(client, db_session, role=role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"department": "children", "name": "x"}).status_code in {
        400,
        403,
    }
    db_session.expire_all()
    assert db_session.scalar(select(ApiToken)) is None


def test_an_unknown_token_id_is_not_found(client: FlaskClient, db_session: Session) -> None:
    _admin(client, db_session)
    assert client.get(f"{PAGE}/999999/revoke").status_code == 404
