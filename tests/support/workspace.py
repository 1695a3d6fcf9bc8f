"""Helpers for the staff workspace tests (queue, debtor page, signals, referrals, audit log)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.models import StaffUser
from tests.support.login import login_staff
from tests.support.primitives import make_staff

_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(response: TestResponse) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def staff_token(client: FlaskClient, page: str = "/staff/") -> str:
    """A CSRF token from a staff page (staff home always has the log-out form)."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return csrf_of(response)


def post_with_token(
    client: FlaskClient, url: str, data: dict[str, Any] | None = None, *, page: str = "/staff/"
) -> TestResponse:
    """POST like a browser: fetch a page with a form first and send its CSRF token back."""
    return client.post(url, data={**(data or {}), "csrf_token": staff_token(client, page)})


def logged_in_staff(client: FlaskClient, session: Any, role: str = "caseworker") -> StaffUser:
    staff = make_staff(session, role)
    login_staff(client, staff.id)
    return staff
