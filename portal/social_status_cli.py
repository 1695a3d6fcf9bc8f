"""Social status commands (issue 8): `social-status-right` and `import-social-status`.

`flask --app wsgi social-status-right --department social --legal-basis "Participatiewet
art. 64"` records that a department may flag social status (`--revoke` takes it back).
`flask --app wsgi import-social-status FILE.csv --department social [--dry-run]` stores the
flags of a CSV file (columns in portal/services/social_status_import.py). Output names rows by
line number and reference, never by a person's name or national id.
"""

from __future__ import annotations

import csv
from datetime import UTC
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Department
from portal.services import audit
from portal.services.audit import Actor
from portal.services.social_status import current_right
from portal.services.social_status import grant_right
from portal.services.social_status import revoke_right
from portal.services.social_status_import import CsvInvalid
from portal.services.social_status_import import import_rows
from portal.services.social_status_import import read_rows

MAX_CSV_BYTES = 50 * 1024 * 1024


def _department(code: str) -> Department:
    department = db.session().scalar(select(Department).where(Department.code == code))
    if department is None:
        raise click.ClickException(f"no department {code!r}")
    return department


@click.command("social-status-right")
@click.option("--department", "department_code", required=True, help="department code")
@click.option("--legal-basis", default=None, help='the legal basis, or "consent"')
@click.option("--revoke", is_flag=True, help="take the right back")
@with_appcontext
def social_status_right(department_code: str, legal_basis: str | None, revoke: bool) -> None:
    """Record (or revoke) a department's right to flag social status, with its legal basis."""
    department = _department(department_code)
    now = datetime.now(UTC)
    if revoke:
        revoke_right(db.session(), department, actor=Actor.system(), now=now)
        db.session.commit()
        click.echo(f"{department.code}: right revoked")
        return
    if not legal_basis:
        raise click.ClickException("give --legal-basis (the article or covenant, or consent)")
    try:
        grant_right(
            db.session(), department, legal_basis=legal_basis, actor=Actor.system(), now=now
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{department.code}: may flag social status ({legal_basis})")


@click.command("import-social-status")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--department", "department_code", required=True, help="department code")
@click.option("--dry-run", is_flag=True, help="check every row, store nothing")
@with_appcontext
def import_social_status(path: Path, department_code: str, dry_run: bool) -> None:
    """Store social status flags from a CSV file; each row on its own.

    Columns: reference, national_id, business_number, kind, valid_from, valid_until,
    legal_basis.
    """
    department = _department(department_code)
    if current_right(db.session(), department.id) is None:
        raise click.ClickException(
            f"department {department.code!r} has no right to flag social status; "
            "record it with social-status-right first"
        )
    if path.stat().st_size > MAX_CSV_BYTES:
        raise click.ClickException("the file is larger than 50 MB; split it")
    rules = current_app.config["RULE_PACK"]
    session = db.session()
    try:
        rows = read_rows(path.read_text(encoding="utf-8-sig"))
        counts: dict[str, int] = {}
        for outcome in import_rows(
            session,
            current_app.config["SALDO"],
            rules.country,
            department,
            rows,
            actor=Actor.system(),
            as_of=datetime.now(ZoneInfo(rules.timezone)).date(),
            now=datetime.now(UTC),
            dry_run=dry_run,
            via="cli",
        ):
            counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
            problems = "; ".join(f"{e.field}: {e.message}" for e in outcome.errors)
            suffix = f" - {problems}" if problems else ""
            click.echo(f"line {outcome.line} {outcome.reference or '-'}: {outcome.outcome}{suffix}")
    except (UnicodeDecodeError, csv.Error) as error:
        session.rollback()
        raise click.ClickException("the file is not UTF-8 CSV text") from error
    except CsvInvalid as error:
        session.rollback()
        raise click.ClickException(f"the header lacks: {error}") from error
    if dry_run:
        session.rollback()
    action = "social_status.checked" if dry_run else "social_status.imported"
    audit.record(
        session,
        Actor.system(),
        action,
        object_type="department",
        object_id=department.id,
        department=department.code,
        **counts,
    )
    session.commit()
    summary = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    click.echo(f"{'checked' if dry_run else 'imported'}: {summary or 'no rows'}")


def register_social_status_commands(app: Flask) -> None:
    app.cli.add_command(social_status_right)
    app.cli.add_command(import_social_status)
