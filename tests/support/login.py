"""Test helpers that log a citizen or staff member in without going through the forms."""

from __future__ import annotations

from collections.abc import Iterable

from flask.testing import FlaskClient


def login_citizen(
    client: FlaskClient, debtor_id: int, *, scope: Iterable[int] | None = None, method: str = "oidc"
) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = f"c:{debtor_id}"
        session["_fresh"] = True
        session["citizen"] = {
            "method": method,
            "scope": sorted(scope) if scope is not None else None,
            "acting_staff_id": None,
        }


def login_staff(client: FlaskClient, staff_user_id: int) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = f"s:{staff_user_id}"
        session["_fresh"] = True
