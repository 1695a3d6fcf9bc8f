"""The app gunicorn serves in the benchmarks: Saldo itself plus two floor pages.

    gunicorn -c gunicorn.conf.py "bench.app:create_bench_app()"

- /bench/bare goes through the same stack as every Saldo page (WSGI server, Flask, the app's
  request hooks: security headers, request log, session) but does no work of its own, so
  "overview vs bare" measures what the overview costs above the framework.
- /bench/layout is a logged-in citizen's page with nothing on it: the session cookie is read
  and renewed, the citizen loaded, the site's layout (header, language switcher, log-out
  form, footer) rendered around an h1. "overview vs layout" measures what the overview's own
  work costs above any page a citizen can see.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import render_template

from portal import create_app
from portal.auth.guards import citizen_required


def create_bench_app() -> Flask:
    app = create_app()
    floors = Blueprint("bench", __name__, template_folder="templates")

    @floors.get("/bench/bare")
    def bench_bare() -> str:
        return "<!doctype html><title>bare</title><h1>bare</h1>"

    @floors.get("/bench/layout")
    @citizen_required
    def bench_layout() -> str:
        return render_template("bench/layout.html")

    app.register_blueprint(floors)
    return app
