"""API commands: `api-token create|revoke|list` and `import-claims FILE.csv --department X`.

Output is for the person at the terminal (English, like the other commands). The import
report names rows by line number and external id, never by a person's name or national id.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Department
from portal.progress import stderr_progress
from portal.services.api_tokens import UnknownDepartment
from portal.services.api_tokens import UnknownToken
from portal.services.api_tokens import create_token
from portal.services.api_tokens import list_tokens
from portal.services.api_tokens import revoke_token
from portal.services.audit import Actor
from portal.services.claim_import import CsvInvalid
from portal.services.claim_import import RowOutcome
from portal.services.claim_import import import_rows
from portal.services.claim_import import read_rows

MAX_CSV_BYTES = 200 * 1024 * 1024


@click.group("api-token")
def api_token() -> None:
    """Create, list and revoke department API tokens."""


@api_token.command("create")
@click.option("--department", "department_code", required=True, help="department code")
@click.option("--name", required=True, help="who uses it, e.g. 'daycare billing'")
@with_appcontext
def create_command(department_code: str, name: str) -> None:
    """Make a token; it is printed once and stored only as a hash."""
    try:
        row, token = create_token(
            db.session(), department_code, name, actor=Actor.system(), now=datetime.now(UTC)
        )
    except UnknownDepartment:
        codes = ", ".join(db.session().scalars(select(Department.code).order_by(Department.code)))
        raise click.ClickException(
            f"no department {department_code!r} (known: {codes or 'none'})"
        ) from None
    db.session().commit()
    click.echo(f"token id {row.id} for department {department_code} ({row.name})")
    click.echo("Store this token now; it is not shown again:")
    click.echo(token)


@api_token.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_command(token_id: int) -> None:
    """Revoke a token by its id; requests with it get 401 from now on."""
    try:
        revoke_token(db.session(), token_id, actor=Actor.system(), now=datetime.now(UTC))
    except UnknownToken:
        raise click.ClickException(f"no token with id {token_id}") from None
    db.session().commit()
    click.echo(f"token {token_id} revoked")


@api_token.command("list")
@with_appcontext
def list_command() -> None:
    """Tokens with their department and state (never the token itself)."""
    for row in list_tokens(db.session()):
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        used = f"last used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
        click.echo(f"{row.id}\t{row.department.code}\t{row.name}\t{state}\t{used}")


def _describe(outcome: RowOutcome) -> str:
    head = f"line {outcome.line} [{outcome.external_id or '-'}]: {outcome.outcome}"
    if outcome.claim_id is not None:
        head += f" (claim {outcome.claim_id})"
    reasons = "; ".join(f"{e.field}: {e.message} ({e.code})" for e in outcome.errors)
    return f"{head} - {reasons}" if reasons else head


@click.command("import-claims")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--department", "department_code", required=True, help="department code")
@click.option("--dry-run", is_flag=True, help="check every row, store nothing")
@click.option("--quiet", is_flag=True, help="print only rejected rows and the summary")
@with_appcontext
def import_claims_command(path: Path, department_code: str, dry_run: bool, quiet: bool) -> None:
    """Import claims from a CSV file; each row is its own transaction.

    Columns: external_id, claim_type, amount (minor units), currency, issue_date, due_date,
    description, national_id, business_number, name.
    """
    department = db.session().scalar(select(Department).where(Department.code == department_code))
    if department is None:
        raise click.ClickException(f"no department {department_code!r}")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise click.ClickException("the file is larger than 200 MB; split it")
    try:
        text = path.read_text(encoding="utf-8-sig")
        rows = list(read_rows(text))
        counts: dict[str, int] = {}
        started = time.perf_counter()
        progress = stderr_progress("import-claims rows", total=len(rows))
        for outcome in import_rows(
            db.session(),
            current_app.config["SALDO"],
            current_app.config["RULE_PACK"],
            department,
            rows,
            actor=Actor.system(),
            dry_run=dry_run,
        ):
            if not dry_run:
                db.session().commit()
            counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
            progress.advance()
            if not quiet or outcome.outcome == "rejected":
                click.echo(_describe(outcome))
        elapsed = time.perf_counter() - started
    except UnicodeDecodeError:
        raise click.ClickException("the file is not UTF-8 text") from None
    except CsvInvalid as error:
        raise click.ClickException(str(error)) from None
    finally:
        db.session().rollback()
    total = sum(counts.values())
    order = ("created", "would_create", "unchanged", "rejected")
    summary = ", ".join(f"{counts[kind]} {kind}" for kind in order if kind in counts) or "no rows"
    progress.finish(summary)
    rate = total / elapsed if elapsed > 0 else 0.0
    prefix = "dry run, nothing stored: " if dry_run else ""
    click.echo(f"{prefix}{total} rows: {summary} ({rate:.0f} rows/s)")
    if counts.get("rejected"):
        sys.exit(1)


def register_api_commands(app: Flask) -> None:
    app.cli.add_command(api_token)
    app.cli.add_command(import_claims_command)
