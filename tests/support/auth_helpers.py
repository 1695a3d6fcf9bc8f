"""Helpers for the login tests: CSRF tokens from real pages, letter codes, staff accounts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from flask import current_app
from flask import g
from flask import request_started
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import Claim
from portal.models import Debtor
from portal.models import StaffUser
from portal.models.base import utcnow
from portal.services.login_codes import IssuedCode
from portal.services.login_codes import issue_login_code
from portal.services.staff_accounts import create_staff_user
from portal.services.staff_accounts import current_totp_code

STAFF_PASSWORD = "a long and good password"


@pytest.fixture
def isolated_requests(db_session: Session) -> Iterator[Session]:
    """Make test requests behave as they do in production. Two gaps of the shared fixtures:

    1. The `db_session` fixture keeps one app context open for the whole test, and a
       request reuses it, so `flask.g` survived from request to request: Flask-Login's
       cached user (`g._login_user`) and Flask-WTF's cached CSRF token (`g.csrf_token`)
       leaked into the next request. `g` is emptied when each request starts.
    2. pysqlite sends no BEGIN for `connection.begin()`, so the savepoint that a view's
       `commit()` releases is the outermost one and SQLite commits for real: the data
       leaked into later tests. An explicit BEGIN gives it an outer transaction.

    The proper home of both is the `db_session` fixture in tests/conftest.py.
    """
    connection = db_session.bind
    if (
        isinstance(connection, Connection)
        and connection.dialect.name == "sqlite"
        and not getattr(connection.connection.dbapi_connection, "in_transaction", True)
    ):
        connection.exec_driver_sql("BEGIN")

    def empty_g(sender: object, **extra: object) -> None:
        for name in list(vars(g)):
            delattr(g, name)

    request_started.connect(empty_g)
    try:
        yield db_session
    finally:
        request_started.disconnect(empty_g)


_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


def csrf_from(response: TestResponse) -> str:
    field = _CSRF_INPUT.search(response.get_data(as_text=True))
    value = _VALUE.search(field.group(0)) if field else None
    assert value, "the page has no CSRF token"
    return value.group(1)


def csrf_token(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return csrf_from(response)


def post_form(
    client: FlaskClient,
    url: str,
    data: dict[str, Any],
    *,
    form_url: str | None = None,
    token: str | None = None,
    **kwargs: Any,
) -> TestResponse:
    """POST like a browser: fetch the form page first and send its CSRF token back."""
    token = token or csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def letter_code(
    session: Session,
    debtor: Debtor,
    claims: Sequence[Claim],
    *,
    now: datetime | None = None,
) -> IssuedCode:
    return issue_login_code(
        session,
        current_app.config["SALDO"],
        debtor_id=debtor.id,
        claim_ids=[c.id for c in claims],
        now=now or utcnow(),
    )


def make_staff(
    session: Session,
    *,
    role: str = "caseworker",
    username: str = "anna",
    display_name: str = "Anna Jansen",
    password: str = STAFF_PASSWORD,
) -> StaffUser:
    return create_staff_user(
        session,
        current_app.config["SALDO"],
        username=username,
        display_name=display_name,
        role=role,
        password=password,
    )


def staff_password_step(
    client: FlaskClient, username: str, password: str = STAFF_PASSWORD, **kwargs: Any
) -> TestResponse:
    return post_form(client, "/staff/login", {"username": username, "password": password}, **kwargs)


def staff_code_step(client: FlaskClient, code: str, **kwargs: Any) -> TestResponse:
    return post_form(client, "/staff/login/code", {"code": code}, **kwargs)


def log_staff_in(client: FlaskClient, user: StaffUser) -> TestResponse:
    """Both steps, with the code of this moment."""
    first = staff_password_step(client, user.username)
    assert first.status_code == 302, first.status_code
    return staff_code_step(client, current_totp_code(user, utcnow()))


def session_value(client: FlaskClient, key: str) -> Any:
    with client.session_transaction() as session:
        return session.get(key)
