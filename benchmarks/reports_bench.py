"""Benchmark the report page (/staff/reports) against the floor of the same stack.

    uv run python benchmarks/reports_bench.py --claims 100000 [--db PATH]
    uv run python benchmarks/reports_bench.py --demo            # the demo data (seed-demo)

1. Builds a scratch SQLite database with the real migrations. With --demo it runs the demo
   seed; otherwise it issues a few claims and a payment through the services, then bulk-loads
   the rest with SQLAlchemy core in the same shape (checked against the service-made sample:
   same claim columns filled, cached balances equal to the ledger sums): ledger entries for
   issue, payments, reminder fees, interest and write-offs, payments, plans in every state,
   decided remission applications, signals and avoided costs.
2. Times the report service (`build_reports`, this year to date, and each report on its own)
   and the whole page through the Flask test client (a supervisor's session), best of 3.
3. Times the floor in the same run: one plain SELECT COUNT(*) over the claims (and, for
   scale, one bare SUM over the ledger, the biggest table the reports read).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal import create_app  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.demo.seed import seed_demo  # noqa: E402
from portal.domain.references import make_reference  # noqa: E402
from portal.domain.rules.base import RulePack  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Claim  # noqa: E402
from portal.models import ClaimType  # noqa: E402
from portal.models import Debtor  # noqa: E402
from portal.models import LedgerEntry  # noqa: E402
from portal.models import Payment  # noqa: E402
from portal.models import Plan  # noqa: E402
from portal.models import RemissionApplication  # noqa: E402
from portal.models import RemissionClaim  # noqa: E402
from portal.models import Signal  # noqa: E402
from portal.models import StaffUser  # noqa: E402
from portal.models import SuppressedCharge  # noqa: E402
from portal.services import reports as svc  # noqa: E402
from portal.services.audit import Actor  # noqa: E402
from portal.services.booking import IncomingPayment  # noqa: E402
from portal.services.booking import book_payment  # noqa: E402
from portal.services.catalogue import sync_catalogue  # noqa: E402
from portal.services.claims import NewClaim  # noqa: E402
from portal.services.claims import issue_claim  # noqa: E402
from portal.services.ledger import claims_with_cache_mismatch  # noqa: E402

AS_OF = date(2026, 11, 23)
SAMPLE = 5
CLAIMS_PER_DEBTOR = 3
CHUNK = 20_000
RUNS = 3


def _timed(label: str, action: Callable[[], Any], runs: int = 1) -> tuple[Any, float]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:<52} {best * 1000:9.1f} ms")
    return result, best


def _bulk(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start : start + CHUNK])


def _sample(session: Any, rules: RulePack, debtor_id: int) -> list[Claim]:
    codes = [spec.code for spec in rules.claim_types]
    made = []
    for i in range(SAMPLE):
        due = AS_OF - timedelta(days=40 + i)
        made.append(
            issue_claim(
                session,
                rules,
                NewClaim(
                    debtor_id=debtor_id,
                    claim_type_code=codes[i % len(codes)],
                    amount=50_000,
                    issue_date=due - timedelta(days=30),
                    due_date=due,
                    description=f"Bench claim {i}",
                ),
                actor=Actor.system(),
            )
        )
    book_payment(
        session,
        rules,
        IncomingPayment(
            provider="bench",
            provider_reference="bench-sample",
            amount=20_000,
            currency=rules.currency,
            method="bank_transfer",
            debtor_id=debtor_id,
            received_on=AS_OF - timedelta(days=5),
            earmarked_claim_id=made[0].id,
        ),
        actor=Actor.system(),
    )
    session.flush()
    return made


def load(session: Any, rules: RulePack, n: int, rng: random.Random) -> None:
    """SAMPLE claims through the services, the rest by bulk insert in the same shape."""
    sync_catalogue(session, rules)
    types = list(session.scalars(select(ClaimType)))
    now = datetime.now(UTC)
    cur = rules.currency
    debtors = max(1, n // CLAIMS_PER_DEBTOR)
    _bulk(
        session,
        Debtor,
        [{"kind": "person", "name": f"Bench {i}", "created_at": now} for i in range(debtors)],
    )
    first_debtor = session.scalar(select(func.min(Debtor.id)))
    sample = _sample(session, rules, first_debtor)
    next_claim = (session.scalar(select(func.max(Claim.id))) or 0) + 1
    next_payment = (session.scalar(select(func.max(Payment.id))) or 0) + 1
    claims: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    avoided: list[dict[str, Any]] = []

    def entry(claim_id: int, component: str, amount: int, cause: str, on: date, **kw: Any) -> None:
        entries.append(
            {
                "claim_id": claim_id,
                "component": component,
                "amount": amount,
                "currency": cur,
                "effective_date": on,
                "cause": cause,
                "source": "bench",
                "recorded_at": now,
                **kw,
            }
        )

    for offset in range(max(n - SAMPLE, 0)):
        claim_id = next_claim + offset
        spec = types[rng.randrange(len(types))]
        due = AS_OF - timedelta(days=rng.randrange(-30, 800))
        issued = due - timedelta(days=30)
        amount = rng.randrange(2_000, 500_000)
        debtor_id = first_debtor + rng.randrange(debtors)
        principal, fee, interest = amount, 0, 0
        entry(claim_id, "principal", amount, "issued", issued)
        if due + timedelta(days=14) <= AS_OF and rng.random() < 0.3:
            fee = 1_500
            entry(claim_id, "fee", fee, "reminder_fee", due + timedelta(days=14))
        elif due + timedelta(days=14) <= AS_OF and rng.random() < 0.05:
            avoided.append(
                {
                    "claim_id": claim_id,
                    "amount": 1_500,
                    "currency": cur,
                    "reason": "plan",
                    "action_key": "reminder:1",
                    "on_date": due + timedelta(days=14),
                    "created_at": now,
                }
            )
        if due + timedelta(days=30) <= AS_OF and rng.random() < 0.05:
            interest = 500
            entry(claim_id, "interest", interest, "interest", due + timedelta(days=30))
        if rng.random() < 0.5:
            paid = amount if rng.random() < 0.6 else amount // 2
            received = issued + timedelta(days=rng.randrange(0, max((AS_OF - issued).days, 1)))
            payment_id = next_payment + len(payments)
            payments.append(
                {
                    "id": payment_id,
                    "provider": "bench",
                    "provider_reference": f"bench-{payment_id}",
                    "amount": paid,
                    "currency": cur,
                    "method": "bank_transfer",
                    "debtor_id": debtor_id,
                    "received_on": received,
                    "state": "allocated",
                    "created_at": now,
                }
            )
            entry(claim_id, "principal", -paid, "payment", received, payment_id=payment_id)
            principal -= paid
        elif due < AS_OF - timedelta(days=700) and rng.random() < 0.2:
            entry(
                claim_id,
                "principal",
                -principal,
                "write_off",
                AS_OF - timedelta(rng.randrange(300)),
            )
            principal = 0
        claims.append(
            {
                "id": claim_id,
                "debtor_id": debtor_id,
                "department_id": spec.department_id,
                "claim_type_id": spec.id,
                "reference": make_reference(rules.reference_scheme, claim_id),
                "description": f"Bench claim {claim_id}",
                "currency": cur,
                "issue_date": issued,
                "due_date": due,
                "original_amount": amount,
                "principal_due": principal,
                "fee_due": fee,
                "interest_due": interest,
                "reminders_sent": 1 if fee else 0,
                "created_at": now,
            }
        )
    _bulk(session, Claim, claims)
    _bulk(session, Payment, payments)
    _bulk(session, LedgerEntry, entries)
    _bulk(session, SuppressedCharge, avoided)
    _load_cases(session, rules, n, first_debtor, debtors, next_claim, rng)
    session.commit()
    _check_sample(session, sample, next_claim)
    print(
        f"  loaded {n} claims, {len(entries) + SAMPLE} ledger entries, "
        f"{len(payments) + 1} payments, {len(avoided)} avoided costs"
    )


def _load_cases(
    session: Any,
    rules: RulePack,
    n: int,
    first_debtor: int,
    debtors: int,
    first_claim: int,
    rng: random.Random,
) -> None:
    """Plans (1 per 50 claims), decided remission (1 per 200), signals (1 per 100)."""
    now = datetime.now(UTC)
    zone = ZoneInfo(rules.timezone)
    plans = []
    for i in range(n // 50):
        state = rng.choice(("active", "completed", "defaulted", "superseded", "pending_review"))
        activated = None if state == "pending_review" else AS_OF - timedelta(rng.randrange(700))
        ended = None
        if state in ("completed", "defaulted", "superseded") and activated is not None:
            ended = min(activated + timedelta(days=rng.randrange(30, 400)), AS_OF)
        plans.append(
            {
                "debtor_id": first_debtor + rng.randrange(debtors),
                "state": state,
                "currency": rules.currency,
                "total": rng.randrange(10_000, 900_000),
                "monthly_amount": 5_000,
                "months": 12,
                "first_due_date": AS_OF,
                "basis": "own_offer",
                "proposed_on": (activated or AS_OF) - timedelta(days=3),
                "submission_key": f"bench-plan-{i}",
                "is_replan": False,
                "activated_on": activated,
                "ended_on": ended,
                "defaulted_on": ended if state in ("defaulted", "superseded") else None,
                "created_at": now,
            }
        )
    _bulk(session, Plan, plans)
    applications, applied = [], []
    first_application = (session.scalar(select(func.max(RemissionApplication.id))) or 0) + 1
    for i in range(n // 200):
        state = rng.choice(("granted", "partially_granted", "rejected"))
        amount = rng.randrange(5_000, 100_000)
        granted = {"granted": amount, "partially_granted": amount // 3, "rejected": 0}[state]
        day = AS_OF - timedelta(days=rng.randrange(500))
        applications.append(
            {
                "id": first_application + i,
                "debtor_id": first_debtor + rng.randrange(debtors),
                "state": state,
                "currency": rules.currency,
                "submission_key": f"bench-remission-{i}",
                "granted_total": granted,
                "decided_at": datetime.combine(day, clock(10), zone),
                "created_at": now,
                "updated_at": now,
            }
        )
        applied.append(
            {
                "application_id": first_application + i,
                "claim_id": first_claim + rng.randrange(max(n - SAMPLE, 1)),
                "amount_at_application": amount,
                "granted_amount": granted,
            }
        )
    _bulk(session, RemissionApplication, applications)
    _bulk(session, RemissionClaim, applied)
    signals = []
    for i in range(n // 100):
        closed = rng.random() < 0.6
        raised = datetime.combine(AS_OF - timedelta(days=rng.randrange(400)), clock(2), zone)
        signals.append(
            {
                "debtor_id": first_debtor + i % debtors,
                "reason": rng.choice(
                    ("several_arrears", "plan_defaulted", "large_debt_no_contact")
                ),
                "state": "closed" if closed else "open",
                "raised_at": raised,
                "closed_at": raised + timedelta(days=3) if closed else None,
                "outcome": rng.choice(("reached", "plan_agreed", "unreachable"))
                if closed
                else None,
            }
        )
    # one open signal per debtor and reason: keep the first of each pair
    seen: set[tuple[int, str]] = set()
    unique = []
    for row in signals:
        key = (row["debtor_id"], row["reason"])
        if row["state"] == "open" and key in seen:
            continue
        seen.add(key)
        unique.append(row)
    _bulk(session, Signal, unique)


def _check_sample(session: Any, sample: list[Claim], bulk_id: int) -> None:
    """The bulk rows look like service-made claims: the same claim columns filled, and every
    cached balance equals the ledger sum (services.ledger.claims_with_cache_mismatch)."""
    bulk = session.get(Claim, bulk_id)
    if bulk is not None:
        columns = [c.key for c in Claim.__table__.columns]
        made = {c for c in columns if getattr(sample[0], c) is not None}
        loaded = {c for c in columns if getattr(bulk, c) is not None}
        assert made == loaded, made ^ loaded
    assert claims_with_cache_mismatch(session) == []
    print(f"  sample of {len(sample)} service-made claims matches the bulk-loaded shape")


def _staff_client(app: Any, session: Any) -> Any:
    staff = StaffUser(
        username="bench-supervisor",
        display_name="Bench Supervisor",
        role="supervisor",
        password_hash="not-a-hash",  # noqa: S106 - never logs in: the session cookie is set
        totp_secret="JBSWY3DPEHPK3PXP",  # noqa: S106 - the RFC 6238 example secret
    )
    session.add(staff)
    session.commit()
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"s:{staff.id}"
        cookie["_fresh"] = True
    return client


def measure(app: Any, session: Any, rules: RulePack) -> None:
    period = svc.Period.year_to_date(AS_OF)
    zone = ZoneInfo(rules.timezone)
    claims = session.scalar(select(func.count(Claim.id)))
    entries = session.scalar(select(func.count(LedgerEntry.id)))
    print(f"report timings, best of {RUNS} ({claims} claims, {entries} ledger entries):")
    _, floor = _timed(
        "floor: SELECT COUNT(*) FROM claim",
        lambda: session.execute(text("SELECT COUNT(*) FROM claim")).scalar(),
        RUNS,
    )
    _, scan = _timed(
        "reference: SELECT SUM(amount) FROM ledger_entry",
        lambda: session.execute(text("SELECT SUM(amount) FROM ledger_entry")).scalar(),
        RUNS,
    )
    parts: list[tuple[str, Callable[[], Any]]] = [
        (
            "outstanding",
            lambda: svc.outstanding(session, period.end, locale="en", currency=rules.currency),
        ),
        ("collected", lambda: svc.collected(session, period, currency=rules.currency)),
        ("plans", lambda: svc.plans(session, period, currency=rules.currency)),
        ("remissions", lambda: svc.remissions(session, period, zone=zone, currency=rules.currency)),
        ("write_offs", lambda: svc.write_offs(session, period, locale="en")),
        ("signals", lambda: svc.signals(session, period, zone=zone)),
        ("costs", lambda: svc.costs(session, period, currency=rules.currency)),
    ]
    for name, action in parts:
        _timed(f"  service: {name}", action, RUNS)
    _, service = _timed(
        "service: build_reports (all seven)",
        lambda: svc.build_reports(session, period, locale="en", zone=zone, currency=rules.currency),
        RUNS,
    )
    client = _staff_client(app, session)
    query = {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}

    def page() -> int:
        response = client.get(
            "/staff/reports", query_string=query, headers={"Accept-Language": "en"}
        )
        assert response.status_code == 200, response.status_code
        return len(response.get_data())

    size, page_seconds = _timed("page: GET /staff/reports (test client)", page, RUNS)
    _, csv_seconds = _timed(
        "page: GET /staff/reports/outstanding.csv",
        lambda: client.get("/staff/reports/outstanding.csv", query_string=query).status_code,
        RUNS,
    )
    print(
        f"service {service * 1000:.0f} ms, page {page_seconds * 1000:.0f} ms ({size} bytes) "
        f"vs floor {floor * 1000:.1f} ms (service x{service / floor:.0f} the floor; "
        f"one bare scan of the ledger {scan * 1000:.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--demo", action="store_true", help="seed the demo data instead")
    parser.add_argument("--db", default="", help="SQLite file (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "reports-bench.sqlite"
    path.unlink(missing_ok=True)
    app = create_app(Config(database_url=f"sqlite:///{path}", rules="nl", demo=True))
    rules: RulePack = app.config["RULE_PACK"]
    what = "the demo data" if args.demo else f"{args.claims} claims"
    print(f"report benchmark: {what}, rule pack {rules.code}, {path}")
    with app.app_context():
        upgrade()
        session = db.session()
        if args.demo:
            _timed(
                "load: seed-demo",
                lambda: (
                    seed_demo(session, app.config["SALDO"], rules, today=AS_OF),
                    session.commit(),
                ),
            )
        else:
            _timed(
                "load (migrations done; bulk insert)",
                lambda: load(session, rules, args.claims, random.Random(args.seed)),  # noqa: S311 - test data
            )
        measure(app, session, rules)


if __name__ == "__main__":
    main()
