"""Staff accounts: argon2id passwords, TOTP with a replay guard, named errors."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Department
from portal.models.base import utcnow
from portal.services.staff_accounts import PasswordTooShort
from portal.services.staff_accounts import UnknownRole
from portal.services.staff_accounts import UsernameTaken
from portal.services.staff_accounts import check_password
from portal.services.staff_accounts import check_totp
from portal.services.staff_accounts import create_staff_user
from portal.services.staff_accounts import current_totp_code
from portal.services.staff_accounts import totp_uri
from tests.support.auth_helpers import STAFF_PASSWORD
from tests.support.auth_helpers import make_staff
from tests.support.factories import ensure_catalogue


def test_a_new_staff_user_has_an_argon2id_hash_and_a_totp_secret(db_session: Session) -> None:
    user = make_staff(db_session, username="Anna ")
    assert user.username == "anna"
    assert user.password_hash.startswith("$argon2id$")
    assert STAFF_PASSWORD not in user.password_hash
    assert len(user.totp_secret) >= 16
    assert pyotp.TOTP(user.totp_secret).now().isdigit()
    assert user.active
    assert user.last_totp_step is None


def test_an_unknown_role_is_refused(app: Flask, db_session: Session) -> None:
    with pytest.raises(UnknownRole):
        make_staff(db_session, role="root")


def test_a_password_under_twelve_characters_is_refused(db_session: Session) -> None:
    with pytest.raises(PasswordTooShort):
        make_staff(db_session, password="short-11chr")


def test_a_username_can_be_used_once(db_session: Session) -> None:
    make_staff(db_session, username="anna")
    with pytest.raises(UsernameTaken):
        make_staff(db_session, username="ANNA")


def test_check_password_returns_the_user_for_the_right_password(
    app: Flask, db_session: Session
) -> None:
    user = make_staff(db_session)
    config = app.config["SALDO"]
    assert check_password(db_session, config, "Anna", STAFF_PASSWORD) is user
    assert check_password(db_session, config, "anna", STAFF_PASSWORD + "x") is None
    assert check_password(db_session, config, "nobody", STAFF_PASSWORD) is None
    assert check_password(db_session, config, "anna", "x" * 10_000) is None


def test_an_inactive_user_cannot_log_in(app: Flask, db_session: Session) -> None:
    user = make_staff(db_session)
    user.active = False
    assert check_password(db_session, app.config["SALDO"], "anna", STAFF_PASSWORD) is None


def test_a_hash_with_old_parameters_is_replaced_on_login(app: Flask, db_session: Session) -> None:
    user = make_staff(db_session)
    old = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash(STAFF_PASSWORD)
    user.password_hash = old
    assert check_password(db_session, app.config["SALDO"], "anna", STAFF_PASSWORD) is user
    assert user.password_hash != old
    assert ",t=1," in user.password_hash


def test_totp_uri_is_an_otpauth_uri_with_the_issuer(db_session: Session) -> None:
    user = make_staff(db_session)
    uri = totp_uri(user, "Saldo Voorbeeld")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert parse_qs(parts.query)["secret"] == [user.totp_secret]
    assert parse_qs(parts.query)["issuer"] == ["Saldo Voorbeeld"]


def test_check_totp_accepts_the_current_and_neighbouring_steps(db_session: Session) -> None:
    now = utcnow()
    for offset in (-30, 0, 30):
        user = make_staff(db_session, username=f"user{offset + 30}")
        code = current_totp_code(user, now + timedelta(seconds=offset))
        assert check_totp(db_session, user, code, now)


def test_check_totp_refuses_a_code_two_steps_away(db_session: Session) -> None:
    user = make_staff(db_session)
    now = utcnow()
    assert not check_totp(
        db_session, user, current_totp_code(user, now - timedelta(minutes=2)), now
    )


def test_a_totp_code_cannot_be_used_twice(db_session: Session) -> None:
    user = make_staff(db_session)
    now = utcnow()
    code = current_totp_code(user, now)
    assert check_totp(db_session, user, code, now)
    assert not check_totp(db_session, user, code, now + timedelta(seconds=5))


def test_an_earlier_code_is_refused_after_a_later_one_was_used(db_session: Session) -> None:
    user = make_staff(db_session)
    now = utcnow()
    assert check_totp(db_session, user, current_totp_code(user, now), now)
    earlier = current_totp_code(user, now - timedelta(seconds=30))
    assert not check_totp(db_session, user, earlier, now)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "1" * 10_000])
def test_check_totp_refuses_malformed_codes(db_session: Session, code: str) -> None:
    user = make_staff(db_session)
    assert not check_totp(db_session, user, code, utcnow())


def test_create_staff_user_keeps_the_department(app: Flask, db_session: Session) -> None:
    ensure_catalogue(db_session)
    department = db_session.scalars(select(Department)).first()
    assert department is not None
    user = create_staff_user(
        db_session,
        app.config["SALDO"],
        username="clerk",
        display_name="Clerk",
        role="department_clerk",
        password=STAFF_PASSWORD,
        department_id=department.id,
    )
    assert user.role == "department_clerk"
    assert user.department_id == department.id
