"""Helpers for the API tests: a department token and a client that sends it."""

from __future__ import annotations

import random
from datetime import UTC
from datetime import datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.demo.identifiers import make_bsn
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Debtor
from portal.models import LedgerEntry
from portal.services.api_tokens import create_token
from portal.services.audit import Actor
from tests.support.factories import ensure_catalogue

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
#: a BSN that passes the eleven-test (and one that does not)
VALID_BSN = make_bsn(random.Random(7))
INVALID_BSN = "123456789"


def make_token(session: Session, department: str = "children", name: str = "billing") -> str:
    ensure_catalogue(session)
    _, token = create_token(session, department, name, actor=Actor.system(), now=NOW)
    session.commit()
    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claim_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": "INV-2026-0001",
        "claim_type": "childcare_contribution",
        "amount": 45_000,
        "currency": "EUR",
        "issue_date": "2026-11-01",
        "due_date": "2026-12-01",
        "description": "Childcare contribution November 2026",
        "debtor": {"national_id": VALID_BSN, "name": "Anna de Vries"},
    }
    body.update(changes)
    return body


def post_claim(client: FlaskClient, token: str, body: Any) -> TestResponse:
    return client.post("/api/v1/claims", json=body, headers=auth(token))


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == status
    return dict(problem)


def error_fields(problem: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in problem.get("errors", [])}


def counts(session: Session) -> tuple[int, int, int, int]:
    """Claims, debtors, ledger entries and audit events: what an invalid request must not add."""
    return (
        session.scalar(select(func.count(Claim.id))) or 0,
        session.scalar(select(func.count(Debtor.id))) or 0,
        session.scalar(select(func.count(LedgerEntry.id))) or 0,
        session.scalar(select(func.count(AuditEvent.id))) or 0,
    )
