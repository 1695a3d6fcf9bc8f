"""POST /api/v1/claims/{id}/fees: a reminder fee within the rule pack's cap, idempotent."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.domain.rules import get_rule_pack
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import ClaimType
from portal.models import LedgerEntry
from portal.services.department_fees import fee_limit
from portal.services.holds import place_hold
from portal.services.ledger import ledger_balances
from tests.api.helpers import assert_problem
from tests.api.helpers import auth
from tests.api.helpers import claim_body
from tests.api.helpers import counts
from tests.api.helpers import error_fields
from tests.api.helpers import make_token
from tests.api.helpers import post_claim

TODAY = date.today()
ISSUED = TODAY - timedelta(days=60)
DUE = TODAY - timedelta(days=30)
#: 15 % of €450 under the WIK scale (NL private law: childcare contribution)
WIK_ON_450 = 6_750


@pytest.fixture
def token(db_session: Session) -> str:
    return make_token(db_session, "children")


@pytest.fixture
def claim_id(client: FlaskClient, token: str) -> int:
    body = claim_body(issue_date=ISSUED.isoformat(), due_date=DUE.isoformat())
    response = post_claim(client, token, body)
    assert response.status_code == 201
    return int(response.get_json()["id"])


def _fee(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fee_id": "FEE-1",
        "amount": 4_000,
        "reason": "reminder",
        "effective_date": (TODAY - timedelta(days=1)).isoformat(),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _post(client: FlaskClient, token: str, claim_id: int, body: Any) -> TestResponse:
    return client.post(f"/api/v1/claims/{claim_id}/fees", json=body, headers=auth(token))


def _fee_entries(session: Session, claim_id: int) -> list[tuple[str, int, str | None]]:
    session.expire_all()
    rows = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.claim_id == claim_id, LedgerEntry.component == "fee")
        .order_by(LedgerEntry.id)
    )
    return [(e.cause, e.amount, e.source) for e in rows]


def test_a_fee_within_the_cap_is_a_reminder_fee_ledger_entry_and_is_audited(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    response = _post(client, token, claim_id, _fee())
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["fee"]["amount"] == 4_000
    assert body["fee"]["cause"] == "reminder_fee"
    assert body["fee"]["reason"] == "reminder"
    assert body["claim"]["fee_due"] == 4_000
    assert body["claim"]["balance"] == 45_000 + 4_000
    assert _fee_entries(db_session, claim_id) == [("reminder_fee", 4_000, "api:fee:FEE-1")]
    assert ledger_balances(db_session, claim_id)["fee"] == 4_000
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.fee_added"))
    assert event is not None
    assert event.actor_kind == "api"
    assert event.details["amount"] == 4_000
    assert event.details["department"] == "children"


def test_the_same_fee_id_again_gives_the_same_fee_and_stores_nothing_new(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    first = _post(client, token, claim_id, _fee())
    again = _post(client, token, claim_id, _fee())
    assert again.status_code == 200
    assert again.get_json()["fee"] == first.get_json()["fee"]
    assert len(_fee_entries(db_session, claim_id)) == 1


def test_the_same_fee_id_with_another_amount_is_a_conflict(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    _post(client, token, claim_id, _fee())
    problem = assert_problem(_post(client, token, claim_id, _fee(amount=4_100)), 409)
    assert problem["type"] == "urn:saldo:problem:fee-id-conflict"
    other_reason = _post(client, token, claim_id, _fee(reason="collection_costs"))
    assert_problem(other_reason, 409)
    assert len(_fee_entries(db_session, claim_id)) == 1


def test_a_fee_above_the_wik_cap_is_refused_with_the_maximum(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    before = counts(db_session)
    problem = assert_problem(_post(client, token, claim_id, _fee(amount=WIK_ON_450 + 1)), 422)
    assert error_fields(problem) == {"amount": "above_fee_cap"}
    assert f"at most {WIK_ON_450}" in problem["errors"][0]["message"]
    db_session.expire_all()
    assert counts(db_session) == before
    exact = _post(client, token, claim_id, _fee(amount=WIK_ON_450))
    assert exact.status_code == 201


def test_the_wik_amount_is_charged_once_in_total(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    assert _post(client, token, claim_id, _fee(amount=1_000)).status_code == 201
    problem = assert_problem(_post(client, token, claim_id, _fee(fee_id="FEE-2")), 422)
    assert "no fee is allowed" in problem["errors"][0]["message"]
    assert len(_fee_entries(db_session, claim_id)) == 1


def test_a_claim_type_without_a_fee_basis_takes_no_fee(
    client: FlaskClient, db_session: Session
) -> None:
    token = make_token(db_session, "social")
    body = claim_body(
        claim_type="social_assistance_recovery",
        issue_date=ISSUED.isoformat(),
        due_date=DUE.isoformat(),
    )
    claim_id = int(post_claim(client, token, body).get_json()["id"])
    problem = assert_problem(_post(client, token, claim_id, _fee(amount=1)), 422)
    assert error_fields(problem) == {"amount": "above_fee_cap"}


@pytest.mark.parametrize(
    ("pack", "legal_basis", "execution_right", "principal", "maximum"),
    [
        ("nl", "tax", True, 40_000, 800),  # Kostenwet aanmaning below €454
        ("nl", "tax", True, 50_000, 1_800),  # and from €454
        ("nl", "private_law", False, 100_000, 15_000),  # WIK: 15 % of €1,000
        ("nl", "private_law", False, 10_000, 4_000),  # WIK minimum €40
        ("nl", "public_law", False, 50_000, 0),
        ("dk", "public_law", True, 50_000, 25_000),  # udpantningsret: 250 kr
        ("dk", "private_law", False, 50_000, 10_000),  # renteloven: 100 kr
        ("dk", "public_law", False, 50_000, 0),
        ("be", "private_law", False, 40_000, 2_500),  # registered aanmaning €25
        ("be", "private_law", False, 10_000, 2_000),  # capped by Boek XIX (€20 to €150)
        ("be", "tax", True, 40_000, 0),
    ],
)
def test_the_fee_cap_follows_the_claim_types_legal_basis(
    db_session: Session,
    pack: str,
    legal_basis: str,
    execution_right: bool,
    principal: int,
    maximum: int,
) -> None:
    claim_type = ClaimType(legal_basis=legal_basis, has_execution_right=execution_right)
    claim = Claim(
        claim_type=claim_type,
        principal_due=principal,
        fee_due=0,
        interest_due=0,
        issue_date=ISSUED,
        due_date=DUE,
    )
    assert fee_limit(db_session, get_rule_pack(pack), claim, TODAY).maximum == maximum


def test_a_cancelled_claim_takes_no_fee(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    client.post(f"/api/v1/claims/{claim_id}/cancel", headers=auth(token))
    problem = assert_problem(_post(client, token, claim_id, _fee()), 409)
    assert problem["type"] == "urn:saldo:problem:claim-closed"
    assert _fee_entries(db_session, claim_id) == []


def test_a_claim_with_the_collector_takes_no_fee(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    claim = db_session.get(Claim, claim_id)
    assert claim is not None
    claim.handed_over_on = TODAY
    db_session.commit()
    problem = assert_problem(_post(client, token, claim_id, _fee()), 409)
    assert problem["type"] == "urn:saldo:problem:claim-handed-over"
    assert _fee_entries(db_session, claim_id) == []


@pytest.mark.parametrize("reason", ["dispute", "plan"])
def test_a_claim_under_a_hold_takes_no_fee(
    client: FlaskClient, db_session: Session, token: str, claim_id: int, reason: str
) -> None:
    place_hold(db_session, claim_id, reason, starts_on=DUE, source="test")
    db_session.commit()
    problem = assert_problem(_post(client, token, claim_id, _fee()), 409)
    assert problem["type"] == "urn:saldo:problem:claim-on-hold"
    assert reason in problem["detail"]
    assert _fee_entries(db_session, claim_id) == []


def test_a_fully_credited_claim_takes_no_fee(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    credit = {"amount": 45_000, "reason": "billing_error"}
    client.post(f"/api/v1/claims/{claim_id}/credit", json=credit, headers=auth(token))
    problem = assert_problem(_post(client, token, claim_id, _fee()), 409)
    assert problem["type"] == "urn:saldo:problem:claim-settled"


def test_invalid_fee_bodies_list_every_mistake_and_store_nothing(
    client: FlaskClient, db_session: Session, token: str, claim_id: int
) -> None:
    before = counts(db_session)
    body = {"fee_id": "bad id!", "amount": 12.5, "reason": "penalty", "colour": "red"}
    problem = assert_problem(_post(client, token, claim_id, body), 422)
    assert error_fields(problem) == {
        "fee_id": "invalid",
        "amount": "not_integer",
        "reason": "invalid",
        "colour": "unknown_field",
    }
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    future = assert_problem(_post(client, token, claim_id, _fee(effective_date=tomorrow)), 422)
    assert error_fields(future) == {"effective_date": "in_future"}
    early = _post(client, token, claim_id, _fee(effective_date=DUE.isoformat()))
    assert error_fields(assert_problem(early, 422)) == {"effective_date": "not_overdue"}
    bad_day = assert_problem(_post(client, token, claim_id, _fee(effective_date="2026-02-30")), 422)
    assert error_fields(bad_day) == {"effective_date": "invalid_date"}
    assert_problem(_post(client, token, claim_id, [1, 2]), 422)
    db_session.expire_all()
    assert counts(db_session) == before


def test_the_effective_date_defaults_to_today(
    client: FlaskClient, token: str, claim_id: int
) -> None:
    response = _post(client, token, claim_id, _fee(effective_date=None))
    assert response.status_code == 201
    assert response.get_json()["fee"]["effective_date"] == TODAY.isoformat()


def test_another_departments_claim_gets_no_fee(
    client: FlaskClient, db_session: Session, claim_id: int
) -> None:
    other = make_token(db_session, "parking")
    assert_problem(_post(client, other, claim_id, _fee()), 404)
    assert _fee_entries(db_session, claim_id) == []
