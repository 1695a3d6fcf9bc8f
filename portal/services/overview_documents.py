"""Debt overview documents: a PDF of everything a debtor owes, to keep or to give a counsellor.

The document is made at once (render_document) from the same `build_overview` the overview page
uses, so the PDF and the page cannot disagree. It carries a random verification code: anyone
with the code can check on /verify that the document is genuine, its date and total, and
whether the debt changed since; nothing else (no names).

Share links follow the payment-link pattern (decisions.md "PaymentLink tokens"): a random token
shown once, stored only as its SHA-256, expiring, revocable one by one. Every opening of a
share link is logged (time only, no IP address), and the citizen sees how often it was opened.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import SUPPORTED_LOCALES
from portal.config import Config
from portal.documents.delivery import Recipient
from portal.documents.render import render_document
from portal.domain.references import InvalidReference
from portal.domain.references import normalise as normalise_reference
from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import Debtor
from portal.models import LedgerEntry
from portal.models import OverviewDocument
from portal.services import audit
from portal.services.audit import Actor
from portal.services.overview import ClaimCard
from portal.services.overview import Overview
from portal.services.overview import build_overview

TEMPLATE = "debt_overview.html"
#: no look-alikes (0/O, 1/I): 32 symbols, 10 of them = 50 bits, and /verify is throttled
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
#: token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
_NOT_CODE = re.compile(r"[\s-]+")


class NoSuchDebtor(LookupError):
    """A document was asked for a debtor that does not exist."""


class NoSuchDocument(LookupError):
    """No document with this id for this debtor (the caller answers 404)."""


@dataclass(frozen=True)
class DocumentClaim:
    """One open claim as the document lists it: what was charged, what came off, what is left."""

    card: ClaimCard
    fees: int
    interest: int
    #: payments, and anything else that brought the claim down (remission, corrections)
    paid_or_reduced: int


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """ABCDEFGHJK -> ABCDE-FGHJK: easier to read out and to type."""
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str | None:
    """What a person typed (any case, spaces or dashes) as a stored code, or None."""
    code = _NOT_CODE.sub("", text or "").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def verify_url(config: Config) -> str:
    return config.public_base_url.rstrip("/") + "/verify"


def _ledger_totals(session: Session, claim_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per claim, the sum of its ledger entries per cause (one grouped query)."""
    if not claim_ids:
        return {}
    rows = session.execute(
        select(LedgerEntry.claim_id, LedgerEntry.cause, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.claim_id.in_(claim_ids))
        .group_by(LedgerEntry.claim_id, LedgerEntry.cause)
    ).all()
    totals: dict[int, dict[str, int]] = {}
    for claim_id, cause, amount in rows:
        totals.setdefault(claim_id, {})[cause] = int(amount or 0)
    return totals


def document_claims(session: Session, overview: Overview) -> dict[int, DocumentClaim]:
    """Each open claim of the overview with its fees, interest and what came off."""
    cards = [card for group in overview.groups for card in group.cards]
    totals = _ledger_totals(session, [card.claim_id for card in cards])
    lines: dict[int, DocumentClaim] = {}
    for card in cards:
        by_cause = totals.get(card.claim_id, {})
        fees = max(by_cause.get("reminder_fee", 0), 0)
        interest = max(by_cause.get("interest", 0), 0)
        reduced = card.original_amount + fees + interest - card.amount_due_now
        lines[card.claim_id] = DocumentClaim(card, fees, interest, max(reduced, 0))
    return lines


def document_context(
    session: Session,
    rules: RulePack,
    config: Config,
    *,
    debtor: Debtor,
    as_of: date,
    now: datetime | None,
    verification_code: str,
) -> dict[str, Any]:
    """What templates/documents/debt_overview.html (and the shared page) show."""
    overview = build_overview(
        session, rules, debtor_id=debtor.id, claim_scope=None, as_of=as_of, now=now
    )
    return {
        "recipient": Recipient.of(debtor),
        "letter_date": as_of,
        "overview": overview,
        "lines": document_claims(session, overview),
        "verification_code": display_code(verification_code),
        "verify_url": verify_url(config),
        "payee": {"name": config.payee_name, "iban": config.payee_iban, "bic": config.payee_bic},
        "collector_names": dict(rules.collector_names),
    }


