"""The role matrix for sessions that act for others (issue 9), route by route: a
representative (choosing or acting) and a business session reach no staff route, and a
view-only representative can POST nowhere outside the auth pages (one central check)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.support.auth_helpers import csrf_from
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.representatives import login_representative
from tests.support.representatives import make_representation
from tests.web.test_role_matrix import _call
from tests.web.test_role_matrix import _let_in
from tests.web.test_role_matrix import _url
from tests.web.test_role_matrix import guarded

pytestmark = pytest.mark.usefixtures("isolated_requests")


def _acting(client: FlaskClient, db_session: Session, scope: str) -> str:
    debtor = make_debtor(db_session, "Anna Aalbers", national_id="111222333")
    make_claim(db_session, debtor, 10_000)
    representation = make_representation(db_session, debtor, scope=scope)
    db_session.commit()
    login_representative(client)
    listing = client.get("/representing")
    token = csrf_from(listing)
    assert (
        client.post(f"/representing/{representation.id}", data={"csrf_token": token}).status_code
        == 302
    )
    return csrf_from(client.get("/overview"))


@pytest.mark.parametrize("scope", ["act", "view"])
def test_an_acting_representative_reaches_no_staff_route(
    app: Flask, client: FlaskClient, db_session: Session, scope: str
) -> None:
    token = _acting(client, db_session, scope)
    wrong = [
        f"{method} {rule.rule}: {status}"
        for rule, method, _permission in guarded(app)
        if (status := _call(client, method, _url(rule), token).status_code) != 403
    ]
    assert wrong == []


def test_a_representative_choosing_a_person_reaches_no_staff_route(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Anna Aalbers", national_id="111222333")
    make_representation(db_session, debtor)
    db_session.commit()
    login_representative(client)
    token = csrf_from(client.get("/representing"))
    wrong = [
        f"{method} {rule.rule}: {response.status_code}"
        for rule, method, _permission in guarded(app)
        if _let_in(response := _call(client, method, _url(rule), token))
    ]
    assert wrong == []


def test_a_business_session_reaches_no_staff_route(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    business = make_debtor(db_session, "Shop B.V.", kind="business", business_number="69841234")
    login_citizen(client, business.id, method="business")
    db_session.commit()
    token = csrf_from(client.get("/overview"))
    wrong = [
        f"{method} {rule.rule}: {status}"
        for rule, method, _permission in guarded(app)
        if (status := _call(client, method, _url(rule), token).status_code) != 403
    ]
    assert wrong == []


def test_a_view_only_representative_can_post_nowhere_outside_the_auth_pages(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    token = _acting(client, db_session, "view")
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and not rule.endpoint.startswith("auth.")
        and not rule.rule.startswith(("/staff", "/api"))
    ]
    assert any(rule.endpoint.startswith("citizen.") for rule in posts)
    wrong = [
        f"POST {rule.rule}: {status}"
        for rule in posts
        if (status := client.post(_url(rule), data={"csrf_token": token}).status_code) != 403
    ]
    assert wrong == []
    # Still acting for the person (the refusals did not end the session).
    assert client.get("/overview").status_code == 200
