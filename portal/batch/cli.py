"""`flask --app wsgi run-batch [--as-of YYYY-MM-DD] [--only STEP]`: the daily batch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask import current_app

from portal.batch.lock import batch_lock
from portal.batch.runner import BatchReport
from portal.batch.runner import StepReport
from portal.batch.runner import run_batch
from portal.batch.runner import select_steps
from portal.batch.steps import BATCH_STEPS
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.progress import Progress
from portal.progress import stderr_progress


def parse_as_of(value: str | None, rules: RulePack) -> date:
    """The batch day: YYYY-MM-DD, or today in the installation's time zone."""
    if value is None:
        return datetime.now(ZoneInfo(rules.timezone)).date()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-23",
            param_hint="'--as-of'",
        ) from None


def format_step(step: StepReport) -> str:
    if step.error is not None:
        return f"  {step.name}: FAILED ({step.error}), rolled back"
    done = ", ".join(f"{key}={value}" for key, value in step.counts.items()) or "nothing"
    return f"  {step.name}: {done} ({step.seconds:.2f} s)"


def format_report(report: BatchReport) -> list[str]:
    lines = [f"batch as of {report.as_of.isoformat()}"]
    lines += [format_step(step) for step in report.steps]
    lines.append(f"total: {report.seconds:.2f} s")
    return lines


def step_progress(progress: Progress) -> Callable[[str, StepReport | None], None]:
    """`on_step` for run_batch: the running step's name on the bar, a line per step done."""

    def on_step(name: str, report: StepReport | None) -> None:
        if report is None:
            progress.label = f"run-batch {name}"
            progress.update(progress.done)
            return
        position = f"{progress.done + 1}/{progress.total}"
        progress.note(f"run-batch step {position}: {format_step(report).strip()}")
        progress.advance()

    return on_step


@click.command("run-batch")
@click.option("--as-of", "as_of", default=None, help="Batch day YYYY-MM-DD (default: today).")
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice([step.name for step in BATCH_STEPS]),
    help="Run only this step (may be given more than once).",
)
def run_batch_command(as_of: str | None, only: tuple[str, ...]) -> None:
    """Catch up reminders, fees, interest, lists and letters due as of a day."""
    rules: RulePack = current_app.config["RULE_PACK"]
    day = parse_as_of(as_of, rules)
    with batch_lock(db.session(), "run-batch") as acquired:  # one run at a time (issue 10)
        if not acquired:
            click.echo("another run is in progress; this one did nothing")
            return
        steps = select_steps(only)
        progress = stderr_progress("run-batch", total=len(steps), periodic=False)
        with progress:
            report = run_batch(
                db.session(), rules, as_of=day, steps=steps, on_step=step_progress(progress)
            )
        progress.label = "run-batch"
        failed = sum(1 for step in report.steps if not step.ok)
        progress.finish(f"{len(report.steps)} steps, {failed} failed")
    for line in format_report(report):
        click.echo(line)
    if not report.ok:
        raise click.ClickException("a batch step failed; see the log. Run the batch again.")


def register_batch_commands(app: Flask) -> None:
    app.cli.add_command(run_batch_command)
