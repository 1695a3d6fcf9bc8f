"""scripts/backup-restore-check.sh: dump, restore into a fresh database, compare balances."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.ops.servers import ROOT
from tests.ops.servers import plain_url
from tests.ops.servers import seeded_database

pytestmark = pytest.mark.postgres_only
SCRIPT = str(ROOT / "scripts" / "backup-restore-check.sh")


def _databases(url: str) -> set[str]:
    admin = plain_url(url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin) as connection:
        return {row[0] for row in connection.execute("SELECT datname FROM pg_database")}


def test_a_dump_restores_into_a_fresh_database_with_the_same_balances(
    database_url: str, tmp_path: Path
) -> None:
    url, seeded = seeded_database(database_url, "saldo_ops_backup")
    dump = tmp_path / "saldo.dump"
    result = subprocess.run(
        ["bash", SCRIPT, url, str(dump)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"OK: restore matches: {seeded.claims} claims" in result.stdout
    assert dump.stat().st_size > 0
    assert not any("restore_check" in name for name in _databases(url))  # scratch dropped


def test_the_check_fails_when_the_database_cannot_be_dumped(
    database_url: str, tmp_path: Path
) -> None:
    missing = database_url.rsplit("/", 1)[0] + "/no_such_database"
    result = subprocess.run(
        ["bash", SCRIPT, missing, str(tmp_path / "x.dump")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "OK" not in result.stdout
