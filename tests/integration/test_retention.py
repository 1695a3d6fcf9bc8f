"""Retention: the personal data of debtors whose claims all closed long ago is anonymised;
amounts and the ledger stay, a second run changes nothing, open debtors are kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.batch.runner import run_batch
from portal.batch.runner import select_steps
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import ContactNote
from portal.models import Debtor
from portal.models import Dispute
from portal.models import LedgerEntry
from portal.models import Letter
from portal.services.retention import anonymise_expired
from portal.services.retention import closed_debtors
from portal.services.retention import retention_years
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.primitives import make_staff

AS_OF = date(2026, 11, 23)
LONG_AGO = date(2019, 3, 1)


@pytest.fixture
def data_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(
        app.config, "SALDO", app.config["SALDO"].with_overrides(data_dir=str(tmp_path))
    )
    return tmp_path


def _paid_off_long_ago(session: Session, name: str, national_id: str | None = None) -> Debtor:
    debtor = make_debtor(
        session,
        name,
        national_id=national_id,
        email="old@example.test",
        phone="0612345678",
        address="Oude Straat 1",
    )
    claim = make_claim(session, debtor, 12_000, issue_date=date(2018, 6, 1))
    pay(session, debtor, 12_000, claim=claim, on=LONG_AGO)
    return debtor


def _with_personal_records(session: Session, debtor: Debtor, data_dir: Path) -> None:
    staff = make_staff(session)
    claim = session.scalars(select(Claim).where(Claim.debtor_id == debtor.id)).first()
    assert claim is not None
    session.add(
        ContactNote(
            debtor_id=debtor.id,
            staff_user_id=staff.id,
            channel="phone",
            outcome="reached",
            note="Lives with sister, ill since May",
        )
    )
    (data_dir / "dispute_evidence").mkdir(parents=True, exist_ok=True)
    (data_dir / "dispute_evidence" / "evidence-abc").write_bytes(b"%PDF-1.7 private")
    session.add(
        Dispute(
            claim_id=claim.id,
            debtor_id=debtor.id,
            reason="amount_wrong",
            text="My name is on this bill",
            state="upheld",
            evidence_storage_name="evidence-abc",
            evidence_name="bill.pdf",
            evidence_content_type="application/pdf",
            evidence_size=16,
        )
    )
    session.add(
        Letter(
            debtor_id=debtor.id,
            kind="receipt",
            template="letters/receipt.html",
            locale="nl",
            pdf=b"%PDF-1.7 name and address",
        )
    )
    session.flush()


def _totals(session: Session) -> tuple[int, int, int]:
    balances = session.scalar(
        select(func.coalesce(func.sum(Claim.principal_due + Claim.fee_due + Claim.interest_due), 0))
    )
    ledger = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)))
    count = session.scalar(select(func.count(LedgerEntry.id)))
    return int(balances or 0), int(ledger or 0), int(count or 0)


def test_old_closed_debtors_lose_their_personal_data_and_the_totals_stay(
    app: Flask, db_session: Session, data_dir: Path
) -> None:
    old = _paid_off_long_ago(db_session, "Anna Oud", national_id="111222333")
    _with_personal_records(db_session, old, data_dir)
    before = _totals(db_session)

    counts = anonymise_expired(db_session, app.config["RULE_PACK"], as_of=AS_OF)

    db_session.expire_all()
    debtor = db_session.get(Debtor, old.id)
    assert debtor is not None
    assert debtor.name == f"#{old.id}"
    assert "Anna" not in debtor.name
    assert (debtor.email, debtor.phone, debtor.address) == (None, None, None)
    assert (debtor.national_id_hash, debtor.national_id_encrypted, debtor.national_id_last4) == (
        None,
        None,
        None,
    )
    assert debtor.anonymised_on == AS_OF
    note = db_session.scalars(select(ContactNote).where(ContactNote.debtor_id == old.id)).one()
    assert note.note == ""
    dispute = db_session.scalars(select(Dispute).where(Dispute.debtor_id == old.id)).one()
    assert (dispute.text, dispute.evidence_storage_name) == ("", None)
    assert not (data_dir / "dispute_evidence" / "evidence-abc").exists()
    letter = db_session.scalars(select(Letter).where(Letter.debtor_id == old.id)).one()
    assert letter.pdf == b""
    assert _totals(db_session) == before
    assert counts["debtors"] >= 1
    assert counts["contact_notes"] >= 1
    assert counts["dispute_files"] == 1
    assert counts["letters"] >= 1


def test_a_second_run_anonymises_nothing_new(
    app: Flask, db_session: Session, data_dir: Path
) -> None:
    _with_personal_records(db_session, _paid_off_long_ago(db_session, "Twice Oud"), data_dir)
    anonymise_expired(db_session, app.config["RULE_PACK"], as_of=AS_OF)
    events = db_session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "retention.anonymised")
    )

    again = anonymise_expired(db_session, app.config["RULE_PACK"], as_of=AS_OF)

    assert set(again.values()) == {0}
    assert events == db_session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "retention.anonymised")
    )


def test_a_debtor_with_one_open_claim_is_kept(
    app: Flask, db_session: Session, data_dir: Path
) -> None:
    debtor = _paid_off_long_ago(db_session, "Bram Open")
    make_claim(db_session, debtor, 5_000, issue_date=date(2018, 7, 1))

    anonymise_expired(db_session, app.config["RULE_PACK"], as_of=AS_OF)

    db_session.expire_all()
    kept = db_session.get(Debtor, debtor.id)
    assert kept is not None
    assert (kept.name, kept.anonymised_on, kept.email) == ("Bram Open", None, "old@example.test")
    assert debtor.id not in closed_debtors(db_session)


def test_a_debtor_closed_within_the_period_is_kept(
    app: Flask, db_session: Session, data_dir: Path
) -> None:
    debtor = make_debtor(db_session, "Cora Recent")
    claim = make_claim(db_session, debtor, 4_000, issue_date=date(2024, 1, 1))
    pay(db_session, debtor, 4_000, claim=claim, on=date(2024, 3, 1))

    anonymise_expired(db_session, app.config["RULE_PACK"], as_of=AS_OF)

    assert closed_debtors(db_session)[debtor.id] == date(2024, 3, 1)
    db_session.expire_all()
    assert db_session.get(Debtor, debtor.id).name == "Cora Recent"  # type: ignore[union-attr]


def test_the_period_is_set_per_record_type(
    app: Flask, db_session: Session, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = app.config["SALDO"].with_overrides(retention_years='{"debtor": 10}')
    monkeypatch.setitem(app.config, "SALDO", config)
    debtor = _paid_off_long_ago(db_session, "Dirk Tien")
    _with_personal_records(db_session, debtor, data_dir)

    anonymise_expired(db_session, app.config["RULE_PACK"], as_of=AS_OF)

    db_session.expire_all()
    assert db_session.get(Debtor, debtor.id).name == "Dirk Tien"  # type: ignore[union-attr]
    note = db_session.scalars(select(ContactNote).where(ContactNote.debtor_id == debtor.id)).one()
    assert note.note == ""
    assert retention_years('{"debtor": 10}')["debtor"] == 10


def test_the_batch_report_counts_what_was_anonymised(
    app: Flask, db_session: Session, data_dir: Path
) -> None:
    _paid_off_long_ago(db_session, "Eva Batch")

    report = run_batch(
        db_session, app.config["RULE_PACK"], as_of=AS_OF, steps=select_steps(["retention"])
    )

    assert report.ok
    assert report.counts("retention")["debtors"] >= 1
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "retention.anonymised")
    ).first()
    assert event is not None
    assert event.details["counts"]["debtors"] >= 1
    assert "Eva" not in str(event.details)
