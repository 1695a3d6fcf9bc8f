"""Disputes: a citizen says "this bill is wrong" (issue 6, "Disputes and legal stops").

Opening one pauses collection on the claim (a CollectionHold "dispute") and puts a work item
in the department clerk's queue. The clerk or a caseworker decides: uphold (the bill stands),
correct (a ledger correction lowers the bill) or cancel the claim. Every outcome releases the
hold; the citizen reads the outcome and its reason on the claim page.

Evidence files follow the remission evidence rules (portal/services/remission_evidence.py):
PDF, JPEG or PNG recognised by their first bytes, size-limited, stored outside static/ under
the data directory with a random name.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import Claim
from portal.models import CollectionHold
from portal.models import WorkItem
from portal.models.dispute import DISPUTE_REASONS
from portal.models.dispute import Dispute
from portal.services import audit
from portal.services import holds
from portal.services import work
from portal.services.audit import Actor
from portal.services.department_claims import cancel_claim
from portal.services.department_claims import credit_claim
from portal.services.remission_evidence import detect_content_type
from portal.services.remission_evidence import sanitise_filename

SUBJECT_TYPE = "dispute"
OUTCOMES = ("upheld", "corrected", "cancelled")
MAX_TEXT = 2000
MAX_NOTE = 2000
#: an evidence file is a photo or a scan of a letter; more is a mistake
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


class DisputeError(ValueError):
    """The request cannot be done. `reason` is a code the view turns into words:
    bad_reason, text_too_long, claim_closed, already_open, empty, too_large, wrong_type,
    bad_outcome, note_required, note_too_long, bad_amount, amount_too_large, already_decided,
    not_found."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Evidence:
    data: bytes
    filename: str | None


def evidence_dir(config: Config) -> Path:
    return config.effective_data_dir / "dispute_evidence"


def evidence_path(config: Config, dispute: Dispute) -> Path | None:
    if dispute.evidence_storage_name is None:
        return None
    return evidence_dir(config) / dispute.evidence_storage_name


def open_dispute_for(session: Session, claim_id: int) -> Dispute | None:
    return session.scalar(
        select(Dispute).where(Dispute.claim_id == claim_id, Dispute.state == "open")
    )


def latest_dispute(session: Session, claim_id: int) -> Dispute | None:
    """The claim's most recent dispute (open or decided), for the claim page."""
    return session.scalar(
        select(Dispute).where(Dispute.claim_id == claim_id).order_by(Dispute.id.desc()).limit(1)
    )


def _check_evidence(evidence: Evidence | None) -> str | None:
    """The detected content type, or None without a file. Raises DisputeError."""
    if evidence is None:
        return None
    if not evidence.data:
        raise DisputeError("empty")
    if len(evidence.data) > MAX_EVIDENCE_BYTES:
        raise DisputeError("too_large")
    content_type = detect_content_type(evidence.data[:16])
    if content_type is None:
        raise DisputeError("wrong_type")
    return content_type


