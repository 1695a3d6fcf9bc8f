"""Department API tokens: created and revoked by an admin, stored as a SHA-256 hash.

The token itself is shown once, when it is made. A token is scoped to one department.
SHA-256 (not argon2) is enough: the token is 256 bits of randomness, so it cannot be guessed
from its hash, and every API request must look it up quickly.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ApiToken
from portal.models import Department
from portal.services import audit
from portal.services.audit import Actor


class UnknownDepartment(LookupError):
    """No department has this code."""


class UnknownToken(LookupError):
    """No token has this id."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, department_code: str, name: str, *, actor: Actor, now: datetime
) -> tuple[ApiToken, str]:
    """Make a token for a department; returns the row and the token (never stored in clear)."""
    department = session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        raise UnknownDepartment(department_code)
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        department_id=department.id,
        name=name.strip()[:100] or department.code,
        token_hash=token_hash(token),
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "api_token.created",
        object_type="api_token",
        object_id=row.id,
        department=department.code,
    )
    return row, token


def revoke_token(session: Session, token_id: int, *, actor: Actor, now: datetime) -> ApiToken:
    """Revoke a token (idempotent: a revoked token keeps its first revocation time)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise UnknownToken(str(token_id))
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(
            session,
            actor,
            "api_token.revoked",
            object_type="api_token",
            object_id=row.id,
            department=row.department.code,
        )
    return row


def authenticate(session: Session, token: str) -> ApiToken | None:
    """The live token for this bearer value, or None (unknown or revoked)."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))
