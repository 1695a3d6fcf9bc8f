"""Share links for a debt overview: a debt counsellor sees it without login, with the
citizen's consent, for a limited time; every view is logged; the citizen can revoke it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.mail import Mailer
from portal.mail import MailMessage
from portal.models import OverviewDocument
from portal.models import ShareLink
from portal.models import ShareLinkView
from portal.services import audit
from portal.services import throttle
from portal.services.audit import Actor
from portal.services.overview_documents import NoSuchDocument

SHARE_DAYS = 14
#: e-mails with a share link per debtor in SHARE_MAIL_WINDOW (the database throttle)
SHARE_MAIL_LIMIT = 5
SHARE_MAIL_WINDOW = timedelta(hours=24)

_MAX_TOKEN_LENGTH = 100


class ConsentRequired(ValueError):
    """A share link needs the citizen's explicit consent; nothing was stored."""


class NoSuchShareLink(LookupError):
    """No share link with this id for this debtor."""


class TooManyShareEmails(Exception):
    """The debtor sent SHARE_MAIL_LIMIT e-mails in the window; nothing was sent."""


class ShareLinkInvalid(Exception):
    """Base class: the share link cannot be used. The subclasses say why."""


class ShareLinkUnknown(ShareLinkInvalid):
    """No link has this token (mistyped, cut off, or never made)."""


class ShareLinkExpired(ShareLinkInvalid):
    """The link was valid once and has expired."""


class ShareLinkRevoked(ShareLinkInvalid):
    """The citizen stopped sharing."""


@dataclass(frozen=True)
class IssuedShareLink:
    """A new link and its token. The token exists only here: show it once, then drop it."""

    link: ShareLink
    token: str


@dataclass(frozen=True)
class ActiveShareLink:
    link: ShareLink
    views: int


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_share_link(
    session: Session,
    config: Config,
    *,
    document_id: int,
    consent: bool,
    now: datetime,
    days: int = SHARE_DAYS,
) -> IssuedShareLink:
    """A link that shows the document without login for `days` days. Refused without consent."""
    if consent is not True:
        raise ConsentRequired("the citizen did not agree to share the overview")
    if days < 1 or days > 90:
        raise ValueError("a share link lasts 1 to 90 days")
    document = session.get(OverviewDocument, document_id)
    if document is None:
        raise NoSuchDocument(f"no document {document_id}")
    token = secrets.token_urlsafe(32)
    link = ShareLink(
        document_id=document.id,
        debtor_id=document.debtor_id,
        token_hash=hash_token(token),
        consent_at=now,
        expires_at=now + timedelta(days=days),
        created_at=now,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        Actor.citizen(document.debtor_id),
        "share_link.created",
        object_type="share_link",
        object_id=link.id,
        debtor_id=document.debtor_id,
        document_id=document.id,
        days=days,
    )
    session.flush()
    return IssuedShareLink(link=link, token=token)


def resolve_share_link(session: Session, token: str, *, now: datetime) -> ShareLink:
    """The usable link for `token`, or ShareLinkUnknown / ShareLinkRevoked / ShareLinkExpired.
    A revoked link reports revoked even after it would have expired."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise ShareLinkUnknown("no such share link")
    link = session.scalar(select(ShareLink).where(ShareLink.token_hash == hash_token(token)))
    if link is None:
        raise ShareLinkUnknown("no such share link")
    if link.revoked_at is not None:
        raise ShareLinkRevoked(f"share link {link.id} was revoked")
    if now >= link.expires_at:
        raise ShareLinkExpired(f"share link {link.id} expired")
    return link


def open_share_link(session: Session, token: str, *, now: datetime) -> OverviewDocument:
    """The shared document; logs the view (time only). Raises the ShareLinkInvalid kinds."""
    link = resolve_share_link(session, token, now=now)
    session.add(ShareLinkView(share_link_id=link.id, viewed_at=now))
    document = session.get(OverviewDocument, link.document_id)
    if document is None:  # pragma: no cover - a foreign key keeps it
        raise ShareLinkUnknown("the shared document is gone")
    session.flush()
    return document


def share_link_for_token(session: Session, token: str, *, now: datetime) -> ShareLink:
    """Like resolve_share_link, for pages that need the link itself (its end date)."""
    return resolve_share_link(session, token, now=now)


def revoke_share_link(
    session: Session, *, link_id: int, debtor_id: int, now: datetime, actor: Actor
) -> ShareLink:
    """Stop sharing: the link shows "no longer shared" from now on. Twice changes nothing."""
    link = session.get(ShareLink, link_id)
    if link is None or link.debtor_id != debtor_id:
        raise NoSuchShareLink(f"no share link {link_id} for this debtor")
    if link.revoked_at is None:
        link.revoked_at = now
        audit.record(
            session,
            actor,
            "share_link.revoked",
            object_type="share_link",
            object_id=link.id,
            debtor_id=debtor_id,
        )
        session.flush()
    return link


def active_share_links(
    session: Session, *, document_id: int, now: datetime
) -> list[ActiveShareLink]:
    """The document's links that still work, newest first, each with how often it was opened."""
    views = (
        select(ShareLinkView.share_link_id, func.count(ShareLinkView.id).label("views"))
        .group_by(ShareLinkView.share_link_id)
        .subquery()
    )
    rows = session.execute(
        select(ShareLink, func.coalesce(views.c.views, 0))
        .outerjoin(views, views.c.share_link_id == ShareLink.id)
        .where(
            ShareLink.document_id == document_id,
            ShareLink.revoked_at.is_(None),
            ShareLink.expires_at > now,
        )
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    ).all()
    return [ActiveShareLink(link, int(count)) for link, count in rows]


def view_count(session: Session, link_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(ShareLinkView.id)).where(ShareLinkView.share_link_id == link_id)
        )
        or 0
    )


def _mail_key(debtor_id: int) -> str:
    return f"share-mail:debtor:{debtor_id}"


def share_emails_blocked(session: Session, *, debtor_id: int, now: datetime) -> bool:
    """True when the debtor may not send another share e-mail now (check before making a link)."""
    return throttle.is_blocked(
        session, _mail_key(debtor_id), limit=SHARE_MAIL_LIMIT, window=SHARE_MAIL_WINDOW, now=now
    )


def email_share_link(
    session: Session,
    mailer: Mailer,
    *,
    link: ShareLink,
    message: MailMessage,
    now: datetime,
    actor: Actor,
) -> None:
    """Send `message` (the link, to a counsellor's address) and audit that it was sent.

    The address is not stored or logged: the audit entry names the link only. Raises
    TooManyShareEmails (nothing sent) or portal.mail.MailFailed (nothing sent); the caller
    then rolls back, so the link made for the e-mail is not kept either."""
    if share_emails_blocked(session, debtor_id=link.debtor_id, now=now):
        raise TooManyShareEmails(f"debtor {link.debtor_id} sent too many share e-mails")
    mailer.send(message)
    throttle.hit(
        session,
        _mail_key(link.debtor_id),
        limit=SHARE_MAIL_LIMIT,
        window=SHARE_MAIL_WINDOW,
        now=now,
    )
    audit.record(
        session,
        actor,
        "share_link.emailed",
        object_type="share_link",
        object_id=link.id,
        debtor_id=link.debtor_id,
        transport=mailer.name,
    )
    session.flush()
