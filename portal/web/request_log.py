"""One JSON log line per request, with a request id (issue 10).

The path is the URL *rule* (`/p/<token>`), never the raw path, so ids and payment-link
tokens stay out of the log. A well-formed X-Request-ID from the proxy is kept so a request
can be followed from nginx to the app; otherwise one is made. It is sent back in the
response, with X-Saldo-Instance when SALDO_INSTANCE_ID is set.
"""

from __future__ import annotations

import logging
import re
import time

from flask import Flask
from flask import Response
from flask import g
from flask import request

from portal.config import Config
from portal.log_privacy import mask
from portal.structured_log import new_id

REQUEST_ID_HEADER = "X-Request-ID"
INSTANCE_HEADER = "X-Saldo-Instance"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_log = logging.getLogger("portal.request")


def accepted_request_id(value: str | None) -> str | None:
    """The incoming id when it is well formed and could not carry an id number or IBAN."""
    if not value or not _WELL_FORMED.fullmatch(value) or mask(value) != value:
        return None
    return value


def install_request_log(app: Flask, config: Config) -> None:
    @app.before_request
    def start_request() -> None:
        g.request_started = time.perf_counter()
        g.request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_id()

    @app.after_request
    def log_request(response: Response) -> Response:
        request_id = g.get("request_id") or new_id()
        response.headers[REQUEST_ID_HEADER] = request_id
        if config.instance_id:
            response.headers[INSTANCE_HEADER] = config.instance_id
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        fields = {
            "request_id": request_id,
            "method": request.method,
            "path": request.url_rule.rule if request.url_rule is not None else "<no route>",
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round(duration, 1),
        }
        if config.instance_id:
            fields["instance"] = config.instance_id
        request_log.info("request", extra={"saldo": fields})
        return response
