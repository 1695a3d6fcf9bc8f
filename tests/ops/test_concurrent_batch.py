"""Two servers' cron lines start `run-batch` at the same minute (issue 10): one run does the
work, the other sees the advisory lock, says so and exits 0; every fee and interest charge is
booked once — exactly as many ledger entries as one run alone makes on a copy of the data."""

from __future__ import annotations

import subprocess
import time
from datetime import date
from datetime import timedelta

import psycopg
import pytest

from tests.ops.servers import BIN
from tests.ops.servers import ROOT
from tests.ops.servers import app_env
from tests.ops.servers import copy_database
from tests.ops.servers import plain_url
from tests.ops.servers import seeded_database

pytestmark = pytest.mark.postgres_only

LOCKED = "another run is in progress"
CHARGES = """
    SELECT component, cause, count(*), coalesce(sum(amount), 0) FROM ledger_entry
    WHERE component IN ('fee', 'interest') GROUP BY component, cause ORDER BY 1, 2
"""


def _charges(url: str) -> list[tuple[str, str, int, int]]:
    with psycopg.connect(plain_url(url)) as connection:
        return [tuple(row) for row in connection.execute(CHARGES).fetchall()]  # type: ignore[misc]


def _start_batch(url: str, as_of: date) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN / "flask"), "--app", "wsgi", "run-batch", "--as-of", as_of.isoformat()],
        cwd=ROOT,
        env=app_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_batch_runs_at_once_book_each_charge_once(database_url: str) -> None:
    url, seeded = seeded_database(database_url, "saldo_ops_batch", debtors=20)
    as_of = seeded.today + timedelta(days=45)
    baseline_url = copy_database(url, "saldo_ops_batch_alone")

    started = time.monotonic()
    alone = _start_batch(baseline_url, as_of)
    out, err = alone.communicate(timeout=120)
    assert alone.returncode == 0, out[-3000:] + err[-1000:]
    single_run = time.monotonic() - started
    expected = _charges(baseline_url)
    assert sum(count for _, _, count, _ in expected) > 0, "the batch charged nothing to compare"

    runs = [_start_batch(url, as_of) for _ in range(2)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [out[-2000:] for out, _ in results]
    locked = [out for out, _ in results if LOCKED in out]
    assert len(locked) == 1, (single_run, [out[-500:] for out, _ in results])
    assert _charges(url) == expected
