"""Probes for the load balancer and the process supervisor (issue 10).

`/healthz` answers while the process can serve a request at all (no database: a database
outage must not make every app server restart). `/readyz` answers 200 only when the database
is reachable and its schema is at the migrations' head, so a server that starts before
`flask db upgrade` gets no traffic. Neither needs a login or a CSRF token, and neither says
anything about a person.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db

bp = Blueprint("health", __name__)


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migration scripts (read once per process)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def _migrations_directory() -> str:
    migrate = current_app.extensions["migrate"]
    return str(Path(migrate.directory).resolve())


@bp.get("/healthz")
def healthz() -> Response:
    response = Response("ok\n", mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    heads = migration_heads(_migrations_directory())
    try:
        with db.engine.connect() as connection:
            current = frozenset(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
    except SQLAlchemyError as error:
        current_app.logger.warning("readyz: database not ready (%s)", type(error).__name__)
        return _answer(503, database="unreachable or not migrated", heads=heads)
    if current != heads:
        return _answer(503, database="ok", heads=heads, current=current)
    return _answer(200, database="ok", heads=heads, current=current)


def _answer(
    status: int,
    *,
    database: str,
    heads: frozenset[str],
    current: frozenset[str] = frozenset(),
) -> tuple[Response, int]:
    response = jsonify(
        status="ready" if status == 200 else "not ready",
        database=database,
        migrations="at head" if current == heads else "behind",
        revision=sorted(current),
        head=sorted(heads),
    )
    response.headers["Cache-Control"] = "no-store"
    return response, status
