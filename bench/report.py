"""Write docs/benchmarks.md from the JSON results of `bench.run` (one file per database).

uv run python -m bench.report --scale full --out docs/benchmarks.md results-*.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: bench.run.RETRIES (not imported: the report needs no app)
RETRIES = 5

TARGETS = {
    "overview_median": 3.0,
    "overview_throughput": 0.40,
    "batch_ratio": 10.0,
    "batch_rss_mb": 300.0,
    "statement_ratio": 5.0,
}


def machine() -> list[str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem_kb = int(line.split()[1])
    pg = subprocess.run(
        ["/usr/lib/postgresql/15/bin/postgres", "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    import sqlite3

    return [
        f"- CPU: {os.cpu_count()} cores ({cpu}); memory {mem_kb / 1024 / 1024:.1f} GiB",
        f"- {platform.platform()}, Python {platform.python_version()}",
        f"- {pg or 'PostgreSQL 15'} (fsync off, synchronous_commit off, shared_buffers 512MB); "
        f"SQLite {sqlite3.sqlite_version}",
        "- Absolute figures depend on what else runs on the machine; the ratios are measured "
        "back to back in the same run. The load average when a benchmark started is given "
        "with it where it was recorded.",
    ]


def met(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def ms(us: float) -> str:
    return f"{us / 1000:.1f} ms"


def section(r: dict[str, Any]) -> tuple[list[str], list[tuple[str, str, str, str, str]]]:
    """Markdown lines for one database, and summary rows (figure, value, floor, target, met)."""
    label = r["label"]
    name = "PostgreSQL" if label == "postgresql" else "SQLite"
    lines = [f"## {name} (scale `{r.get('scale')}`)", ""]
    rows: list[tuple[str, str, str, str, str]] = []
    d = r.get("dataset", {})
    lines += [
        f"City: {d.get('debtors', 0):,} debtors, {d.get('claims', 0):,} claims, "
        f"{d.get('ledger_entries', 0):,} ledger entries, {d.get('payments', 0):,} payments, "
        f"{d.get('holds', 0):,} holds (as built on {d.get('built_on')}; build took "
        f"{d.get('build_seconds')} s{', reused in this run' if d.get('reused') else ''}).",
        "",
    ]
    loads = r.get("load_average")
    if loads:
        shown = ", ".join(f"{name} {value:.2f}" for name, value in loads.items())
        lines += [f"Load average (1 min) when each benchmark started: {shown}.", ""]
    o = r.get("overview")
    if o:
        bare, page, layout = o["bare"], o["overview"], o.get("layout")
        ok_median = o["median_ratio"] <= TARGETS["overview_median"]
        ok_tp = o["throughput_share"] >= TARGETS["overview_throughput"]
        lines += [
            "### Overview page (gunicorn, wrk -t2 -c8, closed loop)",
            "",
            f"{o['citizens']} citizens rotated, {o['claims_per_citizen']} claims each on average; "
            f"gunicorn {o['workers']} sync workers (the gunicorn.conf.py default for this "
            "machine).",
            "",
            "| page | requests | req/s | median | p95 | p99 | non-2xx/3xx |",
            "|---|---|---|---|---|---|---|",
            f"| /bench/bare (floor) | {bare['requests']} | {bare['rps']:.1f} | "
            f"{ms(bare['median_us'])} | {ms(bare['p95_us'])} | {ms(bare['p99_us'])} | "
            f"{bare['non_2xx_3xx']} |",
            *(
                [
                    f"| /bench/layout (second floor) | {layout['requests']} | "
                    f"{layout['rps']:.1f} | {ms(layout['median_us'])} | {ms(layout['p95_us'])} | "
                    f"{ms(layout['p99_us'])} | {layout['non_2xx_3xx']} |"
                ]
                if layout
                else []
            ),
            f"| /overview | {page['requests']} | {page['rps']:.1f} | {ms(page['median_us'])} | "
            f"{ms(page['p95_us'])} | {ms(page['p99_us'])} | {page['non_2xx_3xx']} |",
            "",
            f"- median {o['median_ratio']:.1f}× the bare page (target ≤ 3×): {met(ok_median)}",
            f"- p95 {o['p95_ratio']:.1f}× the bare page (no target)",
            f"- throughput {o['throughput_share'] * 100:.0f} % of the bare page "
            f"(target ≥ 40 %): {met(ok_tp)}",
            *(
                [
                    f"- against the second floor, an empty page in the site's layout for the "
                    f"same logged-in citizens (session read and renewed, citizen loaded): median "
                    f"{o['layout_median_ratio']:.1f}×, throughput "
                    f"{o['layout_throughput_share'] * 100:.0f} % (shown for what the overview's "
                    "own work costs; the target is against the bare page)"
                ]
                if layout
                else []
            ),
            f"- commands: `{r.get('gunicorn_command', '')}`; `{bare['command']}`; "
            + (f"`{layout['command']}`; " if layout else "")
            + f"`{page['command']}`",
            "",
        ]
        rows.append(
            (
                "overview median latency",
                ms(page["median_us"]),
                f"bare {ms(bare['median_us'])} → {o['median_ratio']:.1f}×",
                "≤ 3×",
                met(ok_median),
            )
        )
        rows.append(
            (
                "overview throughput",
                f"{page['rps']:.1f} req/s",
                f"bare {bare['rps']:.1f} req/s → {o['throughput_share'] * 100:.0f} %",
                "≥ 40 %",
                met(ok_tp),
            )
        )
        rows.append(
            (
                "overview p95 latency",
                ms(page["p95_us"]),
                f"bare {ms(bare['p95_us'])} → {o['p95_ratio']:.1f}×",
                "—",
                "—",
            )
        )
    b = r.get("batch")
    if b:
        lines += ["### Daily batch (plan checks + interest + dunning + early signals)", ""]
        lines += [
            f"Floor: one aggregate scan `{b['scan_sql']}`: {b['scan_seconds'] * 1000:.0f} ms "
            f"(best of two medians of 3).",
            "",
            "| run | batch time | ratio to scan | peak RSS | steps |",
            "|---|---|---|---|---|",
        ]
        for key, name in (
            ("first", "first run on the new city (catch-up)"),
            ("daily", "next day (steady state)"),
        ):
            run = b[key]
            ratio = b[f"{key}_ratio"]
            steps = "<br>".join(run["steps"])
            lines.append(
                f"| {name} ({run['as_of']}) | {run['batch_seconds']:.2f} s | {ratio:.1f}× | "
                f"{run['peak_rss_mb']:.0f} MB | {steps} |"
            )
            ok = ratio <= TARGETS["batch_ratio"]
            ok_rss = (run["peak_rss_mb"] or 0) <= TARGETS["batch_rss_mb"]
            rows.append(
                (
                    f"batch, {name}",
                    f"{run['batch_seconds']:.2f} s",
                    f"scan {b['scan_seconds'] * 1000:.0f} ms → {ratio:.1f}×",
                    "≤ 10×",
                    met(ok),
                )
            )
            rows.append(
                (
                    f"batch peak memory, {name}",
                    f"{run['peak_rss_mb']:.0f} MB",
                    "—",
                    "≤ 300 MB",
                    met(ok_rss),
                )
            )
        lines += ["", f"- command: `{b['first']['command']}` (and the same with the next day)", ""]
    s = r.get("statement")
    if s:
        ok = s["ratio"] <= TARGETS["statement_ratio"]
        summary = ", ".join(f"{k}={v}" for k, v in s["summary"].items())
        lines += [
            "### Statement import (camt.053)",
            "",
            f"{s['transactions']:,} transactions in {s.get('files', 1)} file(s), "
            f"{s['bytes'] / 1e6:.1f} MB; written in "
            f"{s['write_seconds']:.1f} s. Parse alone (median of 3): {s['parse_seconds']:.2f} s; "
            f"import (parse, store, match, book, commit per chunk): {s['import_seconds']:.1f} s "
            f"→ {s['ratio']:.2f}× (target ≤ 5×): {met(ok)}. Outcome: {summary}.",
            "",
        ]
        rows.append(
            (
                "statement import",
                f"{s['import_seconds']:.1f} s ({s['transactions']:,} tx)",
                f"parse {s['parse_seconds']:.2f} s → {s['ratio']:.2f}×",
                "≤ 5×",
                met(ok),
            )
        )
    w = r.get("webhooks")
    if w:
        dup = w["duplicate_payments"] + w["payments_with_more_than_one_entry"]
        ok = dup == 0
        responses = ", ".join(f"{k}: {v}" for k, v in sorted(w["responses"].items()))
        retried = ", ".join(f"{k}: {v}" for k, v in sorted(w.get("retried", {}).items()))
        lines += [
            "### Payment booking (Stripe webhooks, 8 concurrent senders)",
            "",
            f"{w['events']:,} events, each sent twice ({w['deliveries']:,} deliveries) in "
            f"{w['seconds']:.1f} s: {w['events_per_second']:.1f} events/s booked "
            f"({w['deliveries_per_second']:.1f} deliveries/s); latency median "
            f"{w['median_ms']:.0f} ms, p95 {w['p95_ms']:.0f} ms (retries included). Final "
            f"responses: {responses}. Refused deliveries that were sent again (as Stripe "
            f"retries): {retried or 'none'}. "
            f"Afterwards: {w['payments']} payments, {w['ledger_entries']} ledger entries, "
            f"{w['attempts_paid']} checkouts paid; duplicate bookings {dup}: {met(ok)}. "
            f"Events still not booked after the bench's {RETRIES} retries: "
            f"{w['payments_missing']} (Stripe keeps retrying for days; nothing is lost as long "
            "as the answer is not 2xx).",
            "",
        ]
        lost = (
            ""
            if w["payments_missing"] == 0
            else f" ({w['payments_missing']} not yet booked after {RETRIES} retries)"
        )
        rows.append(
            (
                "webhook booking",
                f"{w['events_per_second']:.1f} events/s",
                "—",
                "zero duplicates",
                met(ok) + lost,
            )
        )
    p = r.get("pdf")
    if p:
        lines += [
            "### Debt overview PDF",
            "",
            f"Debtor with {p['claims']} open claims, {p['renders']} renders: median "
            f"{p['median_seconds']:.2f} s (min {p['min_seconds']:.2f}, max "
            f"{p['max_seconds']:.2f}); {p['pdf_bytes'] / 1024:.0f} KiB.",
            "",
        ]
        rows.append(("overview PDF, 50 claims", f"{p['median_seconds']:.2f} s", "—", "—", "—"))
    return lines, rows


def render(scale: str, results: list[dict[str, Any]], elapsed: float | None) -> str:
    intro = (ROOT / "bench" / "intro.md").read_text().rstrip()
    scales = ", ".join(
        f"{'PostgreSQL' if r['label'] == 'postgresql' else 'SQLite'} `{r.get('scale')}`"
        for r in results
    )
    out = [intro, "", f"## Results ({scales})", ""]
    out += machine()
    out += [
        "",
        "Reproduce: `make bench BENCH_SCALE=" + scale + "` (scripts/bench.sh: installs wrk, "
        "starts a throwaway PostgreSQL 15 on 127.0.0.1, runs `python -m bench.run` on "
        "PostgreSQL and on SQLite, then `python -m bench.report`).",
    ]
    if elapsed is not None:
        out.append(f"This run of `make bench` took {elapsed / 60:.1f} minutes.")
    out += [
        "",
        "### Summary",
        "",
        "| database | figure | value | floor and ratio | target | |",
        "|---|---|---|---|---|---|",
    ]
    bodies: list[str] = []
    for r in results:
        lines, rows = section(r)
        name = "PostgreSQL" if r["label"] == "postgresql" else "SQLite"
        name += f" ({r.get('scale')})"
        out += [f"| {name} | {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
        bodies += lines
    notes = ROOT / "bench" / "notes.md"
    out += ["", *bodies]
    if notes.exists():
        out += [notes.read_text().rstrip(), ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Write docs/benchmarks.md.")
    parser.add_argument("--scale", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("results", nargs="+", type=Path)
    args = parser.parse_args()
    results = [json.loads(path.read_text()) for path in args.results if path.exists()]
    started = os.environ.get("BENCH_STARTED")
    elapsed = time.time() - int(started) if started else None
    args.out.write_text(render(args.scale, results, elapsed))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
