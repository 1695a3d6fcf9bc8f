"""RFC 9457 problem details: every API error is `application/problem+json`, never HTML.

`type` is a URN per kind of problem (stable, documented in the OpenAPI document); plain HTTP
errors use "about:blank" with the status phrase as title, as RFC 9457 §4.2.1 says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from collections.abc import Sequence
from http import HTTPStatus

from flask import Response

from portal.services.claim_checks import FieldError

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_PREFIX = "urn:saldo:problem:"

#: slug -> (status, title): the problems the API itself raises
PROBLEMS: dict[str, tuple[int, str]] = {
    "unauthorized": (401, "Missing, unknown or revoked API token"),
    "validation": (422, "The request has invalid fields"),
    "malformed-json": (400, "The body is not valid JSON"),
    "unsupported-media-type": (415, "The body must be application/json"),
    "too-large": (413, "The body is larger than 64 KB"),
    "rate-limited": (429, "Too many requests for this token"),
    "external-id-conflict": (409, "This external id was used for a different claim"),
    "claim-closed": (409, "The claim is cancelled"),
    "claim-handed-over": (409, "The claim is with the external collector"),
    "claim-on-hold": (409, "Collection on the claim is paused"),
    "claim-settled": (409, "Nothing is owed on the claim"),
    "fee-id-conflict": (409, "This fee id was used for a different fee"),
    "not-found": (404, "Not found"),
    "debtor-not-found": (404, "No debtor with this identifier"),
    "no-social-status-right": (403, "Your department may not flag social status"),
    "reference-conflict": (409, "This reference was used for a different flag"),
}


class ApiProblem(Exception):
    """Raised anywhere in the API; rendered by the blueprint's error handler."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.slug = slug
        self.status, self.title = PROBLEMS[slug]
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})


def problem_response(
    status: int,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    detail: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, object] = {
        "type": type_,
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
    }
    if errors:
        body["errors"] = [{"field": e.field, "code": e.code, "message": e.message} for e in errors]
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def render_problem(problem: ApiProblem) -> Response:
    return problem_response(
        problem.status,
        type_=TYPE_PREFIX + problem.slug,
        title=problem.title,
        detail=problem.detail,
        errors=problem.errors,
        headers=problem.headers,
    )


def validation_problem(errors: Sequence[FieldError]) -> ApiProblem:
    return ApiProblem("validation", "One or more fields are invalid; see errors.", errors=errors)
