"""Business debtors log in through the same OIDC provider with a company-number claim, and a
representative's eID login lands on their list (issue 9). Against oidc-provider-mock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from urllib.parse import urlsplit

import httpx
import oidc_provider_mock
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import AuditEvent
from portal.models import Debtor
from portal.models import DemoPersona
from tests.support.auth_helpers import csrf_from
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import session_value
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.page_checks import assert_page_ok
from tests.support.representatives import REPRESENTATIVE_BSN
from tests.support.representatives import make_representation

pytestmark = pytest.mark.usefixtures("isolated_requests")

SHOP_KVK = "69841234"
OTHER_KVK = "12345678"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def eid_app(make_app: Any, issuer: str, db_session: Session) -> Flask:
    app: Flask = make_app(
        oidc_issuer=issuer, oidc_client_id="saldo", oidc_client_secret="s3cret-for-tests"
    )
    return app


def _person(issuer: str, sub: str, claims: dict[str, Any]) -> None:
    assert httpx.put(f"{issuer}/users/{quote(sub)}", json=claims).status_code == 204


def _login(client: FlaskClient, sub: str) -> TestResponse:
    start = client.get("/login/eid")
    assert start.status_code == 302, start.status_code
    at_provider = httpx.post(start.headers["Location"], data={"sub": sub})
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def _companies(db_session: Session) -> tuple[Debtor, Debtor]:
    shop = make_debtor(db_session, "Bakkerij Brood B.V.", kind="business", business_number=SHOP_KVK)
    other = make_debtor(db_session, "Garage Gas B.V.", kind="business", business_number=OTHER_KVK)
    make_claim(db_session, shop, 45_000, description="Shop's advertising tax")
    make_claim(db_session, other, 99_000, description="Garage's market fee")
    return shop, other


def _logins(db_session: Session, debtor: Debtor) -> list[AuditEvent]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "citizen.login", AuditEvent.debtor_id == debtor.id
            )
        )
    )


def test_a_business_claim_opens_that_company_s_bills(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    shop, _ = _companies(db_session)
    _person(issuer, "baker-1", {"kvk": "6984 1234"})
    client = eid_app.test_client()
    response = _login(client, "baker-1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/overview"
    assert session_value(client, "_user_id") == f"c:{shop.id}"
    overview = assert_page_ok(client.get("/overview"), lang="en")
    assert "Shop's advertising tax" in overview.text
    assert "Garage's market fee" not in overview.text
    (event,) = _logins(db_session, shop)
    assert event.details["method"] == "business"
    assert len(event.details["acting_person"]) == 64  # a keyed hash, not the person's id


def test_several_people_act_for_one_company_and_each_is_recorded(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    shop, _ = _companies(db_session)
    _person(issuer, "baker-a", {"kvk": SHOP_KVK})
    _person(issuer, "baker-b", {"kvk": SHOP_KVK, "bsn": "111222333"})
    for sub in ("baker-a", "baker-b"):
        client = eid_app.test_client()
        assert _login(client, sub).headers["Location"] == "/overview"
        assert session_value(client, "_user_id") == f"c:{shop.id}"
    people = {event.details["acting_person"] for event in _logins(db_session, shop)}
    assert len(people) == 2


def test_a_business_user_never_sees_another_company(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    _, other = _companies(db_session)
    other_claim = make_claim(db_session, other, 1_000, description="Garage's second fee")
    _person(issuer, "baker-2", {"kvk": SHOP_KVK})
    client = eid_app.test_client()
    _login(client, "baker-2")
    response = client.get(f"/claims/{other_claim.id}")
    assert response.status_code in {403, 404}
    assert "Garage" not in response.get_data(as_text=True)


@pytest.mark.parametrize("number", ["1234567", "x" * 40, OTHER_KVK[:-1] + "9"])
def test_an_invalid_or_unknown_company_number_logs_nobody_in(
    eid_app: Flask, issuer: str, db_session: Session, number: str
) -> None:
    _companies(db_session)
    _person(issuer, f"nobody-{number}", {"kvk": number})
    client = eid_app.test_client()
    response = _login(client, f"nobody-{number}")
    assert response.status_code == 200
    assert "We have no bills for you" in response.get_data(as_text=True)
    assert session_value(client, "_user_id") is None


def test_remission_is_not_offered_to_a_business(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    _companies(db_session)
    _person(issuer, "baker-3", {"kvk": SHOP_KVK})
    client = eid_app.test_client()
    _login(client, "baker-3")
    page = assert_page_ok(client.get("/remission"), lang="en")
    assert "Businesses cannot ask us to waive these bills" in page.text
    assert page.find("form", action="/remission") is None


def test_a_business_session_reaches_no_staff_page(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    _companies(db_session)
    _person(issuer, "baker-4", {"kvk": SHOP_KVK})
    client = eid_app.test_client()
    _login(client, "baker-4")
    assert client.get("/staff/").status_code == 403


def test_a_representative_s_eid_login_lands_on_their_list(
    eid_app: Flask, issuer: str, db_session: Session
) -> None:
    anna = make_debtor(db_session, "Anna Aalbers", national_id="111222333")
    make_representation(db_session, anna)
    _person(issuer, "bram", {"bsn": REPRESENTATIVE_BSN})
    client = eid_app.test_client()
    response = _login(client, "bram")
    assert response.status_code == 302
    assert response.headers["Location"] == "/representing"
    listing = assert_page_ok(client.get("/representing"), lang="en")
    assert "Anna Aalbers" in listing.text
    assert "Your own bills" not in listing.text


def test_the_demo_business_login_records_a_person(client: FlaskClient, db_session: Session) -> None:
    shop, _ = _companies(db_session)
    db_session.add(DemoPersona(debtor_id=shop.id, situation="business", position=0))
    db_session.flush()
    page = client.get("/login/demo")
    assert f"KvK {SHOP_KVK}" in assert_page_ok(page, lang="en").text
    response = client.post(
        "/login/demo", data={"csrf_token": csrf_from(page), "debtor_id": str(shop.id)}
    )
    assert response.headers["Location"] == "/overview"
    (event,) = _logins(db_session, shop)
    assert event.details["method"] == "demo"
    assert "acting_person" in event.details
