"""The OpenAPI document is true: every route is in it, and fuzzing finds no server error.

Schemathesis is not installed in this project, so the fuzzing is a Hypothesis test that
builds requests from the document's own schemas (valid-looking and arbitrary JSON bodies,
path and query values), in-process, derandomized, at most 40 examples per operation.
Every response must be declared for its operation and match the declared schema.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.api.helpers import auth
from tests.api.helpers import claim_body
from tests.api.helpers import make_token
from tests.api.helpers import post_claim
from tests.api.schema_tools import ANY_JSON
from tests.api.schema_tools import from_schema
from tests.api.schema_tools import resolve
from tests.api.schema_tools import validate

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
QUERY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


def _spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return dict(response.get_json())


def _operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_api_route_is_in_the_openapi_document_and_back(
    app: Flask, client: FlaskClient
) -> None:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
        routes |= {(path, method) for method in (rule.methods or set()) - IGNORED_METHODS}
    assert routes
    assert routes == _operations(_spec(client))


def test_the_openapi_document_is_3_1_and_every_reference_resolves(client: FlaskClient) -> None:
    spec = _spec(client)
    assert spec["openapi"].startswith("3.1")
    text = repr(spec)
    for ref in set(re.findall(r"'\$ref': '([^']+)'", text)):
        assert resolve(spec, {"$ref": ref})
    for path, method in _operations(spec):
        operation = spec["paths"][path][method.lower()]
        assert operation["responses"], (path, method)
        for status, response in operation["responses"].items():
            assert response["description"], (path, method, status)


def test_the_example_body_conforms_to_the_claim_input_schema(client: FlaskClient) -> None:
    spec = _spec(client)
    assert validate(spec, {"$ref": "#/components/schemas/ClaimInput"}, claim_body()) == []


def _check(spec: dict[str, Any], path: str, method: str, response: Any) -> None:
    status = str(response.status_code)
    assert response.status_code < 500, response.get_data(as_text=True)
    declared = spec["paths"][path][method.lower()]["responses"]
    assert status in declared, f"{method} {path} answered undeclared {status}"
    content = declared[status].get("content", {})
    assert response.mimetype in content, f"{method} {path} {status}: {response.mimetype}"
    schema = content[response.mimetype]["schema"]
    problems = validate(spec, schema, response.get_json())
    assert problems == [], problems


def _request(
    spec: dict[str, Any], path: str, method: str, claim_ids: list[int]
) -> st.SearchStrategy[dict[str, Any]]:
    operation = spec["paths"][path][method.lower()]
    parts: dict[str, st.SearchStrategy[Any]] = {}
    if "{claim_id}" in path:
        parts["claim_id"] = st.sampled_from(claim_ids) | st.integers(0, 2**64)
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            typed = from_schema(spec, parameter["schema"]).map(str)
            query[parameter["name"]] = typed | QUERY_TEXT
    parts["query"] = st.fixed_dictionaries({}, optional=query)
    body = operation.get("requestBody")
    if body:
        schema = body["content"]["application/json"]["schema"]
        parts["body"] = from_schema(spec, schema) | ANY_JSON
    if (path, method) == ("/claims", "POST"):
        valid = st.builds(
            lambda external_id, amount: claim_body(external_id=external_id, amount=amount),
            st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True),
            st.integers(1, 10**12),
        )
        parts["body"] = valid | parts["body"]
    return st.fixed_dictionaries(parts)


@pytest.fixture
def fuzz_client(make_app: Any, db_session: Session) -> FlaskClient:
    fuzz_app: Flask = make_app(api_rate_limit_per_minute=10**9)
    return fuzz_app.test_client()


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/openapi.json", "GET"),
        ("/claim-types", "GET"),
        ("/claims", "POST"),
        ("/claims", "GET"),
        ("/claims/{claim_id}", "GET"),
        ("/claims/{claim_id}/cancel", "POST"),
        ("/claims/{claim_id}/credit", "POST"),
        ("/payments", "GET"),
    ],
)
def test_fuzzing_an_operation_finds_no_server_error_and_only_declared_responses(
    fuzz_client: FlaskClient, db_session: Session, path: str, method: str
) -> None:
    spec = _spec(fuzz_client)
    assert (path, method) in _operations(spec)
    token = make_token(db_session)
    claim_ids = [int(post_claim(fuzz_client, token, claim_body()).get_json()["id"])]

    @settings(
        max_examples=40,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(_request(spec, path, method, claim_ids))
    def run(case: dict[str, Any]) -> None:
        url = PREFIX + path.replace("{claim_id}", str(case.get("claim_id", "")))
        kwargs: dict[str, Any] = {"headers": auth(token), "query_string": case["query"]}
        if "body" in case:
            kwargs["json"] = case["body"]
        response = fuzz_client.open(url, method=method, **kwargs)
        _check(spec, path, method, response)

    run()
