"""Benchmark the money steps of the daily batch (dunning + interest) against the floor.

    uv run python benchmarks/batch_bench.py --claims 100000 [--rules dk] [--db PATH]

1. Builds a scratch SQLite database with the real migrations, issues a few claims through
   `services.claims.issue_claim`, then bulk-loads the rest with SQLAlchemy core in the same
   shape (checked against the service-made sample: same columns set, same ledger entry, same
   cached balance), with due dates spread over 400 days and 5 % of the claims under a hold.
2. Times the money steps three times: the first run (most claims get a reminder, interest
   catches up), a second run the same day (nothing to do: the idempotent scan), and a run 10
   days later (the next reminders).
3. Times the floor of the same stack: one plain SELECT of the same columns over all claims,
   and one bulk INSERT of as many rows as the first run wrote (SQLAlchemy core, executemany).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import Column
from sqlalchemy import Date
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal import create_app  # noqa: E402
from portal.batch.runner import run_batch  # noqa: E402
from portal.batch.steps import BATCH_STEPS  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.domain.references import make_reference  # noqa: E402
from portal.domain.rules.base import RulePack  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Claim  # noqa: E402
from portal.models import ClaimType  # noqa: E402
from portal.models import CollectionHold  # noqa: E402
from portal.models import Debtor  # noqa: E402
from portal.models import LedgerEntry  # noqa: E402
from portal.services.audit import Actor  # noqa: E402
from portal.services.catalogue import sync_catalogue  # noqa: E402
from portal.services.claims import NewClaim  # noqa: E402
from portal.services.claims import issue_claim  # noqa: E402
from portal.services.ledger import claims_with_cache_mismatch  # noqa: E402

AS_OF = date(2026, 11, 23)
SAMPLE = 5
CLAIMS_PER_DEBTOR = 3


def _timed(label: str, action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"  {label:<44} {seconds:8.2f} s")
    return result, seconds


def load(session, rules: RulePack, n: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """SAMPLE claims through the service, the rest by bulk insert in the same shape."""
    sync_catalogue(session, rules)
    types = {t.code: t for t in session.scalars(select(ClaimType))}
    codes = [spec.code for spec in rules.claim_types]
    now = datetime.now(UTC)
    debtors = max(1, n // CLAIMS_PER_DEBTOR)
    session.execute(
        insert(Debtor),
        [{"kind": "person", "name": f"Bench {i}", "created_at": now} for i in range(debtors)],
    )
    first_debtor = session.scalar(select(func.min(Debtor.id)))
    sample = []
    for i in range(min(SAMPLE, n)):
        due = AS_OF - timedelta(days=30 + i)
        sample.append(
            issue_claim(
                session,
                rules,
                NewClaim(
                    debtor_id=first_debtor,
                    claim_type_code=codes[i % len(codes)],
                    amount=50_000,
                    issue_date=due - timedelta(days=30),
                    due_date=due,
                    description=f"Bench claim {i}",
                ),
                actor=Actor.system(),
            )
        )
    session.flush()
    next_id = (session.scalar(select(func.max(Claim.id))) or 0) + 1
    claims, entries, holds = [], [], []
    for offset in range(n - len(sample)):
        claim_id = next_id + offset
        spec = types[codes[rng.randrange(len(codes))]]
        due = AS_OF - timedelta(days=rng.randrange(0, 400))
        amount = rng.randrange(2_000, 500_000)
        claims.append(
            {
                "id": claim_id,
                "debtor_id": first_debtor + rng.randrange(debtors),
                "department_id": spec.department_id,
                "claim_type_id": spec.id,
                "reference": make_reference(rules.reference_scheme, claim_id),
                "description": f"Bench claim {claim_id}",
                "currency": rules.currency,
                "issue_date": due - timedelta(days=30),
                "due_date": due,
                "original_amount": amount,
                "principal_due": amount,
                "fee_due": 0,
                "interest_due": 0,
                "reminders_sent": 0,
                "created_at": now,
            }
        )
        entries.append(
            {
                "claim_id": claim_id,
                "component": "principal",
                "amount": amount,
                "currency": rules.currency,
                "effective_date": due - timedelta(days=30),
                "cause": "issued",
                "source": "system:issue",
                "recorded_at": now,
            }
        )
        if rng.random() < 0.05:
            holds.append(
                {
                    "claim_id": claim_id,
                    "reason": "dispute",
                    "starts_on": due,
                    "source": "bench",
                    "created_at": now,
                }
            )
    for start in range(0, len(claims), 20_000):
        session.execute(insert(Claim), claims[start : start + 20_000])
        session.execute(insert(LedgerEntry), entries[start : start + 20_000])
    if holds:
        session.execute(insert(CollectionHold), holds)
    session.commit()
    _check_sample(session, sample, next_id)


def _check_sample(session, sample: list[Claim], bulk_id: int) -> None:  # type: ignore[no-untyped-def]
    """The bulk rows look like service-made claims: the same columns filled, one issued
    principal entry equal to the cached balance, and no cache mismatch anywhere."""
    bulk = session.get(Claim, bulk_id)
    if bulk is None:
        return
    columns = [c.key for c in Claim.__table__.columns]
    for made in sample:
        filled_made = {c for c in columns if getattr(made, c) is not None}
        filled_bulk = {c for c in columns if getattr(bulk, c) is not None}
        assert filled_made == filled_bulk, filled_made ^ filled_bulk
    for claim in (sample[0], bulk):
        rows = session.execute(
            select(LedgerEntry.component, LedgerEntry.cause, LedgerEntry.amount).where(
                LedgerEntry.claim_id == claim.id
            )
        ).all()
        assert [(c, cause) for c, cause, _ in rows] == [("principal", "issued")]
        assert rows[0][2] == claim.principal_due == claim.original_amount
    assert claims_with_cache_mismatch(session) == []
    print(f"  sample of {len(sample)} service-made claims matches the bulk-loaded shape")


def floor(session, n: int, rows_written: int) -> float:  # type: ignore[no-untyped-def]
    """One SELECT over all claims + one bulk INSERT of `rows_written` rows (rolled back)."""
    balance = Claim.principal_due + Claim.fee_due + Claim.interest_due
    query = select(
        Claim.id, Claim.due_date, Claim.principal_due, balance, Claim.reminders_sent
    ).order_by(Claim.id)
    _, scan = _timed(f"floor: SELECT {n} claims", lambda: session.execute(query).all())
    scratch = Table(
        "bench_floor",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("claim_id", Integer),
        Column("sequence", Integer),
        Column("sent_on", Date),
    )
    scratch.create(session.connection())
    rows = [{"claim_id": i, "sequence": 1, "sent_on": AS_OF} for i in range(rows_written)]
    _, write = _timed(
        f"floor: bulk INSERT {rows_written} rows",
        lambda: session.execute(insert(scratch), rows) if rows else None,
    )
    session.rollback()
    return scan + write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--rules", choices=("dk", "nl", "be"), default="dk")
    parser.add_argument("--db", default="", help="SQLite file (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "batch-bench.sqlite"
    path.unlink(missing_ok=True)
    app = create_app(Config(database_url=f"sqlite:///{path}", rules=args.rules, demo=True))
    rules: RulePack = app.config["RULE_PACK"]
    money = [step for step in BATCH_STEPS if step.money]
    print(f"batch benchmark: {args.claims} claims, rule pack {rules.code}, {path}")
    with app.app_context():
        upgrade()
        session = db.session()
        _timed(
            "load (migrations done; bulk insert)",
            lambda: load(session, rules, args.claims, random.Random(args.seed)),  # noqa: S311 - test data
        )
        reports = []
        for label, day in (
            ("money steps, first run", AS_OF),
            ("money steps, same day again", AS_OF),
            ("money steps, 10 days later", AS_OF + timedelta(days=10)),
        ):
            report, _ = _timed(
                label, lambda day=day: run_batch(session, rules, as_of=day, steps=money)
            )
            reports.append(report)
            for step in report.steps:
                counts = ", ".join(f"{k}={v}" for k, v in step.counts.items())
                print(f"      {step.name}: {counts} ({step.seconds:.2f} s)")
        first = reports[0]
        written = sum(
            first.counts("dunning").get(k, 0) for k in ("reminders", "fees_charged")
        ) + first.counts("interest").get("accrued", 0)
        floor_seconds = floor(session, args.claims, written)
        print(
            f"first run {first.seconds:.2f} s vs floor {floor_seconds:.2f} s "
            f"(x{first.seconds / floor_seconds if floor_seconds else float('nan'):.1f}); "
            f"idle re-run {reports[1].seconds:.2f} s"
        )


if __name__ == "__main__":
    main()
