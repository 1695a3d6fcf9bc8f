"""Bank statement commands: `flask --app wsgi import-statement FILE` and `demo-statement`.

Output is for the person at the terminal (English, like the other commands); it never shows
a payer's name or IBAN.
"""

from __future__ import annotations

import sys
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.batch.lock import batch_lock
from portal.config import Config
from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtError
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Claim
from portal.payments.camt_parser import MAX_STREAM_BYTES
from portal.payments.camt_writer import write_camt
from portal.progress import stderr_progress
from portal.services.audit import Actor
from portal.services.bank_statements import ImportSummary
from portal.services.bank_statements import WrongAccount
from portal.services.bank_statements import import_statement

#: CamtError reasons as a sentence for the terminal
CAMT_MESSAGES = {
    "too_large": f"the file is larger than {MAX_STREAM_BYTES // (1024 * 1024)} MB",
    "not_xml": "the file is not complete, well-formed XML",
    "forbidden_xml": "the file contains a DTD or entities, which are refused for safety",
    "not_camt": "the file is not a camt.053 or camt.054 bank statement",
    "unknown_version": "this camt version is not supported (use .001.02 to .001.08)",
    "invalid_content": "the statement has an invalid field",
}


def register_bank_commands(app: Flask) -> None:
    app.cli.add_command(import_statement_command)
    app.cli.add_command(demo_statement_command)


def summary_lines(summary: ImportSummary) -> list[str]:
    lines = []
    if summary.already_imported:
        lines.append("This statement was already imported; nothing new was booked.")
    lines += [
        f"statements new: {summary.statements_new}, already imported: {summary.statements_already}",
        f"entries read: {summary.entries_read}",
        f"booked: {summary.booked}",
        f"duplicates skipped: {summary.duplicates}",
        f"unmatched (in the queue): {summary.unmatched}",
        f"Stripe payouts: {summary.payouts}",
        f"reversals: {summary.reversals}",
        f"not final (pending, skipped): {summary.not_final}",
        f"rejected: {summary.rejected}",
    ]
    lines += [f"  rejected because {reason}: {n}" for reason, n in summary.rejected_reasons.items()]
    return lines


@click.command("import-statement")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_statement_command(file: Path) -> None:
    """Import a camt.053 / camt.054 bank statement and book the payments it contains.

    The file is read as a stream (a bank's daily file of 100,000 transactions is ~95 MB) and
    booked in chunks, each committed; running it again after a crash finishes the rest."""
    if file.stat().st_size > MAX_STREAM_BYTES:
        click.echo(f"Not imported: {CAMT_MESSAGES['too_large']}.", err=True)
        raise click.exceptions.Exit(1)
    session: Session = db.session()
    rules: RulePack = current_app.config["RULE_PACK"]
    config: Config = current_app.config["SALDO"]
    try:
        with batch_lock(session, "import-statement") as acquired:  # one at a time (issue 10)
            if not acquired:
                click.echo("another run is in progress; this one did nothing")
                return
            with (
                stderr_progress("import-statement entries") as progress,
                file.open("rb") as data,
            ):
                summary = import_statement(
                    session,
                    rules,
                    config,
                    data,
                    actor=Actor.system(),
                    now=datetime.now(UTC),
                    checkpoint=session.commit,
                    progress=progress.update,
                    max_bytes=MAX_STREAM_BYTES,
                )
            session.commit()  # before the lock goes: the next run must see this one's work
            progress.finish(
                f"{summary.entries_read} read, {summary.booked} booked, "
                f"{summary.unmatched} unmatched"
            )
    except CamtError as exc:
        session.rollback()
        click.echo(f"Not imported: {CAMT_MESSAGES.get(exc.reason, exc.reason)}.", err=True)
        raise click.exceptions.Exit(1) from None
    except WrongAccount:
        session.rollback()
        click.echo(
            f"Not imported: this statement is for another account (ours: {config.payee_iban}).",
            err=True,
        )
        raise click.exceptions.Exit(1) from None
    session.commit()
    for line in summary_lines(summary):
        click.echo(line)


@click.command("demo-statement")
@click.option("--claims", "claim_count", default=3, show_default=True, help="Open claims to pay.")
@with_appcontext
def demo_statement_command(claim_count: int) -> None:
    """Print a camt.053 for the demo data: full payments of the first open claims, one credit
    without a reference (goes to the unmatched queue) and one Stripe payout."""
    config: Config = current_app.config["SALDO"]
    rules: RulePack = current_app.config["RULE_PACK"]
    session: Session = db.session()
    claims = session.scalars(
        select(Claim)
        .where(
            Claim.cancelled_on.is_(None),
            Claim.handed_over_on.is_(None),
            Claim.reference.is_not(None),
            (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
        )
        .order_by(Claim.id)
        .limit(claim_count)
    ).all()
    today = datetime.now(ZoneInfo(rules.timezone)).date()
    statement = demo_statement(config.payee_iban, rules.currency, list(claims), today)
    sys.stdout.buffer.write(
        write_camt(statement, message_id=f"DEMO-{today:%Y%m%d}", created=f"{today}T18:00:00")
    )


def demo_statement(iban: str, currency: str, claims: list[Claim], on: date) -> CamtStatement:
    entries = [
        CamtEntry(
            index=i,
            amount=claim.balance,
            currency=currency,
            credit=True,
            reversal=False,
            status="BOOK",
            booking_date=on,
            value_date=on,
            acct_svcr_ref=f"DEMO{on:%Y%m%d}{i:04d}",
            transactions=(
                CamtTransaction(
                    index=0,
                    amount=claim.balance,
                    currency=currency,
                    end_to_end_id=f"E2E-DEMO-{i}",
                    structured_refs=(claim.reference or "",),
                    debtor_name="Demo payer",
                ),
            ),
        )
        for i, claim in enumerate(claims)
    ]
    n = len(entries)
    entries.append(
        CamtEntry(
            index=n,
            amount=4200,
            currency=currency,
            credit=True,
            reversal=False,
            status="BOOK",
            booking_date=on,
            value_date=on,
            acct_svcr_ref=f"DEMO{on:%Y%m%d}{n:04d}",
            transactions=(
                CamtTransaction(
                    index=0,
                    amount=4200,
                    currency=currency,
                    unstructured="Betaling parkeervergunning, zie brief",
                    debtor_name="Unknown payer",
                ),
            ),
        )
    )
    entries.append(
        CamtEntry(
            index=n + 1,
            amount=15075,
            currency=currency,
            credit=True,
            reversal=False,
            status="BOOK",
            booking_date=on,
            value_date=on - timedelta(days=1),
            acct_svcr_ref=f"DEMO{on:%Y%m%d}{n + 1:04d}",
            additional_info="STRIPE PAYOUT po_demo",
        )
    )
    return CamtStatement(
        message_type="camt.053",
        version="001.02",
        statement_id=f"DEMO-{on:%Y%m%d}",
        sequence_number=int(f"{on:%Y%m%d}"),
        account_iban=iban,
        entries=tuple(entries),
    )
