"""Disputes ("this bill is wrong"): a hold pauses collection, a work item goes to the
department, and each decision (uphold, correct, cancel) releases the hold."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import WorkItem
from portal.models.dispute import Dispute
from portal.services import disputes as svc
from portal.services.audit import Actor
from portal.services.holds import collection_paused
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 32


@pytest.fixture(autouse=True)
def evidence_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "dispute_evidence"
    monkeypatch.setattr("portal.services.disputes.evidence_dir", lambda config: folder)
    return folder


@pytest.fixture
def claim(db_session: Session) -> Claim:
    return make_claim(db_session, make_debtor(db_session, "Dora Dispute"), 20_000)


def _open(
    session: Session, app: Flask, claim: Claim, evidence: svc.Evidence | None = None
) -> Dispute:
    return svc.open_dispute(
        session,
        app.config["SALDO"],
        claim,
        reason="amount_wrong",
        text="I was charged twice.",
        evidence=evidence,
        actor=Actor.citizen(claim.debtor_id),
        today=TODAY,
        now=NOW,
    )


def _decide(session: Session, dispute: Dispute, outcome: str, amount: int | None = None) -> Dispute:
    staff = make_staff(session, "department_clerk")
    return svc.decide_dispute(
        session,
        dispute,
        outcome=outcome,
        note="We checked the meter readings.",
        correction_amount=amount,
        staff_user_id=staff.id,
        today=TODAY + timedelta(days=3),
        now=NOW + timedelta(days=3),
    )


def test_opening_a_dispute_pauses_collection_and_queues_it_for_the_department(
    app: Flask, db_session: Session, claim: Claim
) -> None:
    dispute = _open(db_session, app, claim)

    assert dispute.state == "open"
    assert collection_paused(db_session, claim.id, TODAY)
    item = db_session.scalar(select(WorkItem).where(WorkItem.kind == "dispute"))
    assert item is not None
    assert (item.subject_id, item.department_id, item.debtor_id) == (
        dispute.id,
        claim.department_id,
        claim.debtor_id,
    )
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "dispute.opened"))
    assert event is not None
    assert event.details["reason"] == "amount_wrong"
    assert "charged twice" not in str(event.details)


def test_a_second_dispute_on_the_same_bill_waits_for_the_first(
    app: Flask, db_session: Session, claim: Claim
) -> None:
    _open(db_session, app, claim)
    with pytest.raises(svc.DisputeError) as raised:
        _open(db_session, app, claim)
    assert raised.value.reason == "already_open"


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (EXE, "wrong_type"), (PDF + b"x" * svc.MAX_EVIDENCE_BYTES, "too_large")],
)
def test_bad_evidence_is_refused_and_nothing_is_stored(
    app: Flask,
    db_session: Session,
    claim: Claim,
    evidence_folder: Path,
    data: bytes,
    reason: str,
) -> None:
    with pytest.raises(svc.DisputeError) as raised:
        _open(db_session, app, claim, svc.Evidence(data, "bill.pdf"))

    assert raised.value.reason == reason
    assert db_session.scalar(select(Dispute)) is None
    assert not collection_paused(db_session, claim.id, TODAY)
    assert not evidence_folder.exists() or not any(evidence_folder.iterdir())


def test_evidence_is_stored_outside_static_with_a_random_name(
    app: Flask, db_session: Session, claim: Claim, evidence_folder: Path
) -> None:
    dispute = _open(db_session, app, claim, svc.Evidence(PDF, "../../etc/my bill.pdf"))

    assert dispute.evidence_name == "my bill.pdf"
    assert dispute.evidence_content_type == "application/pdf"
    path = svc.evidence_path(app.config["SALDO"], dispute)
    assert path is not None
    assert path.parent == evidence_folder
    assert path.read_bytes() == PDF
    assert "bill" not in path.name


def test_upholding_keeps_the_bill_and_releases_the_hold(
    app: Flask, db_session: Session, claim: Claim
) -> None:
    dispute = _decide(db_session, _open(db_session, app, claim), "upheld")

    assert dispute.state == "upheld"
    assert dispute.decision_note == "We checked the meter readings."
    assert claim.balance == 20_000
    assert not collection_paused(db_session, claim.id, TODAY + timedelta(days=3))
    item = db_session.scalar(select(WorkItem).where(WorkItem.kind == "dispute"))
    assert item is not None
    assert (item.state, item.outcome) == ("done", "upheld")


def test_a_correction_lowers_the_bill_with_a_correction_entry(
    app: Flask, db_session: Session, claim: Claim
) -> None:
    dispute = _decide(db_session, _open(db_session, app, claim), "corrected", 5_000)

    assert (dispute.state, dispute.correction_amount) == ("corrected", 5_000)
    assert claim.balance == 15_000
    causes = db_session.scalars(
        select(LedgerEntry.cause).where(LedgerEntry.claim_id == claim.id, LedgerEntry.amount < 0)
    ).all()
    assert causes == ["correction"]
    assert not collection_paused(db_session, claim.id, TODAY + timedelta(days=3))


def test_cancelling_brings_the_bill_to_zero(app: Flask, db_session: Session, claim: Claim) -> None:
    dispute = _decide(db_session, _open(db_session, app, claim), "cancelled")

    assert dispute.state == "cancelled"
    assert claim.balance == 0
    assert claim.cancelled_on == TODAY + timedelta(days=3)


@pytest.mark.parametrize(
    ("outcome", "note", "amount", "reason"),
    [
        ("upheld", "  ", None, "note_required"),
        ("corrected", "Meter", None, "bad_amount"),
        ("corrected", "Meter", 20_001, "amount_too_large"),
        ("forgotten", "Meter", None, "bad_outcome"),
    ],
)
def test_a_bad_decision_changes_nothing(
    app: Flask,
    db_session: Session,
    claim: Claim,
    outcome: str,
    note: str,
    amount: int | None,
    reason: str,
) -> None:
    dispute = _open(db_session, app, claim)
    staff = make_staff(db_session, "caseworker")
    with pytest.raises(svc.DisputeError) as raised:
        svc.decide_dispute(
            db_session,
            dispute,
            outcome=outcome,
            note=note,
            correction_amount=amount,
            staff_user_id=staff.id,
            today=TODAY,
            now=NOW,
        )
    assert raised.value.reason == reason
    assert dispute.state == "open"
    assert claim.balance == 20_000
    assert collection_paused(db_session, claim.id, TODAY)


def test_a_decided_dispute_cannot_be_decided_again(
    app: Flask, db_session: Session, claim: Claim
) -> None:
    dispute = _decide(db_session, _open(db_session, app, claim), "upheld")
    with pytest.raises(svc.DisputeError) as raised:
        _decide(db_session, dispute, "cancelled")
    assert raised.value.reason == "already_decided"
    assert claim.cancelled_on is None


def test_a_clerk_only_finds_disputes_of_their_own_department(
    app: Flask, db_session: Session, claim: Claim
) -> None:
    dispute = _open(db_session, app, claim)
    assert svc.get_dispute(db_session, dispute.id, department_id=claim.department_id) is dispute
    with pytest.raises(svc.DisputeError):
        svc.get_dispute(db_session, dispute.id, department_id=claim.department_id + 999)
    assert svc.list_disputes(db_session, department_id=claim.department_id + 999) == []
    assert svc.list_disputes(db_session, department_id=claim.department_id) == [dispute]
