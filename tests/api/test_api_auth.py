"""Bearer tokens, rate limiting and problem details for every kind of error."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import ApiToken
from portal.services.api_tokens import revoke_token
from portal.services.api_tokens import token_hash
from portal.services.audit import Actor
from tests.api.helpers import NOW
from tests.api.helpers import assert_problem
from tests.api.helpers import auth
from tests.api.helpers import claim_body
from tests.api.helpers import make_token
from tests.api.helpers import post_claim


def test_a_request_without_a_token_gets_a_401_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/claim-types")
    problem = assert_problem(response, 401)
    assert problem["type"] == "urn:saldo:problem:unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_gets_a_401_problem(client: FlaskClient) -> None:
    assert_problem(client.get("/api/v1/claim-types", headers=auth("nope")), 401)
    assert_problem(client.get("/api/v1/claim-types", headers={"Authorization": "Basic x"}), 401)


def test_a_revoked_token_gets_a_401_problem(client: FlaskClient, db_session: Session) -> None:
    token = make_token(db_session)
    assert client.get("/api/v1/claim-types", headers=auth(token)).status_code == 200
    row = db_session.query(ApiToken).filter_by(token_hash=token_hash(token)).one()
    revoke_token(db_session, row.id, actor=Actor.system(), now=NOW)
    db_session.commit()
    assert_problem(client.get("/api/v1/claim-types", headers=auth(token)), 401)


def test_the_token_is_stored_only_as_its_hash(db_session: Session) -> None:
    token = make_token(db_session)
    row = db_session.query(ApiToken).filter_by(token_hash=token_hash(token)).one()
    assert token not in (row.token_hash, row.name)
    assert len(token) >= 43


def test_the_rate_limit_gives_a_429_problem_with_retry_after(
    make_app: object, db_session: Session
) -> None:
    limited: Flask = make_app(api_rate_limit_per_minute=2)  # type: ignore[operator]
    token = make_token(db_session)
    client = limited.test_client()
    for _ in range(2):
        assert client.get("/api/v1/claim-types", headers=auth(token)).status_code == 200
    response = client.get("/api/v1/claim-types", headers=auth(token))
    assert_problem(response, 429)
    assert response.headers["Retry-After"] == "60"


def test_a_body_over_64_kb_gets_a_413_problem(client: FlaskClient, db_session: Session) -> None:
    token = make_token(db_session)
    body = claim_body(description="x" * (70 * 1024))
    assert_problem(post_claim(client, token, body), 413)


def test_unknown_paths_and_methods_get_problems_not_html(
    client: FlaskClient, db_session: Session
) -> None:
    token = make_token(db_session)
    assert_problem(client.get("/api/v1/nothing-here", headers=auth(token)), 404)
    assert_problem(client.get("/api/v1/claims/abc", headers=auth(token)), 404)
    response = client.delete("/api/v1/claims/1", headers=auth(token))
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_a_form_post_is_refused_as_unsupported_media_type(
    client: FlaskClient, db_session: Session
) -> None:
    token = make_token(db_session)
    response = client.post("/api/v1/claims", data={"amount": "1"}, headers=auth(token))
    assert_problem(response, 415)


def test_malformed_json_gets_a_400_problem(client: FlaskClient, db_session: Session) -> None:
    token = make_token(db_session)
    response = client.post(
        "/api/v1/claims",
        data='{"amount": ',
        content_type="application/json",
        headers=auth(token),
    )
    assert_problem(response, 400)


def test_deeply_nested_json_is_a_400_problem_not_a_crash(
    client: FlaskClient, db_session: Session
) -> None:
    token = make_token(db_session)
    response = client.post(
        "/api/v1/claims",
        data="[" * 30_000 + "]" * 30_000,
        content_type="application/json",
        headers=auth(token),
    )
    assert_problem(response, 400)


def test_the_rate_limit_counts_each_token_on_its_own(make_app: object, db_session: Session) -> None:
    limited: Flask = make_app(api_rate_limit_per_minute=1)  # type: ignore[operator]
    first, second = make_token(db_session), make_token(db_session, name="other")
    client = limited.test_client()
    assert client.get("/api/v1/claim-types", headers=auth(first)).status_code == 200
    assert_problem(client.get("/api/v1/claim-types", headers=auth(first)), 429)
    assert client.get("/api/v1/claim-types", headers=auth(second)).status_code == 200


def test_the_openapi_document_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"] == "3.1.0"
