"""Run every benchmark against one database and write the figures as JSON.

    uv run python -m bench.run --url URL --label postgresql --scale small --out results.json

Each figure is measured together with its floor on the same stack in the same run:
overview page vs a bare page (gunicorn + wrk), the daily batch vs one aggregate scan of the
claims table, a statement import vs parsing the same file, webhook throughput with 8 senders
(each event sent twice; the ledger is checked for duplicates afterwards), and the debt overview
PDF of the 50-claim debtor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
import stripe
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text

from bench.dataset import DatasetInfo
from bench.dataset import bench_config
from bench.dataset import bench_env
from bench.dataset import build_dataset
from bench.statements import credits_statement
from portal import create_app
from portal.extensions import db
from portal.models import CheckoutAttempt
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import Payment
from portal.payments.camt_parser import MAX_STREAM_BYTES
from portal.payments.camt_parser import iter_camt
from portal.services.audit import Actor
from portal.services.bank_statements import import_statement
from portal.services.overview_documents import create_overview_document

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: a refused delivery (non-2xx) is sent again, with a short back-off, at most this often
RETRIES = 5
WEBHOOK_SECRET = "whsec_bench"  # noqa: S105 - a benchmark-only signing secret
BATCH_STEPS = ("plan_checks", "interest", "dunning", "early_signals")
#: per scale: wrk seconds per run, statement transactions, webhook events, citizens rotated
PLAN = {
    "full": {"wrk_seconds": 20, "statement": 100_000, "events": 2_000, "citizens": 200},
    "medium": {"wrk_seconds": 20, "statement": 20_000, "events": 1_000, "citizens": 200},
    "small": {"wrk_seconds": 10, "statement": 1_000, "events": 200, "citizens": 50},
    "tiny": {"wrk_seconds": 3, "statement": 100, "events": 20, "citizens": 5},
}


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def today_here() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


# -- gunicorn ------------------------------------------------------------------------------------


@contextmanager
def gunicorn(url: str, workdir: Path) -> Iterator[tuple[str, list[str]]]:
    """gunicorn with the repo's gunicorn.conf.py on a free loopback port; stopped afterwards."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SALDO_", "DATABASE_URL", "SECRET_KEY", "PORTAL_", "GUNICORN_"))
    }
    env.update(bench_env(url))
    env.update(
        SALDO_PAYMENT_PROVIDER="stripe",
        SALDO_STRIPE_SECRET_KEY="sk_test_bench",  # noqa: S106 - never called: webhooks only
        SALDO_STRIPE_API_BASE="http://127.0.0.1:9",
        SALDO_STRIPE_WEBHOOK_SECRETS=WEBHOOK_SECRET,
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_MAX_REQUESTS="0",
    )
    command = [
        str(BIN / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "bench.app:create_bench_app()",
    ]
    logfile = (workdir / "gunicorn.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/bench/bare", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start; see " + str(workdir / "gunicorn.log"))
            time.sleep(0.3)
        shown = ["env", "GUNICORN_MAX_REQUESTS=0", *(shlex.quote(c) for c in command[0:])]
        yield base, shown
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        logfile.close()


def workers_of(base_log: Path) -> int:
    return int(os.environ.get("GUNICORN_WORKERS", str(min((os.cpu_count() or 1) * 2 + 1, 8))))


# -- overview page -------------------------------------------------------------------------------


def citizen_cookies(url: str, count: int, rng: random.Random) -> tuple[list[str], list[int]]:
    """Forged session cookies (signed with the app's secret, as the login would set them) of
    `count` debtors that have open claims."""
    app = create_app(bench_config(url))
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(Claim.debtor_id).where(Claim.principal_due > 0).group_by(Claim.debtor_id)
            )
        )
        chosen = rng.sample(ids, min(count, len(ids)))
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        name = app.config["SESSION_COOKIE_NAME"]
        cookies = []
        for debtor_id in chosen:
            payload = {
                "_user_id": f"c:{debtor_id}",
                "_fresh": True,
                "citizen": {"method": "oidc", "scope": None, "acting_staff_id": None},
            }
            cookies.append(f"{name}={serializer.dumps(payload)}")
        db.session.remove()
        db.engine.dispose()
    return cookies, chosen


