"""CPU time of the debt overview PDF for the benchmark city's 50-claim debtor (issue 5).

`bench_pdf` in bench/run.py reports wall times, which on a shared machine measure the load as
much as the code. This counts CPU time (time.process_time) per render after a warm-up, so two
trees can be compared back to back; with --profile it prints where the time goes, with --out it
keeps the last PDF for a look (pdftoppm -r 60 -png out.pdf page).

    uv run python -m bench.pdf_cpu --url sqlite:////var/tmp/saldo-pdf/city.sqlite --renders 10
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy import text

from bench.dataset import bench_config
from bench.run import today_here
from portal import create_app
from portal.extensions import db
from portal.services.audit import Actor
from portal.services.overview_documents import create_overview_document


def _big_debtor_id(url: str) -> int:
    """The debtor with 50 open claims that bench_pdf renders (bench/dataset.py)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT big_debtor_id FROM bench_dataset")).one()
    engine.dispose()
    return int(row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--renders", type=int, default=10)
    parser.add_argument("--locale", default="en")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile")
    parser.add_argument("--out", type=Path, help="write the last PDF here")
    args = parser.parse_args()

    debtor_id = _big_debtor_id(args.url)
    app = create_app(bench_config(args.url))
    with app.app_context(), app.test_request_context():
        config, rules = app.config["SALDO"], app.config["RULE_PACK"]

        def render() -> bytes:
            document = create_overview_document(
                db.session(),
                rules,
                config,
                debtor_id=debtor_id,
                requested_by=Actor.citizen(debtor_id),
                locale=args.locale,
                now=datetime.now(UTC),
                as_of=today_here(),
            )
            pdf: bytes = document.pdf
            db.session.rollback()  # nothing stored
            return pdf

        pdf = render()  # warm-up: fonts, templates, stylesheet
        profiler = cProfile.Profile() if args.profile else None
        times = []
        for _ in range(args.renders):
            started = time.process_time()
            if profiler:
                profiler.enable()
            pdf = render()
            if profiler:
                profiler.disable()
            times.append(time.process_time() - started)
        db.session.remove()
    print(
        f"{args.renders} renders, CPU per render: median {statistics.median(times) * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; {len(pdf)} bytes"
    )
    if args.out:
        args.out.write_bytes(pdf)
    if profiler:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
