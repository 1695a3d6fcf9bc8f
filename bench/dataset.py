"""A consistent city for the benchmarks, built fast and once per database.

    uv run python -m bench.dataset --url sqlite:////tmp/city.sqlite --scale small

1. The schema comes from the real migrations; a small core is made by the demo generator
   (`portal.demo.seed.seed_demo`, through the services: personas, plans, holds, reminders,
   payments), so every kind of row the app knows exists at least a few times.
2. The bulk is added with COPY (PostgreSQL) or executemany in big transactions (SQLite), never
   the ORM per row: debtors; claims over every department and claim type of the rule pack;
   for each claim one "issued" principal entry and one to three payments (each a Payment row
   and a negative principal entry), ~80 % of the claims paid in full; some dispute holds.
   The cached balances on the claims equal the sums of their ledger entries
   (`services.ledger.claims_with_cache_mismatch` stays empty), so the app's invariant holds.
3. A marker table `bench_dataset` records the scale: a second run on the same database reuses
   the city instead of building it again.

Scale `full` is 100,000 debtors / 1,000,000 claims / ~3,000,000 ledger entries; `small` is 1/100.
The first bulk debtor ("the 50-claim debtor") has exactly 50 open claims (the PDF benchmark).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Connection
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text

from portal import create_app
from portal.config import Config
from portal.demo.seed import seed_demo
from portal.domain.references import make_reference
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Claim
from portal.models import ClaimType
from portal.models import CollectionHold
from portal.models import Debtor
from portal.models import LedgerEntry
from portal.models import Payment

SCALES: dict[str, tuple[int, int]] = {
    # name: (debtors, claims)
    "full": (100_000, 1_000_000),
    "medium": (20_000, 200_000),
    "small": (1_000, 10_000),
    "tiny": (40, 200),
}
#: debtors made through the demo generator (services, ORM) before the bulk load
CORE_DEBTORS = {"full": 60, "medium": 60, "small": 30, "tiny": 8}
BIG_DEBTOR_CLAIMS = 50
#: rows per executemany / COPY batch
CHUNK = 50_000
SECRET = "bench-shared-secret-0123456789abcdef0123"  # noqa: S105 - benchmark-only
WINDOW_DAYS = 540
PAID_SHARE = 0.8
HOLD_SHARE = 0.02


@dataclass(frozen=True)
class DatasetInfo:
    scale: str
    debtors: int
    claims: int
    ledger_entries: int
    payments: int
    holds: int
    #: the first bulk debtor: exactly BIG_DEBTOR_CLAIMS open claims
    big_debtor_id: int
    built_on: date
    build_seconds: float
    reused: bool


def bench_config(url: str, **overrides: Any) -> Config:
    """The Config every benchmark process uses (same secret: sessions and ids match)."""
    values: dict[str, Any] = {
        "database_url": url,
        "rules": "nl",
        "demo": True,
        "secret_key": SECRET,
        "argon2_cheap": True,
        "session_cookie_secure": False,
    }
    values.update(overrides)
    return Config(**values)


def bench_env(url: str) -> dict[str, str]:
    """The same settings as environment variables, for gunicorn and `flask run-batch`."""
    return {
        "DATABASE_URL": url,
        "PORTAL_RULES": "nl",
        "SALDO_DEMO": "1",
        "SECRET_KEY": SECRET,
        "SALDO_ARGON2_CHEAP": "1",
        "SALDO_SESSION_COOKIE_SECURE": "0",
    }


def _marker(connection: Connection) -> DatasetInfo | None:
    if not inspect(connection).has_table("bench_dataset"):
        return None
    row = connection.execute(
        text(
            "SELECT scale, debtors, claims, ledger_entries, payments, holds, big_debtor_id, "
            "built_on, build_seconds FROM bench_dataset"
        )
    ).first()
    if row is None:
        return None
    built_on = row[7] if isinstance(row[7], date) else date.fromisoformat(str(row[7]))
    return DatasetInfo(
        scale=str(row[0]),
        debtors=int(row[1]),
        claims=int(row[2]),
        ledger_entries=int(row[3]),
        payments=int(row[4]),
        holds=int(row[5]),
        big_debtor_id=int(row[6]),
        built_on=built_on,
        build_seconds=float(row[8]),
        reused=True,
    )


def _claim_types(app: Flask) -> list[tuple[int, int, str]]:
    """(claim_type_id, department_id, code) of every type of the pack."""
    rows = db.session.execute(
        select(ClaimType.id, ClaimType.department_id, ClaimType.code).order_by(ClaimType.id)
    ).all()
    return [(int(a), int(b), str(c)) for a, b, c in rows]


def _next_id(model: Any) -> int:
    return int(db.session.scalar(select(func.max(model.id))) or 0) + 1


class _Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection: Connection, table: str, columns: tuple[str, ...]) -> None:
        self.connection, self.table, self.columns = connection, table, columns
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0
        self.postgres = connection.dialect.name == "postgresql"

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        raw = self.connection.connection.driver_connection
        cols = ", ".join(self.columns)
        if self.postgres:
            cursor = raw.cursor()  # type: ignore[union-attr]
            with cursor, cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in self.columns)
            raw.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {self.table} ({cols}) VALUES ({marks})",  # noqa: S608 - own names
                [tuple(_sqlite(v) for v in row) for row in self.rows],
            )
        self.count += len(self.rows)
        self.rows = []


def _sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` split into `parts` positive amounts."""
    if parts == 1:
        return [total]
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if total > parts else []
    if not cuts:
        return [total]
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def _claims_per_debtor(debtors: int, claims: int, rng: random.Random) -> Iterator[int]:
    """BIG_DEBTOR_CLAIMS for the first; the rest spread 1..~2x the mean, summing to `claims`."""
    left = claims - BIG_DEBTOR_CLAIMS
    yield BIG_DEBTOR_CLAIMS
    others = debtors - 1
    mean = left / others
    for i in range(others):
        remaining = others - i
        if remaining == 1:
            yield max(left, 1)
            return
        n = max(1, min(left - (remaining - 1), round(rng.uniform(0.2, 1.8) * mean)))
        left -= n
        yield n


