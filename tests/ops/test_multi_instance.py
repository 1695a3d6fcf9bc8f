"""Two app servers behind nginx on one PostgreSQL (issue 10): requests alternate between
the instances and nothing a citizen does depends on which one answers — the session, CSRF
tokens, the login-code rate limit (counted in the database) and payment links."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.demo.seed import SeedSummary
from portal.extensions import db
from portal.models import Claim
from portal.models.base import utcnow
from portal.services.payment_links import create_payment_link
from tests.ops.servers import SHARED_SECRET
from tests.ops.servers import gunicorn_instances
from tests.ops.servers import nginx_balancer
from tests.ops.servers import seeded_database
from tests.support.config import make_test_config

pytestmark = pytest.mark.postgres_only

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf(response: requests.Response) -> str:
    match = _CSRF.search(response.text)
    assert match, f"no CSRF token on {response.url}"
    return match.group(1) or match.group(2)


def instance(response: requests.Response) -> str:
    return response.headers["X-Saldo-Instance"]


class Cluster:
    def __init__(self, base: str, app: Flask, seeded: SeedSummary) -> None:
        self.base, self.app, self.seeded = base, app, seeded

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="module")
def cluster(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = time.monotonic()
    url, seeded = seeded_database(database_url, "saldo_ops_multi")
    app = create_app(make_test_config(url, secret_key=SHARED_SECRET))
    workdir = tmp_path_factory.mktemp("multi")
    with (
        gunicorn_instances(url, 2, workdir) as instances,
        nginx_balancer([base for _, base in instances], workdir) as base,
    ):
        print(f"cluster up in {time.monotonic() - started:.1f} s")
        yield Cluster(base, app, seeded)
    with app.app_context():
        db.engine.dispose()


def test_requests_through_nginx_alternate_between_the_two_instances(cluster: Cluster) -> None:
    seen = [instance(requests.get(cluster.url("/healthz"), timeout=10)) for _ in range(6)]
    assert set(seen) == {"app-1", "app-2"}
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False)), seen


def test_a_letter_code_login_and_its_session_work_on_both_instances(cluster: Cluster) -> None:
    letter = cluster.seeded.letter_code
    browser = requests.Session()
    form = browser.get(cluster.url("/login/code"), timeout=10)
    login = browser.post(
        cluster.url("/login/code"),
        data={"csrf_token": csrf(form), "reference": letter.reference, "code": letter.code},
        allow_redirects=False,
        timeout=10,
    )
    assert instance(form) != instance(login)  # the token was made on the other instance
    assert login.status_code == 302, login.text[:500]
    claim_page = login.headers["Location"]
    pages = [browser.get(cluster.url(claim_page), timeout=10) for _ in range(4)]
    assert [p.status_code for p in pages] == [200] * 4
    assert {instance(p) for p in pages} == {"app-1", "app-2"}
    # A CSRF-protected POST with a token from one instance is accepted by the other.
    before = browser.get(cluster.url(claim_page), timeout=10)
    logout = browser.post(
        cluster.url("/logout"),
        data={"csrf_token": csrf(before)},
        allow_redirects=False,
        timeout=10,
    )
    assert instance(before) != instance(logout)
    assert logout.status_code == 302
    after = browser.get(cluster.url(claim_page), allow_redirects=False, timeout=10)
    assert after.status_code in (302, 401, 403)


def test_a_post_without_the_csrf_token_is_refused_on_either_instance(cluster: Cluster) -> None:
    answers = [
        requests.post(cluster.url("/login/code"), data={"reference": "x"}, timeout=10)
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert {instance(a) for a in answers} == {"app-1", "app-2"}


def test_the_login_code_limit_counts_tries_on_both_instances_together(cluster: Cluster) -> None:
    reference = cluster.seeded.letter_code.reference
    browser = requests.Session()
    token = csrf(browser.get(cluster.url("/login/code"), timeout=10))
    answers = [
        browser.post(
            cluster.url("/login/code"),
            data={"csrf_token": token, "reference": reference, "code": "WRONG-CODE-1"},
            timeout=10,
        )
        for _ in range(6)
    ]
    # Five tries per reference per hour (portal/auth/citizen_login.py). Counted per process,
    # each instance would have seen only three, and the sixth would pass.
    assert [a.status_code for a in answers] == [400] * 5 + [429]
    assert {instance(a) for a in answers} == {"app-1", "app-2"}


def test_a_payment_link_is_paid_across_both_instances(cluster: Cluster) -> None:
    with cluster.app.app_context():
        session = db.session()
        claim = next(
            c
            for c in session.scalars(select(Claim).where(Claim.handed_over_on.is_(None)))
            if c.cancelled_on is None and c.balance >= 5_000
        )
        balance_before = claim.balance
        token = create_payment_link(
            session, cluster.app.config["SALDO"], claim_id=claim.id, now=utcnow()
        ).token
        session.commit()
        claim_id = claim.id
        db.session.remove()
    payer = requests.Session()
    page = payer.get(cluster.url(f"/p/{token}"), timeout=10)
    assert page.status_code == 200
    started = payer.post(
        cluster.url(f"/p/{token}"),
        data={"csrf_token": csrf(page)},
        allow_redirects=False,
        timeout=10,
    )
    assert started.status_code in (302, 303), started.text[:500]
    assert instance(page) != instance(started)
    sandbox = payer.get(cluster.url(started.headers["Location"]), timeout=10)
    assert sandbox.status_code == 200
    paid = payer.post(
        sandbox.url,
        data={"csrf_token": csrf(sandbox), "action": "paid"},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code in (302, 303), paid.text[:500]
    assert instance(sandbox) != instance(paid)
    assert payer.get(cluster.url(paid.headers["Location"]), timeout=10).status_code == 200
    with cluster.app.app_context():
        claim_after = db.session.get(Claim, claim_id)
        assert claim_after is not None
        assert claim_after.balance < balance_before
        db.session.remove()
