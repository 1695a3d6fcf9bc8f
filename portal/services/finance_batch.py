"""Batch step: write yesterday's journal and bank reconciliation to the finance folder.

Files are named by day (journal-2026-11-22.csv, reconciliation-2026-11-22.csv). A rerun
writes the same bytes and leaves an identical file alone; a file whose content changed (a
bank statement for that day imported late) is replaced atomically, never duplicated.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.services.finance_exports import gl_accounts
from portal.services.finance_exports import journal_csv
from portal.services.finance_exports import journal_lines
from portal.services.reconciliation import reconcile_day
from portal.services.reconciliation import reconciliation_csv
from portal.services.reports import Period


def write_finance_exports(session: Session, rules: RulePack, *, as_of: date) -> dict[str, int]:
    """Write the journal and reconciliation of the day before `as_of`; counts what changed."""
    config: Config = current_app.config["SALDO"]
    return write_day_files(
        session,
        rules,
        day=as_of - timedelta(days=1),
        folder=config.effective_finance_dir,
        accounts=gl_accounts(config.gl_accounts),
    )


def write_day_files(
    session: Session,
    rules: RulePack,
    *,
    day: date,
    folder: Path,
    accounts: dict[str, str],
) -> dict[str, int]:
    zone = ZoneInfo(rules.timezone)
    lines = list(journal_lines(session, Period(day, day), zone=zone, accounts=accounts))
    journal = b"".join(journal_csv(iter(lines)))
    report = reconcile_day(session, day, currency=rules.currency)
    counts = {"written": 0, "unchanged": 0, "movements": len(lines)}
    counts["bank_credits"] = len(report.lines)
    counts["differences"] = len(report.differences)
    for name, body in (
        (f"journal-{day.isoformat()}.csv", journal),
        (f"reconciliation-{day.isoformat()}.csv", reconciliation_csv(report)),
    ):
        counts["written" if _write_if_changed(folder / name, body) else "unchanged"] += 1
    return counts


def _write_if_changed(path: Path, body: bytes) -> bool:
    if path.exists() and path.read_bytes() == body:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".csv")
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    os.chmod(temporary, 0o640)  # mkstemp makes 0600; the finance group reads the folder
    os.replace(temporary, path)
    return True
