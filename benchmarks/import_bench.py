"""Import rate of the department claims CSV import, against the floor of the same stack.

    uv run python benchmarks/import_bench.py --rows 100000                 # SQLite only
    uv run python benchmarks/import_bench.py --rows 100000 --db postgres   # + a throwaway PG 15
    uv run python benchmarks/import_bench.py --rows 100000 --db postgresql+psycopg://u@h/db
    uv run python benchmarks/import_bench.py --rows 2000 --profile         # where the time goes

For each database: a scratch database built by the real migrations, the NL catalogue, a
generated valid CSV (30 % as many distinct debtors as rows, valid BSNs), then

1. import   - `flask import-claims FILE --department children --quiet`, the very command
              (each row its own savepoint, committed per chunk of 500 rows; the same
              checks and services as POST /claims);
2. per-row  - floor of "one transaction per claim": a claim row, its ledger entry and one
              audit event inserted with SQLAlchemy core, committed per claim;
3. bulk     - floor of the stack: the same number of claim rows in one executemany insert.

SQLite file databases run with journal_mode=WAL + synchronous=NORMAL (portal/sqlite.py), for
the import and both floors. Numbers are claims per second. `--profile` runs the import under
cProfile and prints the functions with the most cumulative time. A given URL's database must
be empty: the script creates its tables (it never drops anything it did not create).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import pstats
import random
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy import select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.api.cli import import_claims_command  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.demo.identifiers import make_bsn  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import AuditEvent  # noqa: E402
from portal.models import Claim  # noqa: E402
from portal.models import ClaimType  # noqa: E402
from portal.models import Debtor  # noqa: E402
from portal.models import LedgerEntry  # noqa: E402
from portal.services.catalogue import sync_catalogue  # noqa: E402

DEPARTMENT = "children"
CLAIM_TYPE = "childcare_contribution"
HEADER = (
    "external_id",
    "claim_type",
    "amount",
    "currency",
    "issue_date",
    "due_date",
    "description",
    "national_id",
    "business_number",
    "name",
)


@dataclass
class Result:
    database: str
    rows: int
    import_seconds: float
    import_summary: str
    per_row_seconds: float
    per_row_rows: int
    bulk_seconds: float

    def line(self) -> str:
        return (
            f"{self.database:<10} {self.rows:>8} rows | import "
            f"{self.rows / self.import_seconds:>7.0f}"
            f" claims/s ({self.import_seconds:.1f} s) | per-row floor "
            f"{self.per_row_rows / self.per_row_seconds:>7.0f} claims/s | bulk floor "
            f"{self.rows / self.bulk_seconds:>8.0f} claims/s ({self.bulk_seconds:.2f} s)"
        )


def generate_csv(path: Path, rows: int, *, seed: int = 7) -> None:
    """A valid claims CSV: distinct external ids, 30 % as many debtors as rows."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    debtors: list[str] = []
    seen: set[str] = set()
    while len(debtors) < max(1, rows * 3 // 10):
        bsn = make_bsn(rng)
        if bsn not in seen:
            seen.add(bsn)
            debtors.append(bsn)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            index = number % len(debtors)
            writer.writerow(
                (
                    f"BENCH-{number:07d}",
                    CLAIM_TYPE,
                    rng.randint(1_000, 100_000),
                    "EUR",
                    "2026-11-01",
                    "2026-12-01",
                    f"Childcare contribution {number}",
                    debtors[index],
                    "",
                    f"Debtor {index}",
                )
            )


def _sqlite_wal(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_bench_app(database_url: str, *, sqlite_wal: bool = False) -> Flask:
    config = Config(
        testing=False,
        demo=True,
        database_url=database_url,
        argon2_cheap=True,
        rules="nl",
        session_cookie_secure=False,
    )
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        sync_catalogue(db.session(), app.config["RULE_PACK"])
        db.session.commit()
        if sqlite_wal and database_url.startswith("sqlite"):
            # The portal's own setting now (portal/sqlite.py); applying it again is harmless.
            event.listen(db.engine, "connect", _sqlite_wal)
            db.session.remove()
            db.engine.dispose()
    return app


def run_import(app: Flask, csv_path: Path, *, profile: bool) -> tuple[float, str]:
    runner = app.test_cli_runner()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with profiler or nullcontext():
        result = runner.invoke(
            import_claims_command,
            [str(csv_path), "--department", DEPARTMENT, "--quiet"],
            catch_exceptions=False,
        )
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"import failed ({result.exit_code}):\n{result.output[-2000:]}")
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(45)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(25)
        print(out.getvalue())
    return elapsed, result.output.strip().splitlines()[-1]


def _ids(app: Flask) -> tuple[int, int, int, list[int]]:
    with app.app_context():
        session = db.session()
        claim_type = session.scalar(select(ClaimType).where(ClaimType.code == CLAIM_TYPE))
        assert claim_type is not None
        debtors = list(session.scalars(select(Debtor.id).order_by(Debtor.id)))
        max_claim = session.scalar(select(Claim.id).order_by(Claim.id.desc()).limit(1)) or 0
        return claim_type.department_id, claim_type.id, max_claim, debtors


def _claim_row(number: int, prefix: str, ids: tuple[int, int, int, list[int]]) -> dict[str, Any]:
    department_id, type_id, _, debtors = ids
    return {
        "debtor_id": debtors[number % len(debtors)],
        "department_id": department_id,
        "claim_type_id": type_id,
        "external_id": f"{prefix}-{number:07d}",
        "description": f"Floor claim {number}",
        "currency": "EUR",
        "issue_date": date(2026, 11, 1),
        "due_date": date(2026, 12, 1),
        "original_amount": 45_000,
        "principal_due": 45_000,
        "fee_due": 0,
        "interest_due": 0,
        "reminders_sent": 0,
        "created_at": datetime.now(UTC),
    }


def per_row_floor(app: Flask, rows: int) -> float:
    """Claim + ledger entry + audit event per row, one commit per row (SQLAlchemy core)."""
    ids = _ids(app)
    with app.app_context():
        engine = db.engine
        started = time.perf_counter()
        for number in range(rows):
            with engine.begin() as connection:
                claim_id = connection.execute(
                    insert(Claim).returning(Claim.id),
                    _claim_row(number, "ROW", ids),
                ).scalar_one()
                connection.execute(
                    insert(LedgerEntry),
                    {
                        "claim_id": claim_id,
                        "component": "principal",
                        "amount": 45_000,
                        "currency": "EUR",
                        "effective_date": date(2026, 11, 1),
                        "cause": "issued",
                        "recorded_at": datetime.now(UTC),
                    },
                )
                connection.execute(
                    insert(AuditEvent),
                    {
                        "actor_kind": "system",
                        "action": "claim.issued",
                        "object_type": "claim",
                        "object_id": claim_id,
                        "details": {},
                        "created_at": datetime.now(UTC),
                    },
                )
        return time.perf_counter() - started


def bulk_floor(app: Flask, rows: int) -> float:
    """All claim rows in one executemany insert, one transaction."""
    ids = _ids(app)
    batch = [_claim_row(number, "BULK", ids) for number in range(rows)]
    with app.app_context():
        started = time.perf_counter()
        with db.engine.begin() as connection:
            connection.execute(insert(Claim), batch)
        return time.perf_counter() - started


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[tuple[str, str]]:
    """(label, SQLAlchemy URL) of a scratch database."""
    if kind == "sqlite":
        yield "SQLite", f"sqlite:///{workdir / 'bench.sqlite'}"
    elif kind == "postgres":
        from tests.support.postgres import running_postgres

        with running_postgres("saldo_bench") as url:
            yield "PostgreSQL", url
    else:
        yield "PostgreSQL", kind


def bench(
    kind: str, rows: int, per_row_rows: int, csv_path: Path, *, profile: bool, sqlite_wal: bool
) -> Result:
    with (
        tempfile.TemporaryDirectory(prefix="saldo-bench-") as tmp,
        database(kind, Path(tmp)) as (
            label,
            url,
        ),
    ):
        app = make_bench_app(url, sqlite_wal=sqlite_wal)
        if sqlite_wal and label == "SQLite":
            label = "SQLite-WAL"
        print(f"{label}: importing {rows} rows ...", flush=True)
        import_seconds, summary = run_import(app, csv_path, profile=profile)
        print(f"{label}: {summary}", flush=True)
        per_row_seconds = per_row_floor(app, per_row_rows)
        bulk_seconds = bulk_floor(app, rows)
        with app.app_context():
            db.engine.dispose()
        return Result(
            label, rows, import_seconds, summary, per_row_seconds, per_row_rows, bulk_seconds
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--db",
        default=None,
        help="also PostgreSQL: 'postgres' starts a throwaway cluster, or give an empty "
        "database's SQLAlchemy URL (postgresql+psycopg://...)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument(
        "--per-row",
        type=int,
        default=None,
        help="rows for the per-row floor (default: min(rows, 2000))",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    parser.add_argument(
        "--sqlite-wal",
        action="store_true",
        help="no-op kept for old command lines: the portal now sets journal_mode=WAL and "
        "synchronous=NORMAL on every SQLite file database",
    )
    args = parser.parse_args(argv)
    # A stopped run still stops its throwaway PostgreSQL and removes its scratch files.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    per_row_rows = args.per_row or min(args.rows, 2_000)
    results = []
    with tempfile.TemporaryDirectory(prefix="saldo-bench-csv-") as tmp:
        csv_path = Path(tmp) / "claims.csv"
        generate_csv(csv_path, args.rows)
        kinds = ([] if args.no_sqlite else ["sqlite"]) + ([args.db] if args.db else [])
        for kind in kinds:
            results.append(
                bench(
                    kind,
                    args.rows,
                    per_row_rows,
                    csv_path,
                    profile=args.profile,
                    sqlite_wal=args.sqlite_wal,
                )
            )
    print()
    for result in results:
        print(result.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