def _requester_id(actor: Actor, debtor_id: int) -> tuple[str, int]:
    if actor.kind == "citizen":
        return "citizen", debtor_id
    if actor.kind == "staff" and actor.staff_user_id is not None:
        return "staff", actor.staff_user_id
    raise ValueError("a debt overview is requested by the citizen or a staff member")


def _unused_code(session: Session) -> str:
    while True:  # 50 bits: a clash is as good as impossible, but never print a code twice
        code = new_verification_code()
        taken = session.scalar(
            select(OverviewDocument.id).where(OverviewDocument.verification_code == code)
        )
        if taken is None:
            return code


def create_overview_document(
    session: Session,
    rules: RulePack,
    config: Config,
    *,
    debtor_id: int,
    requested_by: Actor,
    locale: str,
    now: datetime,
    as_of: date,
) -> OverviewDocument:
    """Render the debtor's full debt overview to PDF now, store it, and audit the request.

    Always the full overview (every open claim): a letter-code login must not get one, since
    the document says it lists everything; the view sends such citizens to eID login.
    """
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NoSuchDebtor(f"no debtor {debtor_id}")
    kind, requester = _requester_id(requested_by, debtor_id)
    code = _unused_code(session)
    context = document_context(
        session, rules, config, debtor=debtor, as_of=as_of, now=now, verification_code=code
    )
    overview: Overview = context["overview"]
    pdf = render_document(TEMPLATE, context, locale)
    document = OverviewDocument(
        debtor_id=debtor.id,
        requested_by_kind=kind,
        requested_by_id=requester,
        locale=locale,
        as_of=as_of,
        verification_code=code,
        total=overview.total_owed,
        currency=overview.currency,
        claim_count=overview.open_count,
        pdf=pdf,
        created_at=now,
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        requested_by,
        "overview_document.created",
        object_type="overview_document",
        object_id=document.id,
        debtor_id=debtor.id,
        requested_by=kind,
        claim_count=overview.open_count,
    )
    session.flush()
    return document


def get_document(session: Session, *, document_id: int, debtor_id: int) -> OverviewDocument:
    """The debtor's own document, or NoSuchDocument (also for someone else's)."""
    document = session.get(OverviewDocument, document_id)
    if document is None or document.debtor_id != debtor_id:
        raise NoSuchDocument(f"no document {document_id} for this debtor")
    return document


def recent_documents(session: Session, debtor_id: int, limit: int = 5) -> list[OverviewDocument]:
    return list(
        session.scalars(
            select(OverviewDocument)
            .where(OverviewDocument.debtor_id == debtor_id)
            .order_by(OverviewDocument.created_at.desc(), OverviewDocument.id.desc())
            .limit(limit)
        )
    )


def verify(session: Session, code: str) -> OverviewDocument | None:
    """The document with this verification code (typed in any form), or None."""
    normal = normalise_code(code)
    if normal is None:
        return None
    return session.scalar(
        select(OverviewDocument).where(OverviewDocument.verification_code == normal)
    )


def current_total(session: Session, rules: RulePack, *, debtor_id: int, as_of: date) -> int:
    """What the debtor owes today: /verify says whether the debt changed since the document."""
    return build_overview(
        session, rules, debtor_id=debtor_id, claim_scope=None, as_of=as_of
    ).total_owed


def find_debtor_by_reference(session: Session, rules: RulePack, text: str) -> Debtor | None:
    """The debtor whose claim has this payment reference (typed in any layout), or None."""
    if not text or len(text) > 60:
        return None
    try:
        reference = normalise_reference(rules.reference_scheme, text)
    except InvalidReference:
        return None
    debtor_id = session.scalar(select(Claim.debtor_id).where(Claim.reference == reference))
    return session.get(Debtor, debtor_id) if debtor_id is not None else None
