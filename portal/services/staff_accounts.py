"""Staff accounts: an argon2id password and a TOTP second factor (design.md "Who may see what").

Tests set `Config.argon2_cheap` (decisions.md "Tests and CI budget"); production uses the
argon2-cffi defaults (RFC 9106 low-memory profile).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import StaffUser
from portal.models.staff import STAFF_ROLES

MIN_PASSWORD_LENGTH = 12
#: argon2 hashes whatever it gets; a cap keeps a huge "password" from costing CPU
MAX_PASSWORD_LENGTH = 1024
TOTP_INTERVAL = 30
TOTP_DIGITS = 6


class StaffAccountError(ValueError):
    """A staff account cannot be created as asked."""


class UnknownRole(StaffAccountError):
    """The role is not one of STAFF_ROLES."""


class PasswordTooShort(StaffAccountError):
    """The password has fewer than MIN_PASSWORD_LENGTH characters."""


class UsernameTaken(StaffAccountError):
    """Another staff user already has this username."""


class InvalidUsername(StaffAccountError):
    """The username is empty or too long."""


@lru_cache(maxsize=2)
def _hasher(cheap: bool) -> PasswordHasher:
    if cheap:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


@lru_cache(maxsize=2)
def _dummy_hash(cheap: bool) -> str:
    """A hash to verify against when the username is unknown, so both cases take as long."""
    return _hasher(cheap).hash("not-a-real-password-only-for-timing")


def normalise_username(username: str) -> str:
    return username.strip().lower()


def create_staff_user(
    session: Session,
    config: Config,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    department_id: int | None = None,
) -> StaffUser:
    """Create an active staff user with a fresh TOTP secret (shown once as a QR/URI)."""
    name = normalise_username(username)
    if not name or len(name) > 60:
        raise InvalidUsername("a username has 1 to 60 characters")
    if role not in STAFF_ROLES:
        raise UnknownRole(f"role must be one of {', '.join(STAFF_ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffAccountError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if _find(session, name, active_only=False) is not None:
        raise UsernameTaken("this username is taken")
    user = StaffUser(
        username=name,
        display_name=display_name.strip()[:120],
        role=role,
        password_hash=_hasher(config.argon2_cheap).hash(password),
        totp_secret=pyotp.random_base32(),
        department_id=department_id,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def totp_uri(user: StaffUser, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=issuer)


def current_totp_code(user: StaffUser, at: datetime) -> str:
    return pyotp.TOTP(user.totp_secret).at(at)


def _find(session: Session, username: str, *, active_only: bool = True) -> StaffUser | None:
    query = select(StaffUser).where(func.lower(StaffUser.username) == username)
    if active_only:
        query = query.where(StaffUser.active.is_(True))
    return session.scalar(query)


def check_password(
    session: Session, config: Config, username: str, password: str
) -> StaffUser | None:
    """The active staff user with this username and password, else None.

    An unknown username still costs one argon2 verification, so response times do not tell
    which usernames exist. A hash made with older parameters is replaced on success.
    """
    hasher = _hasher(config.argon2_cheap)
    name = normalise_username(username)
    user = _find(session, name) if name and len(name) <= 60 else None
    if len(password) > MAX_PASSWORD_LENGTH:
        user, password = None, password[:MAX_PASSWORD_LENGTH]
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(config.argon2_cheap), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def check_totp(session: Session, user: StaffUser, code: str, now: datetime) -> bool:
    """Accept the code of the current time step or one step either side, once.

    A code of a step at or before the last one used is refused, so an overheard code cannot
    be replayed, not even within its own 30 seconds.
    """
    code = "".join(code.split())
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    current = int(now.timestamp()) // TOTP_INTERVAL
    for step in (current - 1, current, current + 1):
        if user.last_totp_step is not None and step <= user.last_totp_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            user.last_totp_step = step
            session.flush()
            return True
    return False


def staff_user_id(session: Session, username: str) -> int | None:
    """The id of the staff user with this username (for the audit of a failed login)."""
    name = normalise_username(username)
    return session.scalar(select(StaffUser.id).where(func.lower(StaffUser.username) == name))
