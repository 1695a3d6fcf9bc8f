"""Remission evidence files follow the database transaction (no orphan files), a staff
download is audited without the file name, and the batch delivers stored decision letters."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.batch.steps import BATCH_STEPS
from portal.documents.delivery import DeliveryFailed
from portal.documents.delivery import Recipient
from portal.models import AuditEvent
from portal.models import Letter
from portal.models import RemissionApplication
from portal.models import RemissionEvidence
from portal.services import remission_batch
from portal.services import remission_evidence as evidence
from portal.services import remission_submission as submission
from portal.services.audit import Actor
from portal.services.remission_letters import LETTER_KIND
from tests.support.factories import TODAY
from tests.support.primitives import make_staff
from tests.support.remission import NOW
from tests.support.remission import PDF
from tests.support.remission import PNG
from tests.support.remission import complete_draft
from tests.support.remission import evidence_in
from tests.support.remission import tax_debtor


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    evidence_in(monkeypatch, tmp_path)
    return tmp_path


def _draft(session: Session) -> RemissionApplication:
    info = tax_debtor(session)
    return complete_draft(session, info.debtor.id, (info.eligible[0].id,))


def _store(app: Flask, session: Session, application: RemissionApplication, data: bytes = PDF):  # type: ignore[no-untyped-def]
    return evidence.store_evidence(
        session,
        app.config["SALDO"],
        application,
        data=data,
        filename="Jansen bank statement.pdf",
        actor=Actor.citizen(application.debtor_id),
        now=NOW,
    )


def _rows(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(RemissionEvidence)) or 0)


def test_a_committed_upload_keeps_its_file(app: Flask, db_session: Session, folder: Path) -> None:
    application = _draft(db_session)
    stored = _store(app, db_session, application)
    db_session.commit()
    assert (folder / stored.storage_name).read_bytes() == PDF


def test_a_rolled_back_upload_leaves_no_file(app: Flask, db_session: Session, folder: Path) -> None:
    application = _draft(db_session)
    db_session.commit()
    stored = _store(app, db_session, application)
    assert (folder / stored.storage_name).is_file()  # written once the row was flushed

    db_session.rollback()

    assert list(folder.iterdir()) == []
    assert _rows(db_session) == 0


def test_a_rolled_back_savepoint_removes_only_its_own_file(
    app: Flask, db_session: Session, folder: Path
) -> None:
    application = _draft(db_session)
    kept = _store(app, db_session, application).storage_name
    savepoint = db_session.begin_nested()
    dropped = _store(app, db_session, application, PNG).storage_name
    savepoint.rollback()
    db_session.commit()

    assert [path.name for path in folder.iterdir()] == [kept]
    assert dropped != kept


def test_a_row_that_cannot_be_stored_writes_no_file(
    app: Flask, db_session: Session, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = _draft(db_session)
    first = _store(app, db_session, application)
    db_session.commit()
    # The same random name again: the unique storage name makes the flush fail.
    monkeypatch.setattr(evidence.secrets, "token_urlsafe", lambda _size: first.storage_name)

    with pytest.raises(IntegrityError):
        _store(app, db_session, application, PNG)
    db_session.rollback()

    assert [path.name for path in folder.iterdir()] == [first.storage_name]
    assert (folder / first.storage_name).read_bytes() == PDF


def test_a_staff_view_of_evidence_is_audited_with_ids_only(
    app: Flask, db_session: Session, folder: Path
) -> None:
    application = _draft(db_session)
    stored = _store(app, db_session, application)
    staff = make_staff(db_session, "caseworker")

    evidence.record_evidence_viewed(db_session, stored, actor=Actor.staff(staff.id))

    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "remission.evidence_viewed")
    ).one()
    assert (event.object_type, event.object_id) == ("remission_evidence", stored.id)
    assert (event.staff_user_id, event.debtor_id) == (staff.id, application.debtor_id)
    assert event.details == {"application_id": application.id}
    assert "Jansen" not in str(event.details)


def _decided_with_letter(app: Flask, session: Session) -> Letter:
    """A full grant within policy, decided on submission: its letter is stored, not sent."""
    application = _draft(session)
    submission.submit_application(
        session,
        app.config["RULE_PACK"],
        application,
        actor=Actor.citizen(application.debtor_id),
        now=NOW,
        as_of=TODAY,
    )
    assert application.state == "granted"
    return session.scalars(
        select(Letter).where(Letter.debtor_id == application.debtor_id, Letter.kind == LETTER_KIND)
    ).one()


def test_the_batch_delivers_stored_remission_letters_once(app: Flask, db_session: Session) -> None:
    letter = _decided_with_letter(app, db_session)
    assert letter.delivered_at is None
    rules = app.config["RULE_PACK"]

    first = remission_batch.deliver_remission_letters(db_session, rules, as_of=TODAY)
    second = remission_batch.deliver_remission_letters(db_session, rules, as_of=TODAY)

    assert first == {"delivered": 1, "failed": 0}
    assert second == {"delivered": 0, "failed": 0}
    assert letter.delivered_at is not None
    assert letter.channel == "console"


class _Down:
    name = "down"

    def deliver(self, letter: Letter, pdf: bytes, recipient: Recipient) -> None:
        raise DeliveryFailed("mail server down")


def test_a_failed_delivery_stays_for_the_next_run(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    letter = _decided_with_letter(app, db_session)
    monkeypatch.setattr(remission_batch, "get_delivery_adapter", lambda config: _Down())

    counts = remission_batch.deliver_remission_letters(
        db_session, app.config["RULE_PACK"], as_of=TODAY
    )

    assert counts == {"delivered": 0, "failed": 1}
    assert letter.delivered_at is None


def test_the_letter_step_runs_in_the_nightly_batch_after_the_remission_checks() -> None:
    names = [step.name for step in BATCH_STEPS]
    assert names.index("remission_checks") < names.index("remission_letter_delivery")
    step = BATCH_STEPS[names.index("remission_letter_delivery")]
    assert step.run is remission_batch.deliver_remission_letters
    assert step.money is False
