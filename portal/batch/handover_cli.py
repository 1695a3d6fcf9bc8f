"""Hand-over commands (issue 8, docs/handover.md):

- `flask --app wsgi run-handover [--as-of DATE]`: hand every approved, still eligible claim to
  the external collector; writes the CSV under <data_dir>/handover/ and the letters.
- `flask --app wsgi import-collector-report FILE.csv [--dry-run]`: the collector's status and
  amounts per claim; each row its own transaction; a bad row changes nothing.

Output names claims by internal id only: never a name or a national id.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from portal.batch.cli import parse_as_of
from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.services import handover as svc
from portal.services.collector_report import ReportFileError
from portal.services.collector_report import import_collector_report


def register_handover_commands(app: Flask) -> None:
    app.cli.add_command(run_handover_command)
    app.cli.add_command(import_report_command)


@click.command("run-handover")
@click.option("--as-of", "as_of", default=None, help="Hand-over day YYYY-MM-DD (default: today).")
@with_appcontext
def run_handover_command(as_of: str | None) -> None:
    """Hand the approved, eligible claims to the external collector (file + letters)."""
    rules: RulePack = current_app.config["RULE_PACK"]
    config: Config = current_app.config["SALDO"]
    session: Session = db.session()
    run = svc.run_handover(session, rules, as_of=parse_as_of(as_of, rules), staff_user_id=None)
    session.commit()
    if run.batch is None:
        click.echo(
            f"nothing to hand over (approved but no longer eligible: {run.no_longer_eligible})"
        )
        return
    delivered = svc.deliver_handover_letters(session, now=datetime.now(UTC))
    session.commit()
    click.echo(
        f"handed over: {run.handed_over}, recalls: {run.recalls}, "
        f"no longer eligible: {run.no_longer_eligible}, letters: {delivered['delivered']}"
    )
    click.echo(f"file: {svc.batch_file(config, run.batch)}")


@click.command("import-collector-report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row, change nothing.")
@with_appcontext
def import_report_command(file: Path, dry_run: bool) -> None:
    """Record the collector's status and collected amounts per claim (once per transaction)."""
    session: Session = db.session()
    try:
        results = import_collector_report(
            session, file.read_bytes(), dry_run=dry_run, staff_user_id=None, commit=session.commit
        )
    except ReportFileError as error:
        session.rollback()
        click.echo(f"Not imported: the file cannot be read ({error}).", err=True)
        raise click.exceptions.Exit(1) from None
    counts = {"imported": 0, "already_imported": 0, "error": 0}
    for row in results:
        counts[row.outcome] += 1
        if row.outcome == "error":
            click.echo(f"line {row.line}: claim {row.claim_id}: {row.error}", err=True)
    prefix = "dry run (nothing changed): " if dry_run else ""
    click.echo(
        f"{prefix}rows: {len(results)}, ok: {counts['imported']}, "
        f"already imported: {counts['already_imported']}, errors: {counts['error']}"
    )
    if counts["error"]:
        raise click.exceptions.Exit(1)
