"""The app gunicorn serves in the benchmarks: Saldo itself plus one bare page (the floor).

    gunicorn -c gunicorn.conf.py "bench.app:create_bench_app()"

/bench/bare goes through the same stack as every Saldo page (WSGI server, Flask, the app's
request hooks: security headers, request log, session) but does no work of its own, so
"overview vs bare" measures what the overview itself costs.
"""

from __future__ import annotations

from flask import Flask

from portal import create_app


def create_bench_app() -> Flask:
    app = create_app()

    @app.get("/bench/bare")
    def bench_bare() -> str:
        return "<!doctype html><title>bare</title><h1>bare</h1>"

    return app
