"""The staff home page: who is logged in, a logout button, what the role may do."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models.staff import STAFF_ROLES
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import make_staff
from tests.support.login import login_staff

pytestmark = pytest.mark.usefixtures("isolated_requests")


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_role_sees_its_name_and_a_logout_button(
    client: FlaskClient, db_session: Session, role: str
) -> None:
    user = make_staff(db_session, role=role, display_name="Anna Jansen")
    login_staff(client, user.id)
    response = client.get("/staff/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<h1>") == 1
    assert "Logged in as Anna Jansen (" in page
    assert 'action="/staff/logout"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("desk", "Desk mode: help a citizen at the counter", "Staff accounts"),
        ("admin", "Staff accounts", "Desk mode"),
        ("department_clerk", "Claims of your department", "Find a debtor"),
        ("caseworker", "Work queue: plans and remission to decide", "Audit log"),
    ],
)
def test_the_home_page_lists_only_what_the_role_may_do(
    client: FlaskClient, db_session: Session, role: str, shown: str, hidden: str
) -> None:
    user = make_staff(db_session, role=role)
    login_staff(client, user.id)
    page = client.get("/staff/").get_data(as_text=True)
    assert shown in page
    assert hidden not in page


def test_an_inactive_staff_user_is_logged_out(client: FlaskClient, db_session: Session) -> None:
    user = make_staff(db_session)
    login_staff(client, user.id)
    user.active = False
    db_session.flush()
    assert client.get("/staff/").status_code == 302
