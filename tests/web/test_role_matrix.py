"""The role matrix, route by route: every rule under /staff declares its permission, and each
staff role, a citizen session and an anonymous visitor get what portal/auth/roles.PERMISSIONS
says. A new staff route without a permission fails here.

Ids in URLs are ones that do not exist (999999): an allowed role gets a 404 (or a form error),
never a 403, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from portal.auth.roles import PERMISSIONS
from portal.auth.roles import role_has_permission
from portal.models import Department
from portal.models.staff import STAFF_ROLES
from tests.support.factories import ensure_catalogue
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.workspace import csrf_of
from tests.support.workspace import logged_in_staff

#: staff routes that must work without a staff session: logging in and out
PUBLIC_STAFF_ENDPOINTS = frozenset({"auth.staff_login", "auth.staff_totp", "auth.staff_logout"})
MISSING_ID = 999999
METHODS = ("GET", "POST")


def staff_rules(app: Flask) -> list[Rule]:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/staff") and not rule.rule.startswith("/api")
        ),
        key=lambda rule: rule.rule,
    )


def guarded(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    """(rule, method, permission) for every staff route that needs a staff session."""
    for rule in staff_rules(app):
        if rule.endpoint in PUBLIC_STAFF_ENDPOINTS:
            continue
        permission = getattr(app.view_functions[rule.endpoint], "required_permission", None)
        for method in METHODS:
            if method in (rule.methods or ()):
                yield rule, method, str(permission)


def _url(rule: Rule) -> str:
    return rule.build({name: MISSING_ID for name in rule.arguments}, append_unknown=False)[1]


def _call(client: FlaskClient, method: str, url: str, token: str) -> TestResponse:
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


def _let_in(response: TestResponse) -> bool:
    """Past the guard: not refused, not sent to a login page, and no server error."""
    if response.status_code in (401, 403) or response.status_code >= 500:
        return False
    return not (response.status_code == 302 and "/login" in (response.location or ""))


def test_every_staff_route_declares_a_known_permission(app: Flask) -> None:
    missing = [
        rule.rule
        for rule in staff_rules(app)
        if rule.endpoint not in PUBLIC_STAFF_ENDPOINTS
        and getattr(app.view_functions[rule.endpoint], "required_permission", None)
        not in PERMISSIONS
    ]
    assert staff_rules(app), "no staff routes found"
    assert missing == []


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_reaches_exactly_the_routes_its_permissions_allow(
    app: Flask, client: FlaskClient, db_session: Session, role: str
) -> None:
    staff = logged_in_staff(client, db_session, role)
    if role == "department_clerk":  # a clerk always belongs to a department
        ensure_catalogue(db_session)
        staff.department_id = db_session.scalars(select(Department.id)).first()
        db_session.flush()
    # Committed (a savepoint; the test's transaction is still rolled back): a view that rolls
    # back its own failed change must not take the logged-in staff member with it.
    db_session.commit()
    token = csrf_of(client.get("/staff/"))
    wrong = []
    for rule, method, permission in guarded(app):
        response = _call(client, method, _url(rule), token)
        expected = role_has_permission(role, permission)
        if expected and not _let_in(response):
            wrong.append(
                f"{method} {rule.rule} ({permission}): {response.status_code}, expected in"
            )
        if not expected and response.status_code != 403:
            wrong.append(f"{method} {rule.rule} ({permission}): {response.status_code}, not 403")
    assert wrong == []


def test_a_citizen_session_reaches_no_staff_route(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    login_citizen(client, debtor.id)
    db_session.commit()
    token = csrf_of(client.get("/overview"))
    wrong = [
        f"{method} {rule.rule}: {status}"
        for rule, method, _permission in guarded(app)
        if (status := _call(client, method, _url(rule), token).status_code) != 403
    ]
    assert wrong == []


def test_anonymous_visitors_are_sent_to_the_staff_login(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    token = csrf_of(client.get("/staff/login"))
    wrong = []
    for rule, method, _permission in guarded(app):
        response = _call(client, method, _url(rule), token)
        if response.status_code != 302 or "/staff/login" not in (response.location or ""):
            wrong.append(f"{method} {rule.rule}: {response.status_code}")
    assert wrong == []