def claims_per_debtor(url: str, debtor_ids: list[int]) -> float:
    app = create_app(bench_config(url))
    with app.app_context():
        n = db.session.scalar(
            select(func.count()).select_from(Claim).where(Claim.debtor_id.in_(debtor_ids))
        )
        db.session.remove()
        db.engine.dispose()
    return float(n or 0) / max(1, len(debtor_ids))


def run_wrk(base: str, path: str, cookies_file: Path | None, seconds: int) -> dict[str, Any]:
    command = [
        "wrk",
        "-t2",
        "-c8",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "rotate.lua"),
        f"{base}{path}",
    ]
    env = dict(os.environ)
    if cookies_file is not None:
        env["BENCH_COOKIES"] = str(cookies_file)
    else:
        env.pop("BENCH_COOKIES", None)
    out = subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=True, text=True, env=env, check=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    shown = ["BENCH_COOKIES=cookies.txt"] if cookies_file else []
    result["command"] = " ".join([*shown, *command]).replace(str(ROOT) + "/", "")
    return result


def bench_overview(url: str, base: str, workdir: Path, plan: dict[str, int]) -> dict[str, Any]:
    rng = random.Random(5)  # noqa: S311 - picking test debtors
    cookies, chosen = citizen_cookies(url, plan["citizens"], rng)
    for cookie in cookies[:3] + cookies[-3:]:  # the forged sessions really show an overview
        response = requests.get(
            f"{base}/overview", headers={"Cookie": cookie}, timeout=30, allow_redirects=False
        )
        if response.status_code != 200 or "<h1" not in response.text:
            raise RuntimeError(f"overview with a forged session: HTTP {response.status_code}")
    cookies_file = workdir / "cookies.txt"
    cookies_file.write_text("\n".join(cookies) + "\n")
    seconds = plan["wrk_seconds"]
    run_wrk(base, "/bench/bare", None, 3)  # warm-up: workers import, connections open
    run_wrk(base, "/overview", cookies_file, 3)
    bare = run_wrk(base, "/bench/bare", None, seconds)
    layout = run_wrk(base, "/bench/layout", cookies_file, seconds)
    overview = run_wrk(base, "/overview", cookies_file, seconds)
    return {
        "bare": bare,
        "layout": layout,
        "layout_median_ratio": overview["median_us"] / max(1, layout["median_us"]),
        "layout_throughput_share": overview["rps"] / max(0.001, layout["rps"]),
        "overview": overview,
        "citizens": len(cookies),
        "claims_per_citizen": round(claims_per_debtor(url, chosen), 1),
        "median_ratio": overview["median_us"] / max(1, bare["median_us"]),
        "p95_ratio": overview["p95_us"] / max(1, bare["p95_us"]),
        "throughput_share": overview["rps"] / max(0.001, bare["rps"]),
        "workers": workers_of(workdir),
    }


# -- daily batch ---------------------------------------------------------------------------------


def aggregate_scan(url: str) -> tuple[float, list[float], str]:
    """One aggregate scan over every claim: the floor of the batch (median of 3)."""
    sql = (
        "SELECT count(*), sum(principal_due), sum(fee_due), sum(interest_due), "
        "min(due_date), max(due_date) FROM claim"
    )
    app = create_app(bench_config(url))
    times = []
    with app.app_context():
        for _ in range(3):
            _, seconds = timed(lambda: db.session.execute(text(sql)).one())
            times.append(seconds)
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return statistics.median(times), times, sql


