"""Reading, cancelling and crediting a claim; payments since a cursor."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import LedgerEntry
from portal.services.ledger import ledger_balances
from tests.api.helpers import assert_problem
from tests.api.helpers import auth
from tests.api.helpers import claim_body
from tests.api.helpers import error_fields
from tests.api.helpers import make_token
from tests.api.helpers import post_claim
from tests.support.factories import pay


@pytest.fixture
def token(db_session: Session) -> str:
    return make_token(db_session, "children")


@pytest.fixture
def claim_id(client: FlaskClient, token: str) -> int:
    return int(post_claim(client, token, claim_body()).get_json()["id"])


def _entries(session: Session, claim_id: int) -> list[tuple[str, str, int]]:
    rows = session.scalars(
        select(LedgerEntry).where(LedgerEntry.claim_id == claim_id).order_by(LedgerEntry.id)
    )
    return [(e.cause, e.component, e.amount) for e in rows]


def test_a_claim_is_read_by_id_and_by_external_id(
    client: FlaskClient, token: str, claim_id: int
) -> None:
    by_id = client.get(f"/api/v1/claims/{claim_id}", headers=auth(token))
    assert by_id.status_code == 200
    assert by_id.get_json()["id"] == claim_id
    found = client.get("/api/v1/claims?external_id=INV-2026-0001", headers=auth(token))
    assert [item["id"] for item in found.get_json()["items"]] == [claim_id]
    none = client.get("/api/v1/claims?external_id=unknown", headers=auth(token))
    assert none.get_json()["items"] == []
    assert_problem(client.get("/api/v1/claims", headers=auth(token)), 422)


def test_another_departments_claim_is_not_found(
    client: FlaskClient, db_session: Session, claim_id: int
) -> None:
    other = make_token(db_session, "parking")
    assert_problem(client.get(f"/api/v1/claims/{claim_id}", headers=auth(other)), 404)
    assert_problem(client.post(f"/api/v1/claims/{claim_id}/cancel", headers=auth(other)), 404)
    found = client.get("/api/v1/claims?external_id=INV-2026-0001", headers=auth(other))
    assert found.get_json()["items"] == []
    assert_problem(client.get(f"/api/v1/claims/{2**40}", headers=auth(other)), 404)


def test_cancel_appends_entries_to_zero_and_is_idempotent(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    response = client.post(f"/api/v1/claims/{claim_id}/cancel", headers=auth(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "cancelled"
    assert body["balance"] == 0
    assert body["cancelled_on"]
    again = client.post(f"/api/v1/claims/{claim_id}/cancel", headers=auth(token))
    assert again.status_code == 200
    db_session.expire_all()
    assert _entries(db_session, claim_id) == [
        ("issued", "principal", 45_000),
        ("cancellation", "principal", -45_000),
    ]
    assert ledger_balances(db_session, claim_id)["principal"] == 0
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == claim_id)
    ).all()
    assert actions.count("claim.cancelled") == 1


def test_a_credit_lowers_the_principal_with_a_correction_entry(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    response = client.post(
        f"/api/v1/claims/{claim_id}/credit",
        json={"amount": 5_000, "reason": "billing_error"},
        headers=auth(token),
    )
    assert response.status_code == 200
    assert response.get_json()["balance"] == 40_000
    db_session.expire_all()
    assert _entries(db_session, claim_id)[-1] == ("correction", "principal", -5_000)
    claim = db_session.get(Claim, claim_id)
    assert claim is not None
    assert claim.principal_due == 40_000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 45_001, "reason": "billing_error"}, "amount"),
        ({"amount": 1.5, "reason": "billing_error"}, "amount"),
        ({"amount": 0, "reason": "billing_error"}, "amount"),
        ({"amount": 100, "reason": "because"}, "reason"),
        ({"amount": 100}, "reason"),
    ],
)
def test_an_invalid_credit_is_a_422_problem_that_changes_nothing(
    client: FlaskClient, db_session: Session, token: str, claim_id: int, body: dict, field: str
) -> None:
    response = client.post(f"/api/v1/claims/{claim_id}/credit", json=body, headers=auth(token))
    assert field in error_fields(assert_problem(response, 422))
    db_session.expire_all()
    assert len(_entries(db_session, claim_id)) == 1


def test_a_cancelled_claim_cannot_be_credited(
    client: FlaskClient, token: str, claim_id: int
) -> None:
    client.post(f"/api/v1/claims/{claim_id}/cancel", headers=auth(token))
    response = client.post(
        f"/api/v1/claims/{claim_id}/credit",
        json={"amount": 100, "reason": "goodwill"},
        headers=auth(token),
    )
    assert assert_problem(response, 409)["type"] == "urn:saldo:problem:claim-closed"


def test_payments_are_listed_after_a_cursor(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    claim = db_session.get(Claim, claim_id)
    assert claim is not None
    pay(db_session, claim.debtor, 10_000, claim=claim)
    pay(db_session, claim.debtor, 5_000, claim=claim)
    db_session.commit()
    page = client.get("/api/v1/payments?limit=1", headers=auth(token)).get_json()
    assert [item["amount"] for item in page["items"]] == [10_000]
    assert page["items"][0]["external_id"] == "INV-2026-0001"
    rest = client.get(f"/api/v1/payments?since={page['next']}", headers=auth(token)).get_json()
    assert [item["amount"] for item in rest["items"]] == [5_000]
    empty = client.get(f"/api/v1/payments?since={rest['next']}", headers=auth(token)).get_json()
    assert empty == {"items": [], "next": rest["next"]}
    other = make_token(db_session, "parking")
    assert client.get("/api/v1/payments", headers=auth(other)).get_json()["items"] == []


@pytest.mark.parametrize("query", ["since=-1", "since=abc", "limit=0", "limit=1001", "since=1e3"])
def test_a_bad_cursor_or_limit_is_a_422_problem(
    client: FlaskClient, token: str, query: str
) -> None:
    assert_problem(client.get(f"/api/v1/payments?{query}", headers=auth(token)), 422)