def _write_file(config: Config, data: bytes) -> str:
    storage_name = secrets.token_urlsafe(32)
    folder = evidence_dir(config)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_EXCL: never overwrite; 0o600: readable by the portal's user only.
    descriptor = os.open(folder / storage_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return storage_name


def open_dispute(
    session: Session,
    config: Config,
    claim: Claim,
    *,
    reason: str,
    text: str,
    evidence: Evidence | None,
    actor: Actor,
    today: date,
    now: datetime,
) -> Dispute:
    """Record the dispute, pause collection on the claim, queue it for the department.

    Raises DisputeError and changes nothing when the input or the claim does not allow it.
    The evidence file is written before the row; a rollback afterwards leaves an orphan file,
    never a row without its file.
    """
    if reason not in DISPUTE_REASONS:
        raise DisputeError("bad_reason")
    cleaned = (text or "").strip()
    if len(cleaned) > MAX_TEXT:
        raise DisputeError("text_too_long")
    if claim.cancelled_on is not None:
        raise DisputeError("claim_closed")
    if open_dispute_for(session, claim.id) is not None:
        raise DisputeError("already_open")
    content_type = _check_evidence(evidence)
    dispute = Dispute(
        claim_id=claim.id,
        debtor_id=claim.debtor_id,
        reason=reason,
        text=cleaned,
        state="open",
        opened_at=now,
        opened_by_staff_id=actor.staff_user_id,
    )
    if evidence is not None and content_type is not None:
        dispute.evidence_storage_name = _write_file(config, evidence.data)
        dispute.evidence_name = sanitise_filename(evidence.filename, content_type)
        dispute.evidence_content_type = content_type
        dispute.evidence_size = len(evidence.data)
    try:
        with session.begin_nested():
            session.add(dispute)
            session.flush()
    except IntegrityError:
        # A second submit raced the first (one open dispute per claim).
        raise DisputeError("already_open") from None
    holds.place_hold(
        session, claim.id, holds.DISPUTE, starts_on=today, source=f"dispute:{dispute.id}"
    )
    work.open_work_item(
        session,
        work.DISPUTE,
        SUBJECT_TYPE,
        dispute.id,
        debtor_id=claim.debtor_id,
        department_id=claim.department_id,
        now=now,
    )
    audit.record(
        session,
        actor,
        "dispute.opened",
        object_type=SUBJECT_TYPE,
        object_id=dispute.id,
        debtor_id=claim.debtor_id,
        claim_id=claim.id,
        reason=reason,
        evidence=dispute.evidence_storage_name is not None,
    )
    return dispute


def get_dispute(session: Session, dispute_id: int, *, department_id: int | None) -> Dispute:
    """The dispute; with `department_id` only when its claim belongs to that department
    (a department clerk sees only their own department's bills). Raises DisputeError."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None or (
        department_id is not None and dispute.claim.department_id != department_id
    ):
        raise DisputeError("not_found")
    return dispute


def list_disputes(
    session: Session, *, state: str | None = "open", department_id: int | None = None
) -> list[Dispute]:
    """Disputes oldest first (open ones by default), optionally of one department."""
    query = select(Dispute).join(Claim, Claim.id == Dispute.claim_id)
    if state is not None:
        query = query.where(Dispute.state == state)
    if department_id is not None:
        query = query.where(Claim.department_id == department_id)
    return list(session.scalars(query.order_by(Dispute.opened_at, Dispute.id)))


def decide_dispute(
    session: Session,
    dispute: Dispute,
    *,
    outcome: str,
    note: str,
    correction_amount: int | None,
    staff_user_id: int,
    today: date,
    now: datetime,
) -> Dispute:
    """Decide an open dispute. Raises DisputeError (already_decided for a stale form) and
    changes nothing when it fails."""
    session.refresh(dispute, with_for_update=True)  # two clerks at once: the second is stale
    if dispute.state != "open":
        raise DisputeError("already_decided")
    if outcome not in OUTCOMES:
        raise DisputeError("bad_outcome")
    cleaned = (note or "").strip()
    if not cleaned:
        raise DisputeError("note_required")
    if len(cleaned) > MAX_NOTE:
        raise DisputeError("note_too_long")
    claim = dispute.claim
    actor = Actor.staff(staff_user_id)
    if outcome == "corrected":
        if correction_amount is None or correction_amount <= 0:
            raise DisputeError("bad_amount")
        if correction_amount > claim.principal_due:
            raise DisputeError("amount_too_large")
        if claim.cancelled_on is not None:
            raise DisputeError("claim_closed")
        credit_claim(
            session,
            claim,
            correction_amount,
            reason="dispute",
            on=today,
            actor=actor,
            token_id=None,
        )
        dispute.correction_amount = correction_amount
    elif outcome == "cancelled":
        cancel_claim(session, claim, on=today, actor=actor, token_id=None)
    dispute.state = outcome
    dispute.decided_at = now
    dispute.decided_by_id = staff_user_id
    dispute.decision_note = cleaned
    _release(session, dispute, today)
    item = session.scalar(
        select(WorkItem).where(
            WorkItem.kind == work.DISPUTE,
            WorkItem.subject_type == SUBJECT_TYPE,
            WorkItem.subject_id == dispute.id,
            WorkItem.state == "open",
        )
    )
    if item is not None:
        work.close_work_item(session, item, outcome=outcome, staff_user_id=staff_user_id, now=now)
    audit.record(
        session,
        actor,
        "dispute.decided",
        object_type=SUBJECT_TYPE,
        object_id=dispute.id,
        debtor_id=dispute.debtor_id,
        claim_id=claim.id,
        outcome=outcome,
        correction_amount=dispute.correction_amount,
    )
    session.flush()
    return dispute


def _release(session: Session, dispute: Dispute, today: date) -> None:
    source = f"dispute:{dispute.id}"
    for hold in session.scalars(
        select(CollectionHold).where(
            CollectionHold.claim_id == dispute.claim_id,
            CollectionHold.source == source,
            CollectionHold.ends_on.is_(None),
        )
    ):
        holds.release_hold(session, hold, on=today)
