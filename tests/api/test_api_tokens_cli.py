"""`flask api-token create|revoke|list`: the token is printed once and works at once."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.api.helpers import assert_problem
from tests.api.helpers import auth
from tests.support.factories import ensure_catalogue


def test_a_created_token_works_and_a_revoked_one_does_not(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    ensure_catalogue(db_session)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["api-token", "create", "--department", "children", "--name", "daycare billing"]
    )
    assert result.exit_code == 0, result.output
    first, _, token = result.output.strip().splitlines()
    token_id = first.split()[2]
    assert client.get("/api/v1/claim-types", headers=auth(token)).status_code == 200
    listing = runner.invoke(args=["api-token", "list"]).output
    assert "daycare billing" in listing
    assert token not in listing
    assert runner.invoke(args=["api-token", "revoke", token_id]).exit_code == 0
    assert_problem(client.get("/api/v1/claim-types", headers=auth(token)), 401)


def test_an_unknown_department_or_token_is_a_clear_error(app: Flask, db_session: Session) -> None:
    ensure_catalogue(db_session)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-token", "create", "--department", "nope", "--name", "x"])
    assert result.exit_code != 0
    assert "no department 'nope'" in result.output
    assert "children" in result.output
    assert runner.invoke(args=["api-token", "revoke", "999999"]).exit_code != 0