def run_batch_timed(url: str, as_of: date, workdir: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALDO_", "DATABASE_URL"))}
    env.update(bench_env(url))
    only = [part for step in BATCH_STEPS for part in ("--only", step)]
    command = [
        "/usr/bin/time",
        "-v",
        str(BIN / "flask"),
        "--app",
        "wsgi",
        "run-batch",
        "--as-of",
        as_of.isoformat(),
        *only,
    ]
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command line
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    (workdir / f"batch-{as_of}.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"run-batch failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    steps = [line.strip() for line in done.stdout.splitlines() if line.startswith("  ")]
    total = re.search(r"total: ([\d.]+) s", done.stdout)
    return {
        "as_of": as_of.isoformat(),
        "wall_seconds": seconds,
        "batch_seconds": float(total.group(1)) if total else seconds,
        "peak_rss_mb": int(rss.group(1)) / 1024 if rss else None,
        "steps": steps,
        "command": " ".join(["/usr/bin/time", "-v", "flask", *command[3:]]),
    }


@contextmanager
def city_copy(url: str, workdir: Path) -> Iterator[str]:
    """A throwaway copy of the city for the batch: every run then starts from the same city
    (the batch sends reminders; on the city itself a second run would find them sent)."""
    if url.startswith("sqlite:///"):
        source = Path(url.removeprefix("sqlite:///"))
        copy = workdir / "batch-copy.sqlite"
        with sqlite3.connect(source) as connection:  # the WAL folded into the file first
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(source, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for path in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
                path.unlink(missing_ok=True)
        return
    base, _, name = url.rpartition("/")
    copy_name = f"{name}_batch"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}"'))
            connection.execute(text(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"'))
        yield f"{base}/{copy_name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}"'))
        admin.dispose()


def bench_batch(url: str, workdir: Path) -> dict[str, Any]:
    with city_copy(url, workdir) as copy:
        return _bench_batch(copy, workdir)


def _bench_batch(url: str, workdir: Path) -> dict[str, Any]:
    day = today_here()
    floor, floor_runs, sql = aggregate_scan(url)
    first = run_batch_timed(url, day, workdir)
    daily = run_batch_timed(url, day + timedelta(days=1), workdir)
    floor_after, _, _ = aggregate_scan(url)
    scan = min(floor, floor_after)
    return {
        "scan_seconds": scan,
        "scan_runs": floor_runs,
        "scan_sql": sql,
        "first": first,
        "daily": daily,
        "first_ratio": first["batch_seconds"] / scan,
        "daily_ratio": daily["batch_seconds"] / scan,
    }


# -- statement import ----------------------------------------------------------------------------


def statement_bytes(references: list[str], count: int, iban: str, statement_id: str) -> bytes:
    """Yesterday's credits on real claim references (bench/statements.py)."""
    day = today_here() - timedelta(days=1)
    return credits_statement(
        references, count, iban=iban, statement_id=statement_id, day=day, text="bench"
    )


def bench_statement(url: str, count: int, workdir: Path) -> dict[str, Any]:
    """Import ONE camt.053 file of `count` transactions, as `flask import-statement` does (read
    as a stream from disk, stored in bulk, booked in committed chunks), vs parsing the same
    file alone with the same streaming parser (`iter_camt`, every entry turned into a value).
    """
    app = create_app(bench_config(url))
    with app.app_context():
        config, rules = app.config["SALDO"], app.config["RULE_PACK"]
        references = [
            reference
            for reference in db.session.scalars(
                select(Claim.reference)
                .where(Claim.principal_due >= 10_000, Claim.reference.is_not(None))
                .order_by(Claim.id.desc())
                .limit(max(100, count // 4))
            )
            if reference
        ]
        stamp = f"BENCH-{datetime.now(UTC):%Y%m%d%H%M%S}"
        data, write_seconds = timed(
            lambda: statement_bytes(references, count, config.payee_iban, stamp)
        )
        path = workdir / "statement.xml"
        path.write_bytes(data)
        size = len(data)
        del data

        def parse_file() -> None:
            with path.open("rb") as source:
                for _item in iter_camt(source, max_bytes=MAX_STREAM_BYTES):
                    pass

        parse_runs = [timed(parse_file)[1] for _ in range(3)]
        parse = statistics.median(parse_runs)
        session = db.session()
        started, cpu_started = time.perf_counter(), time.process_time()
        with path.open("rb") as source:
            summary = import_statement(
                session,
                rules,
                config,
                source,
                actor=Actor.system(),
                now=datetime.now(UTC),
                checkpoint=session.commit,
                max_bytes=MAX_STREAM_BYTES,
            )
        session.commit()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        totals = {key: value for key, value in vars(summary).items() if isinstance(value, int)}
        db.session.remove()
        db.engine.dispose()
    return {
        "transactions": count,
        "files": 1,
        "bytes": size,
        "write_seconds": write_seconds,
        "parse_seconds": parse,
        "parse_runs": parse_runs,
        "import_seconds": seconds,
        "import_cpu_seconds": cpu,
        "ratio": seconds / parse,
        "summary": totals,
    }


# -- payment booking (webhooks) ------------------------------------------------------------------


def make_attempts(url: str, count: int, run_id: str) -> list[tuple[str, int]]:
    """`count` pending Stripe checkouts of 1.00 on open claims; [(session id, amount)]."""
    app = create_app(bench_config(url))
    now = datetime.now(UTC)
    with app.app_context():
        # one checkout per debtor: 8 different citizens paying at once, as in real life
        # (concurrent payments of ONE debtor are a separate finding, see the notes)
        first_claim = (
            select(func.min(Claim.id).label("id"))
            .where(Claim.principal_due >= 10_000, Claim.handed_over_on.is_(None))
            .group_by(Claim.debtor_id)
            .order_by(func.min(Claim.id).desc())
            .limit(count)
            .subquery()
        )
        rows = db.session.execute(
            select(Claim.id, Claim.debtor_id, Claim.currency).where(
                Claim.id.in_(select(first_claim.c.id))
            )
        ).all()
        attempts = [
            {
                "public_id": secrets.token_urlsafe(32),
                "provider": "stripe",
                "provider_session_id": f"cs_bench_{run_id}_{i}",
                "claim_id": claim_id,
                "debtor_id": debtor_id,
                "amount": 100,
                "currency": currency,
                "state": "pending",
                "created_at": now,
                "expires_at": now + timedelta(hours=2),
            }
            for i, (claim_id, debtor_id, currency) in enumerate(rows)
        ]
        db.session.execute(insert(CheckoutAttempt), attempts)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return [(str(a["provider_session_id"]), 100) for a in attempts]


def event_body(session_id: str, amount: int, event_id: str) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": session_id,
                    "object": "checkout.session",
                    "amount_total": amount,
                    "currency": "eur",
                    "payment_status": "paid",
                    "payment_intent": f"pi_{session_id}",
                    "status": "complete",
                }
            },
        }
    )


def bench_webhooks(url: str, base: str, count: int) -> dict[str, Any]:
    run_id = secrets.token_hex(4)
    sessions = make_attempts(url, count, run_id)
    deliveries: list[str] = []
    for i, (session_id, amount) in enumerate(sessions):
        body = event_body(session_id, amount, f"evt_bench_{run_id}_{i}")
        deliveries += [body, body]  # each sent twice, back to back
    lock = threading.Lock()
    statuses: dict[str, int] = {}
    retried: dict[str, int] = {}
    latencies: list[float] = []
    position = iter(range(len(deliveries)))

    def sender() -> None:
        http = requests.Session()
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            body = deliveries[index]
            started = time.perf_counter()
            for attempt in range(RETRIES + 1):  # as Stripe: a non-2xx answer is sent again
                # signed at sending time, as Stripe does (the signature is valid for 5 minutes)
                signature = stripe.WebhookSignature.generate_signature_header(
                    body, WEBHOOK_SECRET, int(time.time())
                )
                try:
                    response = http.post(
                        f"{base}/payments/stripe/webhook",
                        data=body.encode(),
                        headers={
                            "Stripe-Signature": signature,
                            "Content-Type": "application/json",
                        },
                        timeout=60,
                    )
                    try:
                        outcome = f"{response.status_code}:{response.json().get('outcome')}"
                    except ValueError:
                        outcome = f"{response.status_code}:not-json"
                    ok = response.status_code == 200
                except requests.RequestException as error:
                    outcome, ok = f"error:{type(error).__name__}", False
                if ok:
                    break
                with lock:
                    retried[outcome] = retried.get(outcome, 0) + 1
                time.sleep(0.2 * (attempt + 1))
            elapsed = time.perf_counter() - started
            with lock:
                statuses[outcome] = statuses.get(outcome, 0) + 1
                latencies.append(elapsed)

    threads = [threading.Thread(target=sender) for _ in range(8)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    references = [f"pi_{s}" for s, _ in sessions]
    app = create_app(bench_config(url))
    with app.app_context():
        payments = db.session.execute(
            select(Payment.id, Payment.provider_reference).where(
                Payment.provider == "stripe", Payment.provider_reference.in_(references)
            )
        ).all()
        ids = [p for p, _ in payments]
        entries = db.session.execute(
            select(LedgerEntry.payment_id, func.count())
            .where(LedgerEntry.payment_id.in_(ids))
            .group_by(LedgerEntry.payment_id)
        ).all()
        paid = db.session.scalar(
            select(func.count())
            .select_from(CheckoutAttempt)
            .where(
                CheckoutAttempt.provider_session_id.like(f"cs_bench_{run_id}_%"),
                CheckoutAttempt.state == "paid",
            )
        )
        db.session.remove()
        db.engine.dispose()
    distinct_refs = len({r for _, r in payments})
    return {
        "events": len(sessions),
        "deliveries": len(deliveries),
        "seconds": seconds,
        "deliveries_per_second": len(deliveries) / seconds,
        "events_per_second": len(sessions) / seconds,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000,
        "responses": statuses,
        "retried": retried,
        "payments": len(payments),
        "duplicate_payments": len(payments) - distinct_refs,
        "payments_missing": len(sessions) - distinct_refs,
        "ledger_entries": sum(n for _, n in entries),
        "payments_with_more_than_one_entry": sum(1 for _, n in entries if n > 1),
        "attempts_paid": int(paid or 0),
    }


# -- debt overview PDF ---------------------------------------------------------------------------


def bench_pdf(url: str, debtor_id: int, renders: int = 10) -> dict[str, Any]:
    app = create_app(bench_config(url))
    times, claims, size = [], 0, 0
    with app.app_context(), app.test_request_context():
        config, rules = app.config["SALDO"], app.config["RULE_PACK"]
        for i in range(renders + 1):  # the first one warms fonts and templates up
            document, seconds = timed(
                lambda: create_overview_document(
                    db.session(),
                    rules,
                    config,
                    debtor_id=debtor_id,
                    requested_by=Actor.citizen(debtor_id),
                    locale="en",
                    now=datetime.now(UTC),
                    as_of=today_here(),
                )
            )
            claims, size = document.claim_count, len(document.pdf)
            db.session.rollback()  # nothing stored: the benchmark leaves no documents behind
            if i:
                times.append(seconds)
        db.session.remove()
        db.engine.dispose()
    return {
        "renders": renders,
        "median_seconds": statistics.median(times),
        "min_seconds": min(times),
        "max_seconds": max(times),
        "claims": claims,
        "pdf_bytes": size,
    }


# -- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks against one database.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--label", required=True, help="postgresql or sqlite")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument(
        "--only",
        action="append",
        choices=("overview", "batch", "statement", "webhooks", "pdf"),
        help="run only these benchmarks (default: all)",
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    plan = dict(PLAN[args.scale])
    for key in plan:  # e.g. BENCH_STATEMENT=20000 for a shorter statement import
        override = os.environ.get(f"BENCH_{key.upper()}")
        if override:
            plan[key] = int(override)
    wanted = set(args.only or ("overview", "batch", "statement", "webhooks", "pdf"))
    results: dict[str, Any] = {"label": args.label, "scale": args.scale}
    if args.out.exists():
        results.update(json.loads(args.out.read_text()))
    results["plan"] = plan

    def save() -> None:
        args.out.write_text(json.dumps(results, indent=2, default=str))

    def started(name: str) -> None:
        # what else the machine was doing: absolute figures depend on it
        results.setdefault("load_average", {})[name] = round(os.getloadavg()[0], 2)

    log(f"{args.label}: dataset ({args.scale})")
    info: DatasetInfo
    info, seconds = timed(lambda: build_dataset(args.url, args.scale, log=log))
    results["dataset"] = {**vars(info), "seconds_this_run": seconds}
    save()
    if "pdf" in wanted:
        started("pdf")
        log(f"{args.label}: debt overview PDF of the 50-claim debtor")
        results["pdf"] = bench_pdf(args.url, info.big_debtor_id)
        save()
    if wanted & {"overview", "webhooks"}:
        with gunicorn(args.url, args.workdir) as (base, command):
            results["gunicorn_command"] = " ".join(command).replace(str(ROOT) + "/", "")
            if "overview" in wanted:
                started("overview")
                log(f"{args.label}: overview page vs bare page (wrk)")
                results["overview"] = bench_overview(args.url, base, args.workdir, plan)
                save()
            if "webhooks" in wanted:
                started("webhooks")
                log(f"{args.label}: webhook booking, 8 senders")
                results["webhooks"] = bench_webhooks(args.url, base, plan["events"])
                save()
    if "batch" in wanted:
        started("batch")
        log(f"{args.label}: daily batch vs aggregate scan")
        results["batch"] = bench_batch(args.url, args.workdir)
        save()
    if "statement" in wanted:
        started("statement")
        log(f"{args.label}: statement import vs parse ({plan['statement']} transactions)")
        results["statement"] = bench_statement(args.url, plan["statement"], args.workdir)
        save()
    log(f"{args.label}: done")


if __name__ == "__main__":
    main()
