"""Demo and catalogue commands: `flask --app wsgi seed-demo | totp-code USER | sync-catalogue`.

Output is for the person at the terminal installing or trying Saldo, in English. It never
shows a national id; the demo staff passwords and second-factor URIs are printed on purpose
(demo mode only), so a newcomer can log in as staff.
"""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.demo.seed import AlreadySeeded
from portal.demo.seed import SeedSummary
from portal.demo.seed import seed_demo
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import StaffUser
from portal.progress import stderr_progress
from portal.services.catalogue import sync_catalogue
from portal.services.staff_accounts import current_totp_code
from portal.services.staff_accounts import normalise_username

DEMO_URL = "http://127.0.0.1:5000"


def register_demo_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(totp_code_command)
    app.cli.add_command(sync_catalogue_command)


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _session() -> Session:
    session: Session = db.session()
    return session


def _require_demo(command: str) -> None:
    if not _config().demo:
        click.echo(f"{command} only runs in demo mode (SALDO_DEMO=1)", err=True)
        raise click.exceptions.Exit(1)


@click.command("seed-demo")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed.")
@click.option(
    "--debtors",
    type=click.IntRange(min=0),
    default=300,
    show_default=True,
    help="Number of debtors, the 8 named demo citizens included (they are always made).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the data is built around (default: today in the rule pack's time zone).",
)
@with_appcontext
def seed_demo_command(seed: int, debtors: int, today: datetime | None) -> None:
    """Fill an empty database with realistic demo data (demo mode only)."""
    _require_demo("seed-demo")
    rules = _rules()
    day = today.date() if today else datetime.now(ZoneInfo(rules.timezone)).date()
    session = _session()
    started = time.perf_counter()
    progress = stderr_progress("seed-demo debtors", total=debtors)
    try:
        with progress:
            summary = seed_demo(
                session,
                _config(),
                rules,
                seed=seed,
                debtors=debtors,
                today=day,
                progress=progress.update,
            )
    except AlreadySeeded:
        session.rollback()
        click.echo("Demo data already present; nothing changed.")
        return
    session.commit()
    progress.update(summary.debtors, total=summary.debtors)
    progress.finish(f"{summary.claims} claims, {summary.payments} payments")
    _print_summary(summary, time.perf_counter() - started)


def _print_summary(summary: SeedSummary, seconds: float) -> None:
    echo = click.echo
    echo(
        f"Demo data for rule pack {summary.rules} (seed {summary.seed}, "
        f"today {summary.today.isoformat()}), made in {seconds:.1f} s:"
    )
    echo(f"  {summary.debtors} debtors ({summary.businesses} businesses)")
    echo(f"  {summary.claims} claims, {summary.payments} payments")
    echo(f"  {summary.ledger_entries} ledger entries")
    echo("")
    echo(f"Staff accounts (demo only). Log in at {DEMO_URL}/staff/login")
    width = max(len(c.username) for c in summary.staff)
    role_width = max(len(c.role) for c in summary.staff)
    echo(f"  {'username':<{width}}  {'role':<{role_width}}  password")
    for c in summary.staff:
        echo(f"  {c.username:<{width}}  {c.role:<{role_width}}  {c.password}")
    echo("Second factor: add a URI below to an authenticator app, or print the current code")
    echo("with `flask --app wsgi totp-code USERNAME`.")
    for c in summary.staff:
        echo(f"  {c.username}: {c.otpauth_uri}")
    echo("")
    echo(f"Demo citizens: open {DEMO_URL}/login/demo and pick a situation")
    echo("  (" + ", ".join(situation for situation, _ in summary.personas) + ")")
    if summary.representative is not None:
        name, people = summary.representative
        echo(f"  or the representative {name}, who acts for {people} of them (issue 9)")
    echo("")
    letter = summary.letter_code
    echo(f"Letter login: open {DEMO_URL}/login/code and enter")
    echo(f"  payment reference: {letter.reference}")
    echo(f"  login code:        {letter.code}")
    echo(f"  (a letter to the demo citizen '{letter.situation}'; the code works once)")


@click.command("totp-code")
@click.argument("username")
@with_appcontext
def totp_code_command(username: str) -> None:
    """Print a staff user's current second-factor code (demo mode only)."""
    _require_demo("totp-code")
    user = _session().scalar(
        select(StaffUser).where(func.lower(StaffUser.username) == normalise_username(username))
    )
    if user is None:
        click.echo(f"No staff user named {username!r}.", err=True)
        raise click.exceptions.Exit(1)
    click.echo(current_totp_code(user, datetime.now(UTC)))


@click.command("sync-catalogue")
@with_appcontext
def sync_catalogue_command() -> None:
    """Create or update the departments and claim types of the configured rule pack."""
    rules = _rules()
    session = _session()
    counts = sync_catalogue(session, rules)
    session.commit()
    click.echo(
        f"Rule pack {rules.code}: {counts['departments']} departments and "
        f"{counts['claim_types']} claim types are up to date."
    )
