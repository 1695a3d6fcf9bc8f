"""Security headers on every response, and requests that can never be valid refused early."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Response
from flask import abort
from flask import request

from portal.config import Config

# No inline scripts or styles: everything comes from our own origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


#: the largest id a database INTEGER column holds (PostgreSQL refuses larger ones)
MAX_ID = 2**31 - 1


def register_security(app: Flask, config: Config) -> None:
    @app.url_value_preprocessor
    def ids_in_range(endpoint: str | None, values: dict[str, Any] | None) -> None:
        # /claims/<int:claim_id> takes any length of digits: an id past MAX_ID is one that
        # cannot exist, so a 404, instead of a database error (a 500) on PostgreSQL.
        if values and any(isinstance(v, int) and v > MAX_ID for v in values.values()):
            abort(404)

    @app.before_request
    def refuse_nul_bytes() -> None:
        # No field needs a NUL character and PostgreSQL cannot store one in text: without this
        # a NUL in any form field or query string became a 500 at the first flush.
        # A body over the app's limit is left to the view: the import views raise the limit
        # for their files themselves, and reading the form here would refuse them with a 413.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        small = limit is None or (request.content_length or 0) <= limit
        for values in (request.args, request.form) if small else (request.args,):
            if any("\x00" in value for _name, value in values.items(multi=True)):
                abort(400)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Payment links carry a token in the path: never leak it to another site.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if not (config.demo or config.testing):
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
