"""JSON request and job logs with a request id; ProxyFix only for a configured proxy count."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask import request
from flask.testing import FlaskClient

from portal import create_app
from portal.structured_log import JsonFormatter
from portal.web.request_log import accepted_request_id
from tests.support.config import make_test_config


def _request_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.saldo for r in caplog.records if r.name == "portal.request"]  # type: ignore[attr-defined]


def test_each_request_logs_the_url_rule_status_and_a_request_id(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="portal.request")
    response = client.get("/p/some-secret-token-value")
    (entry,) = _request_records(caplog)
    assert entry["path"] == "/p/<token>"
    assert entry["method"] == "GET"
    assert entry["status"] == response.status_code
    assert entry["duration_ms"] >= 0
    assert entry["request_id"] == response.headers["X-Request-ID"]
    line = JsonFormatter().format(caplog.records[-1])
    assert "some-secret-token-value" not in line
    assert json.loads(line)["path"] == "/p/<token>"


def test_an_unknown_path_is_logged_without_the_raw_path(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="portal.request")
    client.get("/no/such/page/with-a-secret")
    (entry,) = _request_records(caplog)
    assert entry["path"] == "<no route>"
    assert entry["status"] == 404


def test_a_well_formed_request_id_from_the_proxy_is_kept(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a9c81e0b7"})
    assert response.headers["X-Request-ID"] == "nginx-4f2a9c81e0b7"


@pytest.mark.parametrize(
    "incoming",
    [
        "short",
        "has spaces in it",
        "x" * 200,
        "<script>alert(1)</script>",
        "111222333",
        "NL91ABNA0417164300",
    ],
)
def test_a_malformed_or_personal_request_id_is_replaced(client: FlaskClient, incoming: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] != incoming
    assert accepted_request_id(response.headers["X-Request-ID"])


def test_the_instance_header_is_sent_only_when_configured(make_app: Any) -> None:
    assert "X-Saldo-Instance" not in make_app().test_client().get("/healthz").headers
    named = make_app(instance_id="app-2").test_client().get("/healthz")
    assert named.headers["X-Saldo-Instance"] == "app-2"


def _probe_app(tmp_path: Path, proxy_count: int) -> Flask:
    app = create_app(
        make_test_config(f"sqlite:///{tmp_path / 'p.sqlite'}", proxy_count=proxy_count)
    )
    app.add_url_rule("/_probe", "probe", lambda: f"{request.remote_addr} {request.scheme}")
    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_without_a_configured_proxy(tmp_path: Path) -> None:
    text = _probe_app(tmp_path, 0).test_client().get("/_probe", headers=FORWARDED).text
    assert text == "127.0.0.1 http"


def test_forwarded_headers_are_trusted_from_the_configured_proxy(tmp_path: Path) -> None:
    text = _probe_app(tmp_path, 1).test_client().get("/_probe", headers=FORWARDED).text
    assert text == "203.0.113.7 https"


def test_a_cli_command_logs_a_json_job_start_and_end(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="portal.job")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["run-batch", "--as-of", "not-a-date"])
    assert result.exit_code == 2
    start, end = (r for r in caplog.records if r.name == "portal.job")
    assert start.saldo["event"] == "start"  # type: ignore[attr-defined]
    assert end.saldo["job"] == "run-batch"  # type: ignore[attr-defined]
    assert end.saldo["status"] == "failed"  # type: ignore[attr-defined]
    assert end.saldo["exit_code"] == 2  # type: ignore[attr-defined]
    assert end.saldo["job_id"] == start.saldo["job_id"]  # type: ignore[attr-defined]
    assert json.loads(JsonFormatter().format(end))["duration_ms"] >= 0


def test_the_json_formatter_masks_an_id_that_slipped_into_a_message() -> None:
    record = logging.LogRecord("portal", logging.INFO, __file__, 1, "bsn %s", ("111222333",), None)
    assert "111222333" not in JsonFormatter().format(record)
