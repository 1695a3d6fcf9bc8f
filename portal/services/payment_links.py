"""Payment links: stored random tokens that open one claim's pay page without a login.

decisions.md "PaymentLink tokens": not signed-only URLs, which cannot be revoked one by one and
die on key rotation. The token is shown once (in the letter or the URL) and stored only as its
SHA-256; a link is found by that hash and nothing else. A link expires at the end of its due
date plus `payment_link_grace_days`, but never within 14 days of being made, so a letter
that takes a few days to arrive still works.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import Claim
from portal.models import PaymentLink
from portal.services import audit
from portal.services.audit import Actor

#: A letter must stay usable for at least this long, whatever its due date.
MINIMUM_VALIDITY = timedelta(days=14)
#: token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
_MAX_TOKEN_LENGTH = 100


class PaymentLinkInvalid(Exception):
    """Base class: the link cannot be used. The subclasses say why, for the page's message."""


class PaymentLinkUnknown(PaymentLinkInvalid):
    """No link has this token (mistyped, cut off, or never made)."""


class PaymentLinkExpired(PaymentLinkInvalid):
    """The link was valid once and has expired."""


class PaymentLinkRevoked(PaymentLinkInvalid):
    """The link was revoked (e.g. the claim was corrected or a new letter was sent)."""


class NoSuchClaim(LookupError):
    """A payment link was asked for a claim that does not exist."""


@dataclass(frozen=True)
class IssuedLink:
    """A new link and its token. The token exists only here: put it in the URL, then drop it."""

    link: PaymentLink
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def link_expiry(due_on: date, grace_days: int, now: datetime) -> datetime:
    """End (UTC) of due_on + grace_days, but never earlier than the end of now + 14 days."""
    return max(
        _end_of_day(due_on + timedelta(days=grace_days)),
        _end_of_day((now.astimezone(UTC) + MINIMUM_VALIDITY).date()),
    )


def create_payment_link(
    session: Session,
    config: Config,
    *,
    claim_id: int,
    now: datetime,
    amount: int | None = None,
    installment_id: int | None = None,
    due_on: date | None = None,
) -> IssuedLink:
    """Make a link for a claim (or one installment of it, with its own `due_on`).

    `amount` fixes what the link pays; None means "the balance at the time of paying".
    """
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
        raise ValueError("amount is a whole number of minor units")
    if amount is not None and amount <= 0:
        raise ValueError("a payment link's amount is positive")
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NoSuchClaim(f"no claim {claim_id}")
    token = secrets.token_urlsafe(32)
    link = PaymentLink(
        token_hash=hash_token(token),
        claim_id=claim.id,
        installment_id=installment_id,
        amount=amount,
        expires_at=link_expiry(due_on or claim.due_date, config.payment_link_grace_days, now),
        created_at=now,
    )
    session.add(link)
    session.flush()
    return IssuedLink(link=link, token=token)


def resolve_payment_link(session: Session, token: str, *, now: datetime) -> PaymentLink:
    """The usable link for `token`, or PaymentLinkUnknown / PaymentLinkRevoked /
    PaymentLinkExpired. A revoked link reports revoked even after it would have expired."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise PaymentLinkUnknown("no such payment link")
    link = session.scalar(select(PaymentLink).where(PaymentLink.token_hash == hash_token(token)))
    if link is None:
        raise PaymentLinkUnknown("no such payment link")
    if link.revoked_at is not None:
        raise PaymentLinkRevoked(f"payment link {link.id} was revoked")
    if now > link.expires_at:
        raise PaymentLinkExpired(f"payment link {link.id} expired")
    return link


def revoke_payment_link(
    session: Session, link: PaymentLink, *, now: datetime, actor: Actor
) -> PaymentLink:
    """Revoke one link (from now on it shows "revoked"). Revoking twice changes nothing."""
    if link.revoked_at is not None:
        return link
    link.revoked_at = now
    claim = session.get(Claim, link.claim_id)
    audit.record(
        session,
        actor,
        "payment_link.revoked",
        object_type="payment_link",
        object_id=link.id,
        debtor_id=claim.debtor_id if claim is not None else None,
        claim_id=link.claim_id,
    )
    session.flush()
    return link


def revoke_links_for_claim(session: Session, claim_id: int, *, now: datetime, actor: Actor) -> int:
    """Revoke every link of the claim that still works; returns how many were revoked."""
    links = session.scalars(
        select(PaymentLink).where(
            PaymentLink.claim_id == claim_id,
            PaymentLink.revoked_at.is_(None),
            PaymentLink.expires_at >= now,
        )
    ).all()
    for link in links:
        revoke_payment_link(session, link, now=now, actor=actor)
    return len(links)


def links_for_claim(session: Session, claim_id: int) -> list[PaymentLink]:
    """All links ever made for the claim, newest first (for the staff claim page)."""
    return list(
        session.scalars(
            select(PaymentLink)
            .where(PaymentLink.claim_id == claim_id)
            .order_by(PaymentLink.created_at.desc(), PaymentLink.id.desc())
        )
    )
