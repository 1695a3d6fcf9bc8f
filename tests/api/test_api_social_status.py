"""POST/GET/DELETE /api/v1/social-status (issue 8): a department with the right flags a known
debtor's social status; bad input is a problem and stores nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models.social_status import SocialStatus
from tests.api.helpers import INVALID_BSN
from tests.api.helpers import VALID_BSN
from tests.api.helpers import assert_problem
from tests.api.helpers import auth
from tests.api.helpers import error_fields
from tests.api.helpers import make_token
from tests.support.factories import make_debtor
from tests.support.social_status import grant
from tests.support.social_status import today


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": "WI-2026-0001",
        "debtor": {"national_id": VALID_BSN},
        "kind": "social_assistance",
        "valid_until": (today() + timedelta(days=180)).isoformat(),
    }
    body.update(changes)
    return body


def _stored(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count(SocialStatus.id))) or 0,
        session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action.like("social_status.%"))
        )
        or 0,
    )


@pytest.fixture
def token(db_session: Session) -> str:
    token = make_token(db_session, "social", "income system")
    grant(db_session)
    db_session.commit()
    return token


@pytest.fixture
def known(db_session: Session) -> int:
    debtor = make_debtor(db_session, "Known Person", national_id=VALID_BSN)
    db_session.commit()
    return debtor.id


def test_a_flag_for_a_known_debtor_is_stored_with_its_end_date_and_audited(
    client: FlaskClient, db_session: Session, token: str, known: int
) -> None:
    response = client.post("/api/v1/social-status", json=_body(), headers=auth(token))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["active"] is True
    assert body["legal_basis"] == "Participatiewet art. 64"
    assert body["valid_from"] == today().isoformat()
    assert VALID_BSN not in response.get_data(as_text=True)
    status = db_session.scalar(select(SocialStatus))
    assert status is not None
    assert status.debtor_id == known
    assert status.recorded_by_token_id is not None
    assert _stored(db_session) == (1, 2)  # the grant and the flag


def test_the_same_flag_again_returns_it_and_a_different_one_is_a_conflict(
    client: FlaskClient, db_session: Session, token: str, known: int
) -> None:
    client.post("/api/v1/social-status", json=_body(), headers=auth(token))
    again = client.post("/api/v1/social-status", json=_body(), headers=auth(token))
    assert again.status_code == 200
    other = _body(kind="minimum_income")
    conflict = client.post("/api/v1/social-status", json=other, headers=auth(token))
    assert_problem(conflict, 409)
    assert _stored(db_session)[0] == 1


def test_a_flag_with_consent_records_consent_as_its_legal_basis(
    client: FlaskClient, token: str, known: int
) -> None:
    response = client.post(
        "/api/v1/social-status", json=_body(legal_basis="consent"), headers=auth(token)
    )
    assert response.get_json()["legal_basis"] == "consent"


def test_an_unknown_debtor_is_a_404_problem_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, token: str
) -> None:
    before = _stored(db_session)
    response = client.post("/api/v1/social-status", json=_body(), headers=auth(token))
    problem = assert_problem(response, 404)
    assert problem["type"].endswith("debtor-not-found")
    assert _stored(db_session) == before


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"debtor": {"national_id": INVALID_BSN}}, "debtor.national_id", "invalid_identifier"),
        ({"debtor": {}}, "debtor.national_id", "one_identifier"),
        ({"valid_until": None}, "valid_until", "required"),
        ({"valid_until": "2026-02-30"}, "valid_until", "invalid_date"),
        ({"valid_until": "2020-01-01"}, "valid_until", "before_valid_from"),
        ({"kind": "poor"}, "kind", "invalid"),
        ({"reference": "a/b"}, "reference", "invalid"),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_bad_fields_are_a_422_problem_naming_the_field_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    token: str,
    known: int,
    changes: dict[str, Any],
    field: str,
    code: str,
) -> None:
    before = _stored(db_session)
    body = {k: v for k, v in _body(**changes).items() if v is not None}
    problem = assert_problem(
        client.post("/api/v1/social-status", json=body, headers=auth(token)), 422
    )
    assert error_fields(problem).get(field) == code
    assert _stored(db_session) == before


def test_a_department_without_the_right_gets_403_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, known: int
) -> None:
    token = make_token(db_session, "children", "daycare billing")
    before = _stored(db_session)
    response = client.post("/api/v1/social-status", json=_body(), headers=auth(token))
    problem = assert_problem(response, 403)
    assert problem["type"].endswith("no-social-status-right")
    assert _stored(db_session) == before


def test_ending_a_flag_stops_it_and_ending_it_again_changes_nothing(
    client: FlaskClient, db_session: Session, token: str, known: int
) -> None:
    client.post("/api/v1/social-status", json=_body(), headers=auth(token))
    ended = client.delete("/api/v1/social-status/WI-2026-0001", headers=auth(token))
    assert ended.status_code == 200
    assert ended.get_json()["active"] is False
    again = client.delete("/api/v1/social-status/WI-2026-0001", headers=auth(token))
    assert again.get_json()["ended_at"] == ended.get_json()["ended_at"]
    assert client.get("/api/v1/social-status/WI-2026-0001", headers=auth(token)).status_code == 200
    assert_problem(client.delete("/api/v1/social-status/nope", headers=auth(token)), 404)
    assert _stored(db_session) == (1, 3)


def test_another_department_cannot_see_or_end_a_flag(
    client: FlaskClient, db_session: Session, token: str, known: int
) -> None:
    client.post("/api/v1/social-status", json=_body(), headers=auth(token))
    other = make_token(db_session, "tax", "tax system")
    grant(db_session, "tax")
    db_session.commit()
    assert_problem(client.delete("/api/v1/social-status/WI-2026-0001", headers=auth(other)), 404)
    db_session.expire_all()
    assert db_session.scalar(select(SocialStatus)).ended_at is None  # type: ignore[union-attr]
