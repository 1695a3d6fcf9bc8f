"""Helpers for the payment tests: CSRF tokens from pages, a claim ready to pay."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import CheckoutAttempt
from portal.models import LedgerEntry
from portal.models import Payment

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, f"no csrf token on {path}"
    return match.group(1) or match.group(2)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def payments_count(session: Session) -> int:
    return count(session, Payment)


def attempts_count(session: Session) -> int:
    return count(session, CheckoutAttempt)


def ledger_count(session: Session) -> int:
    return count(session, LedgerEntry)
