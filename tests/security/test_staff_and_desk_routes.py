"""Staff routes and desk mode, beyond the role matrix.

tests/web/test_role_matrix.py already walks every /staff rule for each staff role, a citizen
session (403) and an anonymous visitor (redirect to the staff login); it is not repeated here.
This module adds the other direction: a staff session that has NOT started desk mode reaches
no citizen page, and one in desk mode for a citizen still gets nobody else's objects.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.support.login import login_staff
from tests.support.primitives import make_staff
from tests.support.security import build_url
from tests.support.security import build_world
from tests.support.security import rules_of
from tests.support.security import token_from

#: pages with their own token (links on letters), not a citizen session
TOKEN_PAGES = frozenset(
    {
        "citizen.shared_overview",
        "citizen.shared_overview_pdf",
        "payments.payment_link",
        "payments.payment_link_qr",
        "payments.checkout_return",
        "payments.sandbox_checkout",
        "payments.stripe_webhook",
    }
)


def _answer(client: FlaskClient, method: str, url: str, token: str) -> TestResponse:
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


def _outcome(response: TestResponse) -> tuple[int, str]:
    """Status and where it sends you; a staff member sent to a staff page instead of the
    citizen login (e.g. "/" sends staff to their home) counts as sent to a login."""
    location = response.location or ""
    if response.status_code == 302 and location.startswith("/staff/"):
        location = "/login"
    return response.status_code, location.split("?")[0]


def test_staff_without_desk_mode_get_no_more_than_an_anonymous_visitor(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """Every citizen and payment route answers a staff session that has not started desk mode
    exactly as it answers nobody: the login redirect for the citizen's pages, the public
    pages as they are. And never with the citizen's data."""
    world = build_world(db_session)
    desk = make_staff(db_session, "desk")
    db_session.commit()
    login_staff(client, desk.id)
    staff_token = token_from(client, "/staff/")
    anonymous = app.test_client()
    anonymous_token = token_from(anonymous, "/login/code")
    wrong = []
    sent_to_login = 0
    for method in ("GET", "POST"):
        for rule in rules_of(app, "citizen", "payments", method=method):
            if rule.endpoint in TOKEN_PAGES:
                continue
            url = build_url(rule, world.ids())
            response = _answer(client, method, url, staff_token)
            as_staff = _outcome(response)
            as_nobody = _outcome(_answer(anonymous, method, url, anonymous_token))
            if as_staff != as_nobody:
                wrong.append(f"{method} {url}: staff {as_staff}, anonymous {as_nobody}")
            if any(secret in response.get_data(as_text=True) for secret in world.secrets):
                wrong.append(f"{method} {url} shows the citizen's data to staff")
            sent_to_login += "/login" in as_staff[1]
    assert sent_to_login >= 30
    assert wrong == []


def test_in_desk_mode_for_one_citizen_the_others_objects_are_not_found(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    world = build_world(db_session)
    desk = make_staff(db_session, "desk")
    db_session.commit()
    login_staff(client, desk.id)
    page = f"/staff/desk/start/{world.intruder.id}"
    started = client.post(
        page,
        data={
            "csrf_token": token_from(client, page),
            "visit_reason": "pay",
            "identity_check": "id_card",
        },
    )
    assert started.status_code == 302
    assert client.get("/overview").status_code == 200
    wrong = []
    for rule in rules_of(app, "citizen", "payments", method="GET"):
        if rule.endpoint in TOKEN_PAGES or not rule.arguments - {"step", "feature", "filename"}:
            continue
        url = build_url(rule, world.ids())
        response = client.get(url)
        if response.status_code != 404:
            wrong.append(f"GET {url}: {response.status_code}")
    assert wrong == []
