"""Guessing login codes and staff passwords past the rate limit, the ways an attacker would try
to get around it. The plain limits (5 per reference or username, 20 per address) are tested
in tests/web/test_auth_citizen_login.py and test_auth_staff_login.py; here:

- the same reference typed with spaces, dots and slashes is one counter, not five;
- a forged X-Forwarded-For header does not make a new address (no proxy is trusted by default);
- throwing away the session cookie does not reset anything (the counters are in the database);
- a staff username in other letter cases or with spaces is one counter.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.services.login_codes import issue_login_code
from portal.services.staff_accounts import create_staff_user
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.security import new_bsn
from tests.support.security import token_from

WRONG_CODE = "ABCDE-FGHJK"
TOO_MANY = "You have tried too many times"


def _letter(app: Flask, session: Session) -> tuple[str, str, int]:
    debtor = make_debtor(session, "Guess Target", national_id=new_bsn())
    claim = make_claim(session, debtor, 7_500)
    issued = issue_login_code(
        session,
        app.config["SALDO"],
        debtor_id=debtor.id,
        claim_ids=[claim.id],
        now=datetime.now(UTC),
    )
    session.commit()
    return claim.reference or "", issued.plain_code, debtor.id


def _try_code(client: FlaskClient, reference: str, code: str, **kwargs: object) -> TestResponse:
    token = token_from(client, "/login/code")
    return client.post(
        "/login/code",
        data={"csrf_token": token, "reference": reference, "code": code},
        **kwargs,  # type: ignore[arg-type]
    )


def _spelled(reference: str, n: int) -> str:
    """The same reference, typed loosely in five different ways."""
    groups = " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
    return [
        groups,
        reference,
        f" {reference} ",
        groups.replace(" ", "."),
        groups.replace(" ", "/"),
    ][n % 5]


def test_a_reference_typed_in_other_ways_shares_one_counter(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    reference, code, _debtor_id = _letter(app, db_session)
    for n in range(5):
        assert _try_code(client, _spelled(reference, n), WRONG_CODE).status_code == 400
    response = _try_code(client, reference, code)
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)


def test_a_fresh_session_and_a_forged_forwarded_for_do_not_reset_the_address_limit(
    app: Flask, db_session: Session
) -> None:
    reference, code, _debtor_id = _letter(app, db_session)
    for n in range(20):
        attacker = app.test_client()  # no cookies: a new session every time
        forged = {"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"203.0.113.{n}"}
        response = _try_code(attacker, f"{n:09d}", WRONG_CODE, headers=forged)
        assert response.status_code == 400
    forged = {"X-Forwarded-For": "198.51.100.99"}
    response = _try_code(app.test_client(), reference, code, headers=forged)
    assert response.status_code == 429


def test_a_staff_username_in_other_cases_shares_one_counter(
    app: Flask, db_session: Session
) -> None:
    create_staff_user(
        db_session,
        app.config["SALDO"],
        username="guarded.user",
        display_name="Guarded User",
        role="caseworker",
        password="a-long-and-correct-password",
    )
    db_session.commit()
    for spelling in (
        "Guarded.User",
        "GUARDED.USER",
        " guarded.user",
        "guarded.user ",
        "gUarded.user",
    ):
        fresh = app.test_client()
        token = token_from(fresh, "/staff/login")
        response = fresh.post(
            "/staff/login",
            data={"csrf_token": token, "username": spelling, "password": "wrong-password"},
        )
        assert response.status_code == 400
    fresh = app.test_client()
    response = fresh.post(
        "/staff/login",
        data={
            "csrf_token": token_from(fresh, "/staff/login"),
            "username": "guarded.user",
            "password": "a-long-and-correct-password",
        },
    )
    # the right password, refused: the limit holds, whatever the spelling used before
    assert response.status_code == 429
