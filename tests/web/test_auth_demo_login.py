"""Demo login: only in demo mode, one button per seeded persona, full scope."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Debtor
from portal.models import DemoPersona
from tests.support.auth_helpers import csrf_token
from tests.support.auth_helpers import isolated_requests  # noqa: F401 - fixture
from tests.support.auth_helpers import post_form
from tests.support.auth_helpers import session_value
from tests.support.factories import make_debtor

pytestmark = pytest.mark.usefixtures("isolated_requests")


def _personas(session: Session) -> list[Debtor]:
    people = [
        ("Sanne Bakker", "six_arrears", 2),
        ("Jan de Boer", "one_daycare_bill", 1),
        ("Karim El Amrani", "with_collector", 3),
    ]
    debtors = []
    for name, situation, position in people:
        debtor = make_debtor(session, name)
        session.add(DemoPersona(debtor_id=debtor.id, situation=situation, position=position))
        debtors.append(debtor)
    session.flush()
    return debtors


def test_demo_page_lists_personas_in_order_with_their_situation(
    client: FlaskClient, db_session: Session
) -> None:
    _personas(db_session)
    client.get("/language/en")
    page = client.get("/login/demo").get_data(as_text=True)
    assert "This is a demo. In real use you log in with DigiD." in page
    assert page.index("Jan de Boer") < page.index("Sanne Bakker") < page.index("Karim El Amrani")
    assert "Has one unpaid bill for daycare" in page
    assert "Has six unpaid bills at different departments" in page
    assert "Has a bill that is with an external collector (bailiff)" in page
    assert page.count("<h1>") == 1


def test_choosing_a_persona_logs_in_with_full_scope(
    client: FlaskClient, db_session: Session
) -> None:
    sanne = _personas(db_session)[0]
    response = post_form(client, "/login/demo", {"debtor_id": str(sanne.id)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/overview"
    assert session_value(client, "_user_id") == f"c:{sanne.id}"
    assert session_value(client, "citizen") == {
        "method": "demo",
        "scope": None,
        "acting_staff_id": None,
    }
    db_session.expire_all()
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "citizen.login"))
    assert event is not None
    assert event.debtor_id == sanne.id
    assert event.details == {"method": "demo"}


@pytest.mark.parametrize("debtor_id", ["", "abc", "9" * 10_000, "not-a-persona"])
def test_a_person_who_is_not_a_persona_cannot_be_chosen(
    client: FlaskClient, db_session: Session, debtor_id: str
) -> None:
    _personas(db_session)
    if debtor_id == "not-a-persona":
        debtor_id = str(make_debtor(db_session, "Real Citizen").id)
    response = post_form(client, "/login/demo", {"debtor_id": debtor_id})
    assert response.status_code == 400
    assert "Please choose one of the people below." in response.get_data(as_text=True)
    assert session_value(client, "_user_id") is None


def test_demo_post_without_csrf_token_is_refused(client: FlaskClient, db_session: Session) -> None:
    sanne = _personas(db_session)[0]
    response = client.post("/login/demo", data={"debtor_id": str(sanne.id)})
    assert response.status_code == 400
    assert session_value(client, "_user_id") is None


def test_demo_login_does_not_exist_outside_demo_mode(make_app, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    sanne = _personas(db_session)[0]
    production = make_app(
        demo=False, secret_key="x" * 32, id_encryption_key=Fernet.generate_key().decode()
    )
    client = production.test_client()
    assert client.get("/login/demo").status_code == 404
    token = csrf_token(client, "/login")
    response = client.post("/login/demo", data={"debtor_id": str(sanne.id), "csrf_token": token})
    assert response.status_code == 404
    assert "/login/demo" not in client.get("/login").get_data(as_text=True)
