"""What every API request goes through: body limit, bearer token, rate limit, JSON errors."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException

from portal.api.problems import PROBLEM_MIMETYPE
from portal.api.problems import ApiProblem
from portal.api.problems import problem_response
from portal.api.problems import render_problem
from portal.config import Config
from portal.extensions import db
from portal.models import ApiToken
from portal.models import Department
from portal.services import throttle
from portal.services.api_tokens import authenticate

MAX_BODY = 64 * 1024
API_PREFIX = "/api/"
#: endpoints anyone may read (the OpenAPI document describes the API, it holds no data)
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
RATE_WINDOW = timedelta(minutes=1)


def current_token() -> ApiToken:
    token: ApiToken = g.api_token
    return token


def current_department() -> Department:
    department: Department = g.api_token.department
    return department


def json_body(*, required: bool = True) -> Any:
    """The parsed JSON body; problems for a wrong media type or malformed JSON."""
    raw = request.get_data(cache=True)
    if not raw and not required:
        return None
    if request.mimetype != "application/json":
        raise ApiProblem("unsupported-media-type", "Send the body as application/json.")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise ApiProblem("malformed-json", "The body could not be parsed as JSON.") from error


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate_request() -> None:
    request.max_content_length = MAX_BODY
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiProblem("too-large", "Send at most 64 KB per request.")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    challenge = {"WWW-Authenticate": 'Bearer realm="saldo-api"'}
    value = _bearer()
    token = authenticate(db.session(), value) if value else None
    if token is None:
        raise ApiProblem(
            "unauthorized",
            "Send a valid token as 'Authorization: Bearer <token>'.",
            headers=challenge,
        )
    config: Config = current_app.config["SALDO"]
    now = datetime.now(UTC)
    allowed = throttle.hit(
        db.session(),
        f"api:token:{token.id}",
        limit=config.api_rate_limit_per_minute,
        window=RATE_WINDOW,
        now=now,
    )
    token.last_used_at = now
    db.session().commit()  # the count and last use stand whatever the request does next
    if not allowed:
        raise ApiProblem(
            "rate-limited",
            f"At most {config.api_rate_limit_per_minute} requests per minute per token.",
            headers={"Retry-After": str(int(RATE_WINDOW.total_seconds()))},
        )
    g.api_token = token


def _http_problem(error: HTTPException) -> Response:
    code = error.code or 500
    if code == 413:
        return render_problem(ApiProblem("too-large", "Send at most 64 KB per request."))
    response = problem_response(code, detail=error.description)
    if code == 405 and isinstance(error.valid_methods, list | tuple | set):  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))  # type: ignore[attr-defined]
    return response


def install(bp: Blueprint) -> None:
    bp.before_request(authenticate_request)

    @bp.errorhandler(ApiProblem)
    def api_problem(problem: ApiProblem) -> Response:
        db.session().rollback()
        return render_problem(problem)

    @bp.errorhandler(HTTPException)
    def http_problem(error: HTTPException) -> Response:
        db.session().rollback()
        return _http_problem(error)

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        current_app.logger.exception("unhandled API error on %s", request.endpoint)
        db.session().rollback()
        return problem_response(500, detail="Something went wrong on our side; nothing changed.")

    @bp.after_app_request
    def json_errors_everywhere(response: Response) -> Response:
        """Errors the blueprint never saw (no such route, wrong method) as problems too."""
        if not request.path.startswith(API_PREFIX):
            return response
        response.headers["Cache-Control"] = "no-store"
        if response.status_code < 400 or response.mimetype == PROBLEM_MIMETYPE:
            return response
        converted = problem_response(response.status_code)
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in response.headers:
                converted.headers[name] = response.headers[name]
        converted.headers["Cache-Control"] = "no-store"
        return converted