def bulk_load(app: Flask, debtors: int, claims: int, *, seed: int = 11) -> dict[str, int]:
    """Add `debtors` debtors with `claims` claims (and their ledger) in bulk; commit."""
    rng = random.Random(seed)  # noqa: S311 - test data
    rules: RulePack = app.config["RULE_PACK"]
    types = _claim_types(app)
    today = _today(rules)
    now = datetime.now(UTC)
    debtor_id, claim_id = _next_id(Debtor), _next_id(Claim)
    payment_id, entry_id = _next_id(Payment), _next_id(LedgerEntry)
    hold_id = _next_id(CollectionHold)
    first_debtor = debtor_id
    connection = db.session.connection()
    w_debtor = _Writer(
        connection, "debtor", ("id", "kind", "name", "preferred_locale", "created_at")
    )
    w_claim = _Writer(
        connection,
        "claim",
        (
            "id", "debtor_id", "department_id", "claim_type_id", "reference", "description",
            "currency", "issue_date", "due_date", "original_amount", "principal_due", "fee_due",
            "interest_due", "reminders_sent", "created_at",
        ),
    )  # fmt: skip
    w_payment = _Writer(
        connection,
        "payment",
        (
            "id", "provider", "provider_reference", "amount", "currency", "method", "debtor_id",
            "earmarked_claim_id", "received_on", "state", "created_at",
        ),
    )  # fmt: skip
    w_entry = _Writer(
        connection,
        "ledger_entry",
        (
            "id", "claim_id", "component", "amount", "currency", "effective_date", "cause",
            "payment_id", "source", "recorded_at",
        ),
    )  # fmt: skip
    w_hold = _Writer(
        connection,
        "collection_hold",
        ("id", "claim_id", "reason", "starts_on", "source", "created_at"),
    )
    currency = rules.currency
    for index, count in enumerate(_claims_per_debtor(debtors, claims, rng)):
        w_debtor.add((debtor_id, "person", f"Bench debtor {index + 1}", None, now))
        for _ in range(count):
            type_id, department_id, code = types[rng.randrange(len(types))]
            amount = rng.randrange(2_000, 120_000)
            if debtor_id == first_debtor:
                issue = today - timedelta(days=rng.randrange(10, 200))
                paid_in_full = False
            else:
                issue = today - timedelta(days=int(rng.triangular(0, WINDOW_DAYS, 20)))
                paid_in_full = rng.random() < PAID_SHARE
            due = issue + timedelta(days=30)
            n_payments = rng.choice((1, 2, 3))
            if paid_in_full:
                parts = _split(amount, n_payments, rng)
            else:  # partly paid: the payments leave 20-90 % open
                paid = int(amount * rng.uniform(0.1, 0.8))
                parts = _split(paid, n_payments, rng) if paid >= n_payments else []
            balance = amount - sum(parts)
            w_claim.add(
                (
                    claim_id, debtor_id, department_id, type_id,
                    make_reference(rules.reference_scheme, claim_id),
                    f"Bench {code} {claim_id}", currency, issue, due, amount, balance, 0, 0, 0, now,
                )
            )  # fmt: skip
            w_entry.add(
                (entry_id, claim_id, "principal", amount, currency, issue, "issued", None,
                 "system:issue", now)
            )  # fmt: skip
            entry_id += 1
            for k, part in enumerate(parts):
                paid_on = min(today, due + timedelta(days=rng.randrange(-25, 60) + 7 * k))
                w_payment.add(
                    (payment_id, "bank", f"BENCH-{payment_id}", part, currency, "bank_transfer",
                     debtor_id, claim_id, paid_on, "allocated", now)
                )  # fmt: skip
                w_entry.add(
                    (entry_id, claim_id, "principal", -part, currency, paid_on, "payment",
                     payment_id, "bank", now)
                )  # fmt: skip
                payment_id += 1
                entry_id += 1
            if balance and rng.random() < HOLD_SHARE:
                w_hold.add((hold_id, claim_id, "dispute", due, "bench", now))
                hold_id += 1
            claim_id += 1
        debtor_id += 1
        if len(w_entry.rows) >= CHUNK:  # parents before children (foreign keys)
            for writer in (w_debtor, w_claim, w_payment, w_entry, w_hold):
                writer.flush()
    # parents before children
    for writer in (w_debtor, w_claim, w_payment, w_entry, w_hold):
        writer.flush()
    if connection.dialect.name == "postgresql":
        for table in ("debtor", "claim", "payment", "ledger_entry", "collection_hold"):
            sql = (
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - own
                f"(SELECT max(id) FROM {table}))"
            )
            connection.execute(text(sql))
        connection.execute(text("ANALYZE"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Settle the new city before it is measured: otherwise autovacuum visits every new page
        # of the big tables during the first benchmarks (seen: a statement import 2x slower).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as settle:
            settle.execute(text("VACUUM (ANALYZE)"))
    return {
        "debtors": w_debtor.count,
        "claims": w_claim.count,
        "payments": w_payment.count,
        "ledger_entries": w_entry.count,
        "holds": w_hold.count,
        "big_debtor_id": first_debtor,
    }


def _today(rules: RulePack) -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(rules.timezone)).date()


def _write_marker(info: DatasetInfo) -> None:
    connection = db.session.connection()
    connection.execute(
        text(
            "CREATE TABLE bench_dataset (scale VARCHAR(10), debtors INTEGER, claims INTEGER, "
            "ledger_entries INTEGER, payments INTEGER, holds INTEGER, big_debtor_id INTEGER, "
            "built_on DATE, build_seconds FLOAT)"
        )
    )
    connection.execute(
        text(
            "INSERT INTO bench_dataset VALUES (:scale, :debtors, :claims, :ledger_entries, "
            ":payments, :holds, :big_debtor_id, :built_on, :build_seconds)"
        ),
        {
            "scale": info.scale,
            "debtors": info.debtors,
            "claims": info.claims,
            "ledger_entries": info.ledger_entries,
            "payments": info.payments,
            "holds": info.holds,
            "big_debtor_id": info.big_debtor_id,
            "built_on": info.built_on,
            "build_seconds": info.build_seconds,
        },
    )
    db.session.commit()


def build_dataset(url: str, scale: str, *, log: Any = print) -> DatasetInfo:
    """The city of `scale` in the database at `url`: built now, or reused when its marker says
    it was built at this scale. An empty database is required for a new build."""
    debtors, claims = SCALES[scale]
    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        existing = _marker(db.session.connection())
        if existing is not None:
            if existing.scale != scale:
                raise SystemExit(
                    f"{url} holds a {existing.scale} city; use an empty database for {scale}"
                )
            log(f"dataset: reusing the {scale} city built on {existing.built_on}")
            db.session.remove()
            db.engine.dispose()
            return existing
        if _count(Debtor):
            raise SystemExit(
                f"{url} has data but no finished benchmark city (an earlier build failed?): "
                "start from an empty database (remove BENCH_DIR/<scale>)"
            )
        started = time.perf_counter()
        rules: RulePack = app.config["RULE_PACK"]
        today = _today(rules)
        core = CORE_DEBTORS[scale]
        seed_demo(db.session(), app.config["SALDO"], rules, debtors=core, today=today)
        db.session.commit()
        log(f"dataset: demo core of {core} debtors in {time.perf_counter() - started:.1f} s")
        counts = bulk_load(app, debtors - core, claims - _count(Claim))
        total = {
            "debtors": _count(Debtor),
            "claims": _count(Claim),
            "ledger_entries": _count(LedgerEntry),
            "payments": _count(Payment),
            "holds": _count(CollectionHold),
        }
        seconds = time.perf_counter() - started
        info = DatasetInfo(
            scale, **total, big_debtor_id=counts["big_debtor_id"], built_on=today,
            build_seconds=round(seconds, 1), reused=False,
        )  # fmt: skip
        _write_marker(info)
        log(
            f"dataset: {info.debtors} debtors, {info.claims} claims, {info.ledger_entries} "
            f"ledger entries, {info.payments} payments, {info.holds} holds in {seconds:.1f} s"
        )
        db.session.remove()
        db.engine.dispose()
        return info


def _count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description="Build (or reuse) the benchmark city.")
    parser.add_argument("--url", required=True, help="SQLAlchemy database URL")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    build_dataset(args.url, args.scale)


if __name__ == "__main__":
    main()
