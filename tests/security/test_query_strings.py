"""Hostile query strings on every page that needs no id: each query parameter the page itself
uses (in its links and GET forms, e.g. filters, search boxes, paging), plus `page`, set to
injection strings, huge numbers, impossible dates and 10,000 characters. Never a 500, no
template evaluated, the script string never comes back unescaped.
"""

from __future__ import annotations

from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.page_checks import parse_html
from tests.support.primitives import make_staff
from tests.support.security import PAYLOADS
from tests.support.security import hostile_problems
from tests.support.security import new_bsn
from tests.support.security import rules_of

VALUES = (
    *PAYLOADS,
    "-1",
    "99999999999999999999999",
    "0001-01-01",
    "9999-12-31",
    "2026-02-31",
    "1e309",
)
#: pages that end the session or change the language: not worth a storm of requests
SKIP = frozenset({"/logout", "/staff/logout", "/login/eid", "/login/eid/callback"})


def _parameters(html: str) -> set[str]:
    """Query parameter names the page uses in its links and in its GET forms."""
    page = parse_html(html)
    names = {"page"}
    for link in page.find_all("a"):
        href = link.attrs.get("href", "")
        if href.startswith(("/", "?")):
            names.update(name for name, _value in parse_qsl(urlsplit(href).query))
    for form in page.find_all("form"):
        if (form.attrs.get("method") or "get").lower() == "get":
            names.update(
                node.attrs["name"]
                for node in form.iter()
                if node.tag in ("input", "select", "textarea") and node.attrs.get("name")
            )
    return names


def _storm(client: FlaskClient, pages: list[str]) -> tuple[list[str], int]:
    problems: list[str] = []
    sent = 0
    for path in pages:
        first = client.get(path)
        if first.status_code != 200:
            continue
        names = _parameters(first.get_data(as_text=True))
        for value in VALUES:
            response = client.get(path, query_string={name: value for name in names})
            sent += 1
            problems.extend(
                f"{path}?{sorted(names)}={value[:20]!r}: {problem}"
                for problem in hostile_problems(response, value)
            )
    return problems, sent


def _pages(app: Flask, *blueprints: str) -> list[str]:
    return [
        rule.rule
        for rule in rules_of(app, *blueprints, method="GET")
        if not rule.arguments and rule.rule not in SKIP
    ]


def test_hostile_query_strings_on_every_citizen_and_public_page(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Query Person", national_id=new_bsn())
    make_claim(db_session, debtor, 12_000)
    db_session.commit()
    login_citizen(client, debtor.id)
    problems, sent = _storm(client, _pages(app, "citizen", "payments", "auth", "health"))
    assert sent >= 10 * len(VALUES)
    assert problems == []


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_hostile_query_strings_on_every_staff_page(
    app: Flask, client: FlaskClient, db_session: Session, role: str
) -> None:
    make_claim(db_session, make_debtor(db_session, "Staff Query Person"), 12_000)
    staff = make_staff(db_session, role)
    db_session.commit()
    login_staff(client, staff.id)
    problems, sent = _storm(client, _pages(app, "staff"))
    assert sent >= 3 * len(VALUES)
    assert problems == []
