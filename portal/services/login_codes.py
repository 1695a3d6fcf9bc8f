"""One-time login codes printed on letters (decisions.md "LoginCode service").

A code is random, belongs to one debtor, opens only the claims of its letter, is used once
and expires. Only an HMAC of it is stored, so a copy of the database cannot be used to log in.
The citizen types the payment reference printed on the same letter and the code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.config import Config
from portal.domain.references import InvalidReference
from portal.domain.references import normalise as normalise_reference
from portal.domain.rules import get_rule_pack
from portal.models import Claim
from portal.models import LoginCode

#: no 0/O, 1/I/L: people copy the code from paper
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
#: the longest reference or code text we look at; anything longer is not a real one
MAX_INPUT_LENGTH = 64


class LoginCodeError(ValueError):
    """A login code cannot be issued as asked."""


class NoClaims(LoginCodeError):
    """A login code must open at least one claim."""


class ClaimNotOfDebtor(LoginCodeError):
    """One of the claims does not exist or belongs to another debtor."""


class LoginCodeInvalid(ValueError):
    """The reference and code do not open anything.

    The message is the same whatever went wrong (nobody learns whether a reference or a code
    exists); `reason` says what it was, for tests and logs only.
    """

    def __init__(self, reason: str) -> None:
        super().__init__("the payment reference and login code do not match an open login code")
        self.reason = reason


@dataclass(frozen=True)
class IssuedCode:
    login_code: LoginCode
    #: the code as printed, "XXXXX-XXXXX"; exists only here, never stored
    plain_code: str


def format_code(compact: str) -> str:
    half = CODE_LENGTH // 2
    return f"{compact[:half]}-{compact[half:]}"


def compact_code(text: str) -> str | None:
    """The 10 code characters of what someone typed (any case, dashes, spaces), or None."""
    if len(text) > MAX_INPUT_LENGTH:
        return None
    code = "".join(ch for ch in text.upper() if ch not in " -\t\u00a0")
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def code_hash(config: Config, compact: str) -> str:
    """The stored hash of a new code: keyed with the current link key (not SECRET_KEY, so
    rotating SECRET_KEY leaves the codes on letters in circulation working)."""
    return _keyed_hash(config.link_signing_keys[0], compact)


def accepted_code_hashes(config: Config, compact: str) -> list[str]:
    """The hashes a typed code may be stored under: current link key and the previous ones."""
    return [_keyed_hash(key, compact) for key in config.link_signing_keys]


def _keyed_hash(key: bytes, compact: str) -> str:
    return hmac.new(key, compact.encode(), hashlib.sha256).hexdigest()


def issue_login_code(
    session: Session,
    config: Config,
    *,
    debtor_id: int,
    claim_ids: Sequence[int],
    now: datetime,
    letter_id: int | None = None,
) -> IssuedCode:
    """A new code for `debtor_id` that opens `claim_ids` until `config.login_code_days` from now."""
    wanted = sorted(set(claim_ids))
    if not wanted:
        raise NoClaims("a login code must open at least one claim")
    owned = set(
        session.scalars(select(Claim.id).where(Claim.id.in_(wanted), Claim.debtor_id == debtor_id))
    )
    if owned != set(wanted):
        raise ClaimNotOfDebtor("every claim of a login code must belong to its debtor")
    while True:
        compact = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        digest = code_hash(config, compact)
        # 31^10 codes: a clash is practically impossible, but the column is unique (and the
        # same code made under a previous link key must not exist either)
        hashes = accepted_code_hashes(config, compact)
        if session.scalar(select(LoginCode.id).where(LoginCode.code_hash.in_(hashes))) is None:
            break
    login_code = LoginCode(
        debtor_id=debtor_id,
        code_hash=digest,
        claim_ids=wanted,
        letter_id=letter_id,
        expires_at=now + timedelta(days=config.login_code_days),
        used_at=None,
        created_at=now,
    )
    session.add(login_code)
    session.flush()
    return IssuedCode(login_code=login_code, plain_code=format_code(compact))


def redeem_login_code(
    session: Session, config: Config, *, reference: str, code: str, now: datetime
) -> LoginCode:
    """Use the code once. Raises LoginCodeInvalid for anything that does not open a claim."""
    compact = compact_code(code)
    if compact is None:
        raise LoginCodeInvalid("malformed_code")
    if len(reference) > MAX_INPUT_LENGTH:
        raise LoginCodeInvalid("malformed_reference")
    scheme = get_rule_pack(config.rules).reference_scheme
    try:
        ref = normalise_reference(scheme, reference)
    except InvalidReference:
        raise LoginCodeInvalid("malformed_reference") from None
    login_code = session.scalar(
        select(LoginCode).where(LoginCode.code_hash.in_(accepted_code_hashes(config, compact)))
    )
    if login_code is None:
        raise LoginCodeInvalid("unknown_code")
    claim = session.scalar(select(Claim).where(Claim.reference == ref))
    if claim is None:
        raise LoginCodeInvalid("unknown_reference")
    if claim.debtor_id != login_code.debtor_id or claim.id not in claim_scope(login_code):
        raise LoginCodeInvalid("reference_not_on_letter")
    if login_code.used_at is not None:
        raise LoginCodeInvalid("used")
    if login_code.expires_at <= now:
        raise LoginCodeInvalid("expired")
    # Conditional update: of two requests racing with the same code, only one wins.
    result = session.execute(
        update(LoginCode)
        .where(LoginCode.id == login_code.id, LoginCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise LoginCodeInvalid("used")
    session.refresh(login_code)
    return login_code


def claim_scope(login_code: LoginCode) -> frozenset[int]:
    """The claims this code opens (its letter's claims), nothing more."""
    return frozenset(int(i) for i in login_code.claim_ids)
