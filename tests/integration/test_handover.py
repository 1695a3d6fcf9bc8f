"""Hand-over to the external collector (issue 8): only approved, eligible claims go into the
file; held, disputed and signalled claims stay out; a second run hands nothing over twice; the
national id is decrypted only into the file (never into logs or the audit), and the export is
audited; a recall returns the claim to normal collection and is reported in the next file."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Letter
from portal.models import WorkItem
from portal.models.handover import HandoverRecord
from portal.services import handover as svc
from portal.services import holds
from portal.services import work
from portal.services.dunning_batch import run_dunning
from portal.services.letter_batch import run_reminder_letters
from portal.services.limitation_batch import run_limitation_checks
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import raise_signal
from tests.support.batch import claim_of
from tests.support.batch import pack
from tests.support.handover import BSN
from tests.support.handover import READY_ON
from tests.support.handover import approve
from tests.support.handover import checked
from tests.support.handover import config_in
from tests.support.handover import reminded_claim
from tests.support.handover import rules
from tests.support.primitives import NOW
from tests.support.primitives import make_staff


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _run(session: Session, folder: Path, staff_id: int | None = None) -> svc.HandoverRun:
    return svc.run_handover(
        session, rules(), as_of=READY_ON, staff_user_id=staff_id, config=config_in(folder)
    )


def test_only_approved_eligible_claims_go_into_the_file(
    db_session: Session, tmp_path: Path
) -> None:
    caseworker = make_staff(db_session)
    ready = reminded_claim(db_session, "Ready Person", national_id=BSN, address="Kade 1, Delft")
    not_approved = reminded_claim(db_session, "Waiting Person")
    checked(db_session)
    approve(db_session, ready, caseworker.id)

    run = _run(db_session, tmp_path, caseworker.id)

    assert run.batch is not None
    assert (run.handed_over, run.recalls) == (1, 0)
    rows = _rows(svc.batch_file(config_in(tmp_path), run.batch))
    assert [row["claim_id"] for row in rows] == [str(ready.id)]
    row = rows[0]
    assert row["action"] == "handover"
    assert row["debtor_name"] == "Ready Person"
    assert row["national_id"] == BSN
    assert row["address"] == "Kade 1, Delft"
    assert row["legal_basis"] == "tax"
    assert row["currency"] == "EUR"
    assert row["original_amount"] == "300.00"
    assert row["balance"] == f"{ready.balance / 100:.2f}"
    assert row["reminders"].startswith("1:2026-09-08")
    assert ready.handed_over_on == READY_ON
    assert not_approved.handed_over_on is None
    assert run.batch.claim_count == 1
    assert run.batch.total == ready.balance


def test_a_claim_that_became_held_disputed_or_signalled_after_approval_is_not_handed_over(
    db_session: Session, tmp_path: Path
) -> None:
    caseworker = make_staff(db_session)
    held = reminded_claim(db_session, "Held Person")
    disputed = reminded_claim(db_session, "Disputed Person")
    signalled = reminded_claim(db_session, "Signalled Person")
    checked(db_session)
    for claim in (held, disputed, signalled):
        approve(db_session, claim, caseworker.id)
    holds.place_hold(db_session, held.id, holds.PLAN, starts_on=READY_ON, source="t:1")
    holds.place_hold(db_session, disputed.id, holds.DISPUTE, starts_on=READY_ON, source="t:2")
    raise_signal(db_session, signalled.debtor_id, SEVERAL_ARREARS, now=NOW)

    run = _run(db_session, tmp_path)

    assert run.batch is None
    assert run.no_longer_eligible == 3
    assert {c.handed_over_on for c in (held, disputed, signalled)} == {None}


def test_a_caseworker_cannot_approve_a_claim_that_is_not_eligible(db_session: Session) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)
    holds.place_hold(db_session, claim.id, holds.DISPUTE, starts_on=READY_ON, source="t:1")

    with pytest.raises(svc.NotEligible) as raised:
        approve(db_session, claim, caseworker.id)

    assert "on_hold" in raised.value.eligibility.reasons


def test_approving_twice_is_refused(db_session: Session) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)
    approve(db_session, claim, caseworker.id)

    with pytest.raises(svc.AlreadyApproved):
        approve(db_session, claim, caseworker.id)


def test_running_twice_the_same_day_hands_nothing_over_twice(
    db_session: Session, tmp_path: Path
) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)
    approve(db_session, claim, caseworker.id)

    first = _run(db_session, tmp_path)
    second = _run(db_session, tmp_path)

    assert first.handed_over == 1
    assert second.batch is None
    records = db_session.scalars(select(HandoverRecord).where(HandoverRecord.claim_id == claim.id))
    assert len(list(records)) == 1
    letters = db_session.scalars(select(Letter).where(Letter.kind == "handover"))
    assert [letter.claim_id for letter in letters] == [claim.id]


def test_the_citizen_gets_a_letter_that_is_delivered_after_the_run(
    db_session: Session, tmp_path: Path
) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)
    approve(db_session, claim, caseworker.id)
    run = _run(db_session, tmp_path)

    counts = svc.deliver_handover_letters(db_session, now=NOW)

    letter = db_session.get(Letter, run.letters[0])
    assert letter is not None
    assert letter.debtor_id == claim.debtor_id
    assert letter.pdf.startswith(b"%PDF")
    assert counts == {"delivered": 1, "failed": 0}
    assert letter.delivered_at is not None


def test_the_national_id_is_only_in_the_file_never_in_logs_or_the_audit(
    db_session: Session, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session, "Private Person", national_id=BSN)
    checked(db_session)
    approve(db_session, claim, caseworker.id)

    with caplog.at_level(logging.DEBUG):
        run = _run(db_session, tmp_path, caseworker.id)
        svc.deliver_handover_letters(db_session, now=NOW)

    assert run.batch is not None
    assert BSN in svc.batch_file(config_in(tmp_path), run.batch).read_text(encoding="utf-8")
    assert BSN not in caplog.text
    assert "Private Person" not in caplog.text
    events = db_session.scalars(select(AuditEvent)).all()
    assert all(BSN not in repr(event.details) for event in events)
    export = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "handover.exported"))
    assert export is not None
    assert export.staff_user_id == caseworker.id
    assert export.object_id == run.batch.id
    assert export.details["national_ids_decrypted"] == 1
    assert export.details["claims"] == 1
    handed = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.handed_over"))
    assert handed is not None
    assert handed.object_id == claim.id


def test_the_approval_closes_the_check_with_who_approved(db_session: Session) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)

    approve(db_session, claim, caseworker.id)

    item = db_session.scalar(
        select(WorkItem).where(
            WorkItem.kind == work.HANDOVER_CHECK, WorkItem.subject_id == claim.id
        )
    )
    assert item is not None
    assert (item.state, item.outcome, item.closed_by_id) == (
        "done",
        svc.APPROVED,
        caseworker.id,
    )


def test_a_recall_returns_the_claim_and_goes_into_the_next_file(
    db_session: Session, tmp_path: Path
) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session, "Recalled Person")
    checked(db_session)
    approve(db_session, claim, caseworker.id)
    _run(db_session, tmp_path)

    record = svc.recall_claim(
        db_session, claim.id, staff_user_id=caseworker.id, reason="Paid at our desk", now=NOW
    )
    later = _run(db_session, tmp_path)
    again = _run(db_session, tmp_path)

    assert claim.handed_over_on is None
    assert (record.status, record.recalled_by_id) == ("recalled", caseworker.id)
    assert later.batch is not None
    assert (later.handed_over, later.recalls) == (0, 1)
    rows = _rows(svc.batch_file(config_in(tmp_path), later.batch))
    assert [(r["action"], r["claim_id"], r["recall_reason"]) for r in rows] == [
        ("recall", str(claim.id), "Paid at our desk")
    ]
    assert rows[0]["national_id"] == ""
    assert again.batch is None  # the recall is reported once
    audit = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "claim.recalled_from_collector")
    )
    assert audit is not None
    assert audit.staff_user_id == caseworker.id


def test_a_recalled_claim_needs_a_new_approval_to_go_again(
    db_session: Session, tmp_path: Path
) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)
    approve(db_session, claim, caseworker.id)
    _run(db_session, tmp_path)
    svc.recall_claim(db_session, claim.id, staff_user_id=caseworker.id, reason="Check", now=NOW)
    _run(db_session, tmp_path)  # reports the recall

    approve(db_session, claim, caseworker.id)
    run = _run(db_session, tmp_path)

    assert run.handed_over == 1
    assert db_session.get(Claim, claim.id).handed_over_on == READY_ON  # type: ignore[union-attr]


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_a_recall_without_a_proper_reason_changes_nothing(
    db_session: Session, tmp_path: Path, reason: str
) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)
    approve(db_session, claim, caseworker.id)
    _run(db_session, tmp_path)

    with pytest.raises(svc.ReasonRequired):
        svc.recall_claim(db_session, claim.id, staff_user_id=caseworker.id, reason=reason, now=NOW)

    assert claim.handed_over_on == READY_ON


def test_recalling_a_claim_that_is_not_with_the_collector_is_refused(db_session: Session) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)

    with pytest.raises(svc.NotHandedOver):
        svc.recall_claim(db_session, claim.id, staff_user_id=caseworker.id, reason="x", now=NOW)
    with pytest.raises(svc.UnknownClaim):
        svc.recall_claim(db_session, 999_999, staff_user_id=caseworker.id, reason="x", now=NOW)


def test_a_handed_over_claim_is_no_longer_eligible(db_session: Session, tmp_path: Path) -> None:
    caseworker = make_staff(db_session)
    claim = reminded_claim(db_session)
    checked(db_session)
    approve(db_session, claim, caseworker.id)
    _run(db_session, tmp_path)

    verdict = svc.eligibility_of(db_session, rules(), [claim], date(2026, 10, 2))[claim.id]

    assert not verdict.eligible
    assert "handed_over" in verdict.reasons


def test_dk_hands_over_to_gaeldsstyrelsen_but_keeps_preferential_claims(
    make_app: Callable[..., Flask], db_session: Session, tmp_path: Path
) -> None:
    with pack(make_app, db_session, "dk") as dk:
        caseworker = make_staff(db_session)
        ordinary = claim_of(db_session, "waste_fee", 80_000, due=date(2026, 9, 1))
        preferential = claim_of(db_session, "property_tax", 80_000, due=date(2026, 9, 1))
        run_dunning(db_session, dk, as_of=date(2026, 9, 8))
        run_reminder_letters(db_session, dk, as_of=date(2026, 9, 8))
        day = date(2026, 9, 22)
        run_limitation_checks(db_session, dk, as_of=day)
        svc.approve_handover(
            db_session, dk, ordinary.id, staff_user_id=caseworker.id, as_of=day, now=NOW
        )
        with pytest.raises(svc.NotEligible):
            svc.approve_handover(
                db_session, dk, preferential.id, staff_user_id=caseworker.id, as_of=day, now=NOW
            )

        run = svc.run_handover(db_session, dk, as_of=day, config=config_in(tmp_path))

        assert run.batch is not None
        rows = _rows(svc.batch_file(config_in(tmp_path), run.batch))
        assert [(row["claim_id"], row["currency"]) for row in rows] == [(str(ordinary.id), "DKK")]
        record = db_session.scalar(
            select(HandoverRecord).where(HandoverRecord.claim_id == ordinary.id)
        )
        assert record is not None
        assert "Gældsstyrelsen" in record.collector_name
