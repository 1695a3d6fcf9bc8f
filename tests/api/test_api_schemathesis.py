"""Schemathesis against the served OpenAPI document, in-process (WSGI, no network).

The document is loaded from GET /api/v1/openapi.json of a Flask app on the test database
with the rate limit off, requests carry a fresh department token, and every operation is
fuzzed with a fixed seed and a bounded number of examples (CI budget: the whole run well
under a minute on 2 cores). Checks: no server error, declared status codes, the declared
content type, responses that match their schema, declared response headers.

It replaces the older hand-written Hypothesis fuzz test (tests/api/test_api_openapi.py keeps
only the route-vs-document checks).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
import schemathesis.engine
from flask import Flask
from schemathesis.engine import Status
from schemathesis.engine import events
from sqlalchemy.orm import Session

from tests.api.helpers import auth
from tests.api.helpers import claim_body
from tests.api.helpers import make_token
from tests.api.helpers import post_claim

SEED = 20261123
MAX_EXAMPLES = 15
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


@pytest.fixture
def fuzz_app(make_app: Any, db_session: Session) -> Flask:
    """The app with the rate limit off for this run (and the test's database session)."""
    app: Flask = make_app(api_rate_limit_per_minute=10**9)
    return app


def _config(token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": auth(token),
            "workers": 1,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            # Coverage: boundary and negative values of every field; one unexpected method is
            # enough to check the 405 answers (each method costs a request per operation).
            "phases": {
                "stateful": {"enabled": False},
                "coverage": {"unexpected-methods": ["PATCH"]},
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )


def _failures(event: Any) -> list[str]:
    if isinstance(event, events.NonFatalError | events.FatalError):
        return [f"error: {event!r}"]
    if not isinstance(event, events.ScenarioFinished) or event.status != Status.FAILURE:
        return []
    found = []
    for case_id, checks in event.recorder.checks.items():
        case = event.recorder.cases[case_id].value
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                failure = check.failure_info.failure
                found.append(
                    f"{event.recorder.label} [{check.name}] {failure.title}: {failure.message} "
                    f"| {case.method} {case.formatted_path} body={case.body!r} query={case.query!r}"
                )
    return found


def test_schemathesis_finds_no_server_error_and_only_declared_responses(
    fuzz_app: Flask, db_session: Session
) -> None:
    token = make_token(db_session, "children")
    # One claim of the department, so that path ids can hit a real claim.
    post_claim(fuzz_app.test_client(), token, claim_body())
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app, config=_config(token))
    operations = 0
    problems: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations += 1
        problems += _failures(event)
    assert operations >= 9
    assert problems == [], "\n".join(problems)
