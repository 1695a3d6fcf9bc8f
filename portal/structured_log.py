"""Structured logs: one JSON object per line, for requests and for CLI jobs (issue 10).

Every line goes through `portal.log_privacy.mask` as a whole (message, fields and any
traceback), so a national id or IBAN that slips into a message is masked in the output too.
Structured fields travel in `extra={"saldo": {...}}` and hold internal ids only.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

import click
from flask import Flask
from flask.logging import default_handler

from portal.log_privacy import PrivacyFilter
from portal.log_privacy import mask

#: attribute set on a click command whose invoke is already wrapped (commands are shared
#: module-level objects, and every create_app registers them again)
_WRAPPED = "_saldo_job_logged"

job_log = logging.getLogger("portal.job")
#: libraries that narrate every step at INFO (each PDF: seven lines); warnings still show
QUIET_LOGGERS = ("weasyprint.progress", "fontTools", "alembic.runtime.plugins")


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", ...saldo fields, "exc"}` on one line, masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "saldo", None)
        if isinstance(fields, dict):
            entry.update({key: value for key, value in fields.items() if key not in entry})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return mask(json.dumps(entry, default=str, ensure_ascii=False))


def json_handler(stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PrivacyFilter())
    return handler


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr at INFO, unless a server (gunicorn's logconfig) or a test
    already configured the root logger."""
    root = logging.getLogger()
    if app.testing:
        return
    # app.logger is the "portal" logger: Flask's plain-text handler on it would print every
    # portal.* line a second time, unmasked by the formatter.
    app.logger.removeHandler(default_handler)
    if not root.handlers:
        root.addHandler(json_handler())
        root.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # request and job lines stay on even where a command (alembic's `db`) sets the root to WARN
    for logger in (job_log, logging.getLogger("portal.request")):
        logger.setLevel(logging.INFO)


def new_id() -> str:
    """A random id for a request or a job (URL-safe; never a long run of digits)."""
    return secrets.token_urlsafe(12)


def install_job_logging(app: Flask) -> None:
    """Log the start and end of every `flask --app wsgi <command>` as JSON job lines.

    Only the command's name is logged, never its arguments (a file name or a search term
    may hold personal data).
    """
    for name, command in app.cli.commands.items():
        _wrap(command, name)


def _wrap(command: click.Command, job: str) -> None:
    if isinstance(command, click.Group):  # e.g. `db upgrade`: each subcommand is a job
        for name, sub in command.commands.items():
            _wrap(sub, f"{job} {name}")
    elif not getattr(command, _WRAPPED, False):
        command.invoke = _logged(job, command.invoke)  # type: ignore[method-assign]
        setattr(command, _WRAPPED, True)


def _logged(job: str, invoke: Callable[[click.Context], Any]) -> Any:
    def run(ctx: click.Context) -> Any:
        fields: dict[str, Any] = {"job": job, "job_id": new_id()}
        job_log.info("job started", extra={"saldo": {**fields, "event": "start"}})
        started = time.perf_counter()
        exit_code = 0
        try:
            return invoke(ctx)
        except click.exceptions.Exit as done:
            exit_code = done.exit_code
            raise
        except click.ClickException as error:
            exit_code = error.exit_code
            raise
        except SystemExit as done:
            exit_code = done.code if isinstance(done.code, int) else 1
            raise
        except BaseException:
            exit_code = 1
            raise
        finally:
            fields.update(
                event="end",
                status="ok" if exit_code == 0 else "failed",
                exit_code=exit_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            level = logging.INFO if exit_code == 0 else logging.ERROR
            job_log.log(level, "job finished", extra={"saldo": fields})

    return run
