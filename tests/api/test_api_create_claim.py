"""POST /api/v1/claims: validation, idempotency, debtor matching, audit, the citizen sees it."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Debtor
from portal.models import LedgerEntry
from tests.api.helpers import INVALID_BSN
from tests.api.helpers import VALID_BSN
from tests.api.helpers import assert_problem
from tests.api.helpers import auth
from tests.api.helpers import claim_body
from tests.api.helpers import counts
from tests.api.helpers import error_fields
from tests.api.helpers import make_token
from tests.api.helpers import post_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen


@pytest.fixture
def token(db_session: Session) -> str:
    return make_token(db_session, "children")


def test_a_new_claim_is_created_with_201_and_its_balance(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    response = post_claim(client, token, claim_body())
    assert response.status_code == 201
    body = response.get_json()
    assert body["external_id"] == "INV-2026-0001"
    assert body["balance"] == body["original_amount"] == 45_000
    assert body["currency"] == "EUR"
    assert body["status"] in {"open", "overdue"}
    assert body["reference"]
    assert response.headers["Location"] == f"/api/v1/claims/{body['id']}"
    claim = db_session.get(Claim, body["id"])
    assert claim is not None
    assert claim.department.code == "children"
    entries = db_session.scalars(select(LedgerEntry).where(LedgerEntry.claim_id == claim.id)).all()
    assert [(e.cause, e.amount) for e in entries] == [("issued", 45_000)]


def test_the_same_body_again_gives_200_and_the_same_claim(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    first = post_claim(client, token, claim_body())
    before = counts(db_session)
    again = post_claim(client, token, claim_body())
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert counts(db_session) == before


def test_a_different_body_with_the_same_external_id_is_a_409_problem(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    post_claim(client, token, claim_body())
    before = counts(db_session)
    problem = assert_problem(post_claim(client, token, claim_body(amount=46_000)), 409)
    assert problem["type"] == "urn:saldo:problem:external-id-conflict"
    assert counts(db_session) == before


def test_an_existing_debtor_is_matched_by_national_id(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    debtor = make_debtor(db_session, "Anna de Vries", national_id=VALID_BSN)
    db_session.commit()
    response = post_claim(client, token, claim_body(debtor={"national_id": VALID_BSN, "name": "A"}))
    claim = db_session.get(Claim, response.get_json()["id"])
    assert claim is not None
    assert claim.debtor_id == debtor.id


def test_a_new_debtor_is_registered_with_a_hashed_national_id(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    response = post_claim(client, token, claim_body())
    claim = db_session.get(Claim, response.get_json()["id"])
    assert claim is not None
    debtor = claim.debtor
    assert debtor.national_id_hash
    assert VALID_BSN not in debtor.national_id_hash
    assert debtor.national_id_last4 == VALID_BSN[-4:]


def test_a_business_debtor_is_matched_by_its_kvk_number(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    business = {"business_number": "6984 1234", "name": "Bakkerij BV"}
    first = post_claim(client, token, claim_body(external_id="B-1", debtor=business))
    second = post_claim(client, token, claim_body(external_id="B-2", debtor=business))
    assert first.status_code == second.status_code == 201
    one = db_session.get(Claim, first.get_json()["id"])
    two = db_session.get(Claim, second.get_json()["id"])
    assert one is not None
    assert two is not None
    assert one.debtor_id == two.debtor_id
    assert one.debtor.kind == "business"
    assert one.debtor.business_number == "69841234"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"amount": 450.0}, "amount", "not_integer"),
        ({"amount": 450.5}, "amount", "not_integer"),
        ({"amount": "45000"}, "amount", "not_integer"),
        ({"amount": True}, "amount", "not_integer"),
        ({"amount": 0}, "amount", "not_positive"),
        ({"amount": -100}, "amount", "not_positive"),
        ({"amount": 10**12 + 1}, "amount", "too_large"),
        ({"amount": None}, "amount", "required"),
        ({"currency": "DKK"}, "currency", "wrong_currency"),
        ({"due_date": "2026-10-01"}, "due_date", "before_issue_date"),
        ({"issue_date": "2026-02-30"}, "issue_date", "invalid_date"),
        ({"issue_date": "01-11-2026"}, "issue_date", "invalid_date"),
        ({"claim_type": "no_such_type"}, "claim_type", "unknown_claim_type"),
        ({"claim_type": "ozb_residential"}, "claim_type", "unknown_claim_type"),
        ({"description": ""}, "description", "required"),
        ({"description": "x" * 301}, "description", "too_long"),
        ({"description": "bad\x00byte"}, "description", "invalid_characters"),
        ({"external_id": "has space"}, "external_id", "invalid"),
        ({"external_id": 12}, "external_id", "invalid"),
        ({"surprise": 1}, "surprise", "unknown_field"),
        ({"debtor": "Anna"}, "debtor", "type"),
        (
            {"debtor": {"name": "A", "national_id": INVALID_BSN}},
            "debtor.national_id",
            "invalid_identifier",
        ),
        ({"debtor": {"name": "A"}}, "debtor.national_id", "one_identifier"),
        (
            {"debtor": {"name": "A", "national_id": VALID_BSN, "business_number": "69841234"}},
            "debtor.national_id",
            "one_identifier",
        ),
        (
            {"debtor": {"name": "A", "business_number": "1234"}},
            "debtor.business_number",
            "invalid_identifier",
        ),
        ({"debtor": {"national_id": VALID_BSN}}, "debtor.name", "required"),
        (
            {"debtor": {"name": "A", "national_id": VALID_BSN, "email": "nope"}},
            "debtor.email",
            "invalid_email",
        ),
    ],
)
def test_an_invalid_claim_is_a_422_problem_that_stores_nothing(
    client: FlaskClient,
    db_session: Session,
    token: str,
    changes: dict[str, Any],
    field: str,
    code: str,
) -> None:
    before = counts(db_session)
    problem = assert_problem(post_claim(client, token, claim_body(**changes)), 422)
    assert problem["type"] == "urn:saldo:problem:validation"
    assert error_fields(problem).get(field) == code
    assert counts(db_session) == before


def test_all_invalid_fields_are_reported_at_once(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    problem = assert_problem(
        post_claim(client, token, claim_body(amount=1.5, currency="USD", description="")), 422
    )
    assert {"amount", "currency", "description"} <= set(error_fields(problem))


def test_a_body_that_is_not_an_object_is_a_422_problem(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    assert_problem(post_claim(client, token, [1, 2]), 422)
    null = client.post(
        "/api/v1/claims", data="null", content_type="application/json", headers=auth(token)
    )
    assert_problem(null, 422)


def test_every_write_is_audited_without_personal_data(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    response = post_claim(client, token, claim_body())
    claim_id = response.get_json()["id"]
    events = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "claim", AuditEvent.object_id == claim_id
        )
    ).all()
    received = [e for e in events if e.action == "department.claim_received"]
    assert len(received) == 1
    assert received[0].actor_kind == "api"
    assert received[0].details["department"] == "children"
    assert isinstance(received[0].details["token_id"], int)
    for event in events:
        text = repr(event.details)
        assert VALID_BSN not in text
        assert "Anna" not in text


def test_the_claim_appears_on_the_citizens_overview(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    response = post_claim(client, token, claim_body(description="Childcare for Sam, November"))
    claim = db_session.get(Claim, response.get_json()["id"])
    assert claim is not None
    debtor = db_session.get(Debtor, claim.debtor_id)
    assert debtor is not None
    login_citizen(client, debtor.id)
    page = client.get("/overview")
    assert page.status_code == 200
    assert "Childcare for Sam, November" in page.get_data(as_text=True)


def test_a_token_cannot_use_another_departments_claim_types(
    client: FlaskClient, db_session: Session
) -> None:
    parking = make_token(db_session, "parking")
    problem = assert_problem(post_claim(client, parking, claim_body()), 422)
    assert error_fields(problem)["claim_type"] == "unknown_claim_type"


def test_the_claim_type_catalogue_lists_only_the_departments_types(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    response = client.get("/api/v1/claim-types", headers=auth(token))
    codes = [item["code"] for item in response.get_json()["items"]]
    assert codes == ["childcare_contribution"]


def test_the_largest_allowed_amount_is_accepted(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    response = post_claim(client, token, claim_body(amount=10**12))
    assert response.status_code == 201
    assert response.get_json()["balance"] == 10**12


def test_no_national_id_or_name_reaches_the_logs(
    client: FlaskClient, db_session: Session, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    post_claim(client, token, claim_body())
    post_claim(client, token, claim_body(amount=1.5))
    post_claim(client, token, claim_body(debtor={"national_id": "1234567890123", "name": "Zed"}))
    for secret in (VALID_BSN, "Anna de Vries", "1234567890123"):
        assert secret not in caplog.text
