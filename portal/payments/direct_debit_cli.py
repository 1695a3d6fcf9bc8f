"""Direct debit commands (issue 8):

- `flask --app wsgi import-direct-debit-status FILE`: a pain.002 from the bank; each rejected
  debit (TxSts RJCT) becomes "rejected" before settlement (never booked) and counts as a
  failure. Unknown EndToEndIds are listed and change nothing.
- `flask --app wsgi import-betalingsservice-agreements FILE` (DKK): the agreement status of
  each citizen from a CSV made from the Nets agreement report (services/betalingsservice.py).
- `flask --app wsgi demo-direct-debit-return END_TO_END_ID`: prints a camt.054 in which the
  payer's bank returns that debit (reason AM04), to try `import-statement` with (demo only).

Output is for the person at the terminal; it never shows a name or an IBAN.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.payments.camt_writer import write_camt
from portal.payments.pain002_parser import Pain002Error
from portal.payments.pain002_parser import parse_pain002
from portal.services.audit import Actor
from portal.services.betalingsservice import AgreementFileRefused
from portal.services.betalingsservice import import_agreements
from portal.services.betalingsservice import parse_agreement_file
from portal.services.direct_debit_returns import UnknownCollection
from portal.services.direct_debit_returns import find_collection
from portal.services.direct_debit_returns import reject_collection


def register_direct_debit_commands(app: Flask) -> None:
    app.cli.add_command(import_status_command)
    app.cli.add_command(demo_return_command)
    app.cli.add_command(import_agreements_command)


@click.command("import-betalingsservice-agreements")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_agreements_command(file: Path) -> None:
    """DKK: record the Betalingsservice agreement status of each citizen from a CSV
    (kundenummer;status;date). One bad line and nothing is imported."""
    session: Session = db.session()
    try:
        counts = import_agreements(
            session,
            parse_agreement_file(file.read_bytes()),
            source=file.name,
            actor=Actor.system(),
        )
    except AgreementFileRefused as refused:
        session.rollback()
        click.echo("Not imported, nothing was changed. Problems:", err=True)
        for line, code in refused.problems[:50]:
            click.echo(f"  line {line}: {code}", err=True)
        raise click.exceptions.Exit(1) from None
    session.commit()
    click.echo(
        f"agreements active: {counts['active']}, cancelled: {counts['cancelled']}, "
        f"unchanged: {counts['unchanged']}"
    )


@click.command("import-direct-debit-status")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_status_command(file: Path) -> None:
    """Record the debits a pain.002 status report rejects (before settlement: never booked)."""
    try:
        statuses = parse_pain002(file.read_bytes())
    except Pain002Error as error:
        click.echo(f"Not imported: the file is not a readable pain.002 ({error.reason}).", err=True)
        raise click.exceptions.Exit(1) from None
    session: Session = db.session()
    rules: RulePack = current_app.config["RULE_PACK"]
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(rules.timezone)).date()
    rejected, unknown = 0, []
    for status in statuses:
        if status.status != "RJCT":
            continue
        try:
            reject_collection(
                session,
                rules,
                status.end_to_end_id,
                reason=status.reason,
                on=today,
                actor=Actor.system(),
                now=now,
            )
        except UnknownCollection:
            unknown.append(status.end_to_end_id)
            continue
        rejected += 1
    session.commit()
    click.echo(f"transactions read: {len(statuses)}, rejects recorded: {rejected}")
    for end_to_end in unknown:
        click.echo(f"  unknown debit (nothing changed): {end_to_end}")


@click.command("demo-direct-debit-return")
@click.argument("end_to_end_id")
@with_appcontext
def demo_return_command(end_to_end_id: str) -> None:
    """Print a camt.054 that returns one debit (demo mode only)."""
    config: Config = current_app.config["SALDO"]
    if not config.demo:
        click.echo("This command is for demo mode only.", err=True)
        raise click.exceptions.Exit(1)
    collection = find_collection(db.session(), end_to_end_id)
    if collection is None:
        click.echo(f"No direct debit has the EndToEndId {end_to_end_id}.", err=True)
        raise click.exceptions.Exit(1)
    day = collection.collection_date + timedelta(days=3)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    entry = CamtEntry(
        index=0,
        amount=collection.amount,
        currency=collection.currency,
        credit=False,
        reversal=False,
        status="BOOK",
        booking_date=day,
        value_date=day,
        acct_svcr_ref=f"DEMO-RTN-{collection.id}-{stamp}",
        transactions=(
            CamtTransaction(
                index=0,
                amount=collection.amount,
                currency=collection.currency,
                end_to_end_id=collection.end_to_end_id,
                return_reason="AM04",
            ),
        ),
    )
    xml = write_camt(
        CamtStatement(
            message_type="camt.054",
            version="001.02",
            statement_id=f"DEMO-RTN-{stamp}"[:35],
            sequence_number=1,
            account_iban=config.payee_iban.replace(" ", ""),
            entries=(entry,),
        ),
        message_id=f"DEMO-RTN-{stamp}",
        created=f"{day.isoformat()}T08:00:00",
    )
    click.echo(xml.decode("utf-8"), nl=False)
