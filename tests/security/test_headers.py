"""Security headers on every GET page that needs no id (walked from app.url_map), for an
anonymous visitor, a citizen and a staff member, plus error pages.

HSTS: portal/security.py sends it only outside demo and test mode (a demo on plain http on
localhost must not pin HSTS on the browser), so it is checked absent in the demo app and
present on every page of a production-like app.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.primitives import make_staff
from tests.support.security import new_bsn

EXTRA_PAGES = ("/no-such-page", "/claims/999999", "/p/not-a-token", "/shared/not-a-token")


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (part.split() for part in csp.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def header_problems(response: TestResponse, *, hsts: bool) -> list[str]:
    headers = response.headers
    problems = []
    directives = _directives(headers.get("Content-Security-Policy", ""))
    script_src = directives.get("script-src", directives.get("default-src"))
    if script_src is None:
        problems.append("no script-src or default-src")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(script_src):
        problems.append(f"script-src {script_src}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {directives.get('frame-ancestors')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if headers.get("Referrer-Policy") not in ("no-referrer", "same-origin", "strict-origin"):
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')}")
    sent = headers.get("Strict-Transport-Security")
    if hsts and (sent is None or "max-age=" not in sent):
        problems.append("no HSTS")
    if not hsts and sent is not None:
        problems.append("HSTS in demo mode")
    return problems


def parameterless_pages(app: Flask) -> list[str]:
    pages = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments
    )
    return pages + list(EXTRA_PAGES)


def _walk(client: FlaskClient, pages: list[str], *, hsts: bool) -> Iterator[str]:
    for page in pages:
        response = client.get(page)
        for problem in header_problems(response, hsts=hsts):
            yield f"{page} ({response.status_code}): {problem}"


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff"])
def test_every_page_without_an_id_sends_the_security_headers(
    app: Flask, client: FlaskClient, db_session: Session, who: str
) -> None:
    if who == "citizen":
        debtor = make_debtor(db_session, "Header Person", national_id=new_bsn())
        make_claim(db_session, debtor, 5_000)
        db_session.commit()
        login_citizen(client, debtor.id)
    elif who == "staff":
        staff = make_staff(db_session, "supervisor")
        db_session.commit()
        login_staff(client, staff.id)
    pages = parameterless_pages(app)
    assert len(pages) > 30
    assert list(_walk(client, pages, hsts=False)) == []


def test_a_production_like_app_sends_hsts_on_every_page(make_app: Any, db_session: Session) -> None:
    production_like: Flask = make_app(
        demo=False,
        testing=False,
        secret_key="s" * 40,
        id_encryption_key=Fernet.generate_key().decode(),
    )
    client = production_like.test_client()
    assert list(_walk(client, parameterless_pages(production_like), hsts=True)) == []
