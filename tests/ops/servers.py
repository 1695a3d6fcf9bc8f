"""Real servers for the operations tests: a fresh database, gunicorn instances and nginx,
all on 127.0.0.1, each stopped by the fixture that started it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import requests
from flask_migrate import upgrade

from portal import create_app
from portal.demo.seed import SeedSummary
from portal.demo.seed import seed_demo
from portal.extensions import db
from tests.support.config import make_test_config

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the project's environment: `uv run gunicorn`, `uv run flask`
NGINX = "/usr/sbin/nginx"
#: one secret for every instance: a session or CSRF token made by one is valid on the other
SHARED_SECRET = "ops-test-shared-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plain_url(url: str) -> str:
    """A SQLAlchemy URL as libpq/psycopg and the pg_* tools take it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def recreate_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `server_url`; its SQLAlchemy URL."""
    admin = plain_url(server_url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def seeded_database(server_url: str, name: str, *, debtors: int = 12) -> tuple[str, SeedSummary]:
    """A fresh database `name`, migrated and filled with demo data through the services
    (with the instances' shared secret, so hashed ids and login codes match theirs)."""
    url = recreate_database(server_url, name)
    app = create_app(make_test_config(url, secret_key=SHARED_SECRET))
    with app.app_context():
        upgrade()
        rules = app.config["RULE_PACK"]
        today = datetime.now(ZoneInfo(rules.timezone)).date()
        summary = seed_demo(db.session, app.config["SALDO"], rules, debtors=debtors, today=today)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url, summary


def copy_database(url: str, name: str) -> str:
    """A copy of the database of `url` (no one may be connected to it) as database `name`."""
    admin = plain_url(url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"')
    return url.rsplit("/", 1)[0] + f"/{name}"


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a demo installation on `database_url` (no test-runner settings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SALDO_", "DATABASE_URL", "SECRET_KEY", "PORTAL_", "GUNICORN_"))
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SHARED_SECRET,
        SALDO_DEMO="1",
        SALDO_ARGON2_CHEAP="1",
        SALDO_SESSION_COOKIE_SECURE="0",
        PORTAL_RULES="nl",
    )
    env.update(extra)
    return env


def flask_cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def wait_until_ready(base: str, *, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/readyz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{base} did not become ready in {timeout} s")


def _stop(process: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def gunicorn_instances(
    database_url: str, count: int, workdir: Path
) -> Iterator[list[tuple[str, str]]]:
    """Start `count` gunicorn instances of Saldo on free loopback ports, named app-1, app-2...;
    yield [(instance id, base URL)]; stop them all afterwards."""
    started: list[tuple[subprocess.Popen[bytes], str, str]] = []
    try:
        for n in range(1, count + 1):
            instance, port = f"app-{n}", free_port()
            env = app_env(
                database_url,
                SALDO_INSTANCE_ID=instance,
                SALDO_PROXY_COUNT="1",
                GUNICORN_WORKERS="1",
                GUNICORN_THREADS="2",
            )
            with (workdir / f"{instance}.log").open("wb") as log:  # the child keeps its copy
                process = subprocess.Popen(
                    [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
                    + ["--bind", f"127.0.0.1:{port}", "portal:create_app()"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            started.append((process, instance, f"http://127.0.0.1:{port}"))
        for _, instance, base in started:
            try:
                wait_until_ready(base)
            except TimeoutError:
                log_text = (workdir / f"{instance}.log").read_text(errors="replace")
                raise TimeoutError(f"{instance} did not start:\n{log_text[-3000:]}") from None
        yield [(instance, base) for _, instance, base in started]
    finally:
        for process, _, _ in started:
            _stop(process)


NGINX_CONF = """
daemon off;
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream saldo {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://saldo;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""


@contextmanager
def nginx_balancer(upstreams: list[str], workdir: Path) -> Iterator[str]:
    """nginx in the foreground on a free loopback port, round-robin over `upstreams`
    (base URLs); yields its base URL and stops it afterwards."""
    port = free_port()
    servers = "\n".join(f"        server {u.removeprefix('http://')};" for u in upstreams)
    # As root, nginx's workers would switch to `nobody`, who cannot enter pytest's tmp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, tmp=workdir, servers=servers, port=port))
    process = subprocess.Popen(
        [NGINX, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, timeout=15)
        yield base
    finally:
        _stop(process, sig=signal.SIGQUIT)  # graceful: finish requests, then exit
