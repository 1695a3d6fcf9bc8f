"""Evidence files for a remission application: PDF, JPEG or PNG only, recognised by their
first bytes (a renamed .exe is refused), size-limited, stored outside static/ under the data
directory with a random name. Only the applicant and staff with work.decide get them back.

The row is flushed first and the file written after it, so a row that cannot be stored
leaves no file. The file is tied to the session's transaction: when that transaction is
rolled back (or closed without a commit) the file is removed again, so no file stays on
disk without a row pointing at it. Only the session's commit keeps it.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import SessionTransaction

from portal.config import Config
from portal.domain.remission_states import RemissionState
from portal.domain.remission_states import transition
from portal.models import RemissionApplication
from portal.models import RemissionEvidence
from portal.services import audit
from portal.services.audit import Actor
from portal.services.remission import SUBJECT_TYPE
from portal.services.remission import NoSuchApplication

#: magic bytes -> content type (and the extension used for the download name)
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
#: files per application: more is not evidence, it is a mistake (or abuse)
MAX_FILES = 20
#: states in which the citizen may still add files
UPLOAD_STATES = frozenset(
    {RemissionState.DRAFT, RemissionState.PENDING_REVIEW, RemissionState.MORE_INFO_REQUESTED}
)
EVIDENCE_SUBJECT_TYPE = "remission_evidence"
#: session.info key: (transaction, path) of files written in a transaction not yet committed
_WRITTEN = "remission_evidence_written"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class EvidenceRejected(ValueError):
    """The file is not accepted. `reason`: empty, too_large, wrong_type, too_many, closed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"evidence rejected: {reason}")
        self.reason = reason


def detect_content_type(head: bytes) -> str | None:
    """The content type from the file's first bytes, or None when it is not PDF/JPEG/PNG."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def sanitise_filename(name: str | None, content_type: str) -> str:
    """A display name without paths or odd characters, ending in the detected type's
    extension (a "photo.exe" that is a PNG becomes "photo.exe.png")."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip(" ._") or "document"
    extension = EXTENSIONS[content_type]
    stem = base[: 100 - len(extension)]
    if not stem.lower().endswith(extension) and not (
        content_type == "image/jpeg" and stem.lower().endswith(".jpeg")
    ):
        stem += extension
    return stem


def evidence_dir(config: Config) -> Path:
    return config.effective_data_dir / "remission_evidence"


def evidence_path(config: Config, evidence: RemissionEvidence) -> Path:
    return evidence_dir(config) / evidence.storage_name


def store_evidence(
    session: Session,
    config: Config,
    application: RemissionApplication,
    *,
    data: bytes,
    filename: str | None,
    actor: Actor,
    now: datetime,
) -> RemissionEvidence:
    """Check and store one file. Raises EvidenceRejected and stores nothing when it fails.

    A file sent while the caseworker waits for more evidence puts the application back in
    their queue (pending review)."""
    state = application.remission_state
    if state not in UPLOAD_STATES:
        raise EvidenceRejected("closed")
    if not data:
        raise EvidenceRejected("empty")
    if len(data) > config.remission_evidence_max_bytes:
        raise EvidenceRejected("too_large")
    content_type = detect_content_type(data[:16])
    if content_type is None:
        raise EvidenceRejected("wrong_type")
    if len(application.evidence) >= MAX_FILES:
        raise EvidenceRejected("too_many")
    storage_name = secrets.token_urlsafe(32)
    evidence = RemissionEvidence(
        storage_name=storage_name,
        original_filename=sanitise_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        uploaded_at=now,
        uploaded_by_staff_id=actor.staff_user_id,
    )
    application.evidence.append(evidence)
    if state is RemissionState.MORE_INFO_REQUESTED:
        application.state = transition(state, RemissionState.PENDING_REVIEW).value
    application.updated_at = now
    session.flush()
    _write_file(session, evidence_dir(config), storage_name, data)
    audit.record(
        session,
        actor,
        "remission.evidence_uploaded",
        object_type=SUBJECT_TYPE,
        object_id=application.id,
        debtor_id=application.debtor_id,
        evidence_id=evidence.id,
        content_type=content_type,
        size=len(data),
    )
    return evidence


def _write_file(session: Session, folder: Path, storage_name: str, data: bytes) -> None:
    """Write the bytes under a new name and tie the file to the session's transaction."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / storage_name
    # O_EXCL: never overwrite; 0o600: readable by the portal's user only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_WRITTEN, []).append((transaction, path))


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_rolled_back_files(session: Session, previous: SessionTransaction) -> None:
    """A savepoint (or the whole transaction) rolled back: its rows are gone, so its files go."""
    written = session.info.get(_WRITTEN)
    if not written:
        return
    for transaction, path in written:
        if _inside(transaction, previous):
            path.unlink(missing_ok=True)
    session.info[_WRITTEN] = [item for item in written if not _inside(item[0], previous)]


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction: SessionTransaction) -> None:
    """The outer transaction ended without a commit (a rollback, or close() on teardown)."""
    if transaction.parent is not None:
        return  # a savepoint: its rollback is handled above, its release keeps the files
    for _transaction, path in session.info.pop(_WRITTEN, ()):
        path.unlink(missing_ok=True)


def get_evidence(
    session: Session, evidence_id: int, *, debtor_id: int | None = None
) -> RemissionEvidence:
    """The evidence row; with `debtor_id` only when it belongs to that debtor's application."""
    evidence = session.get(RemissionEvidence, evidence_id)
    if evidence is None:
        raise NoSuchApplication(f"no evidence {evidence_id}")
    if debtor_id is not None and evidence.application.debtor_id != debtor_id:
        raise NoSuchApplication(f"no evidence {evidence_id}")
    return evidence


def record_evidence_viewed(session: Session, evidence: RemissionEvidence, *, actor: Actor) -> None:
    """Audit that a staff member opened a document (remission.evidence_viewed). The details
    carry ids only: a file name may carry personal data."""
    audit.record(
        session,
        actor,
        "remission.evidence_viewed",
        object_type=EVIDENCE_SUBJECT_TYPE,
        object_id=evidence.id,
        debtor_id=evidence.application.debtor_id,
        application_id=evidence.application_id,
    )
    session.flush()
