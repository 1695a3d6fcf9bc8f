"""The OpenAPI document is true: every route is in it and every operation has a route.

The fuzzing against the document is schemathesis, in tests/api/test_api_schemathesis.py
(it replaced the hand-written Hypothesis fuzz test that used to live here).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.api.helpers import claim_body
from tests.api.schema_tools import resolve
from tests.api.schema_tools import validate

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


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
