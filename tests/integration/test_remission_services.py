"""Remission services: pre-check, drafts, submission with holds, decisions, ledger, dropouts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.demo.seed import seed_demo
from portal.documents.delivery import Recipient
from portal.documents.render import render_document_html
from portal.domain.remission import ImplausibleApplication
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import Debtor
from portal.models import DemoPersona
from portal.models import LedgerEntry
from portal.models import Letter
from portal.models import RemissionApplication
from portal.models import RemissionEvidence
from portal.models import Signal
from portal.models import StaffUser
from portal.models import WorkItem
from portal.services import remission as svc
from portal.services import remission_batch
from portal.services import remission_decisions as decisions
from portal.services import remission_evidence as evidence
from portal.services import remission_precheck
from portal.services import remission_submission as submission
from portal.services import remission_wizard as wizard
from portal.services.audit import Actor
from portal.services.holds import active_hold_reasons
from portal.services.ledger import claims_with_cache_mismatch
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff
from tests.support.remission import EXE
from tests.support.remission import NOW
from tests.support.remission import PDF
from tests.support.remission import PNG
from tests.support.remission import POOR
from tests.support.remission import complete_draft
from tests.support.remission import evidence_in
from tests.support.remission import key
from tests.support.remission import tax_debtor


def _rules(app: Flask):  # type: ignore[no-untyped-def]
    return app.config["RULE_PACK"]


def _staff(session: Session, role: str = "caseworker") -> StaffUser:
    return make_staff(session, role)


def _count(session: Session, model: type, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


#: Income above the norm: a partial outcome that needs a caseworker.
SOME_CAPACITY = {**POOR, "income": {"net_income": 146_500}}


def test_the_precheck_lists_what_qualifies_and_why_not(app: Flask, db_session: Session) -> None:
    data = tax_debtor(db_session)
    check = remission_precheck.precheck(
        db_session, _rules(app), debtor_id=data.debtor.id, as_of=TODAY
    )
    assert set(check.eligible_ids) == {c.id for c in data.eligible}
    assert check.reason_for(data.other.id) == "type_not_eligible"
    assert check.eligibility.can_apply


def test_a_business_cannot_start_an_application(app: Flask, db_session: Session) -> None:
    data = tax_debtor(db_session, "Shop B.V.", kind="business")
    with pytest.raises(svc.NotEligible) as caught:
        wizard.start_application(
            db_session,
            _rules(app),
            debtor_id=data.debtor.id,
            claim_ids=[data.eligible[0].id],
            submission_key=key(),
            actor=Actor.citizen(data.debtor.id),
            now=NOW,
            as_of=TODAY,
        )
    assert caught.value.reason == "business"
    assert _count(db_session, RemissionApplication) == 0


def test_claims_of_someone_else_or_not_qualifying_are_refused(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    stranger = make_debtor(db_session, "Someone Else")
    theirs = make_claim(db_session, stranger, 5_000, claim_type_code="waste_levy")
    for ids in ([theirs.id], [data.other.id], []):
        with pytest.raises(svc.ClaimsNotAllowed):
            wizard.start_application(
                db_session,
                _rules(app),
                debtor_id=data.debtor.id,
                claim_ids=ids,
                submission_key=key(),
                actor=Actor.citizen(data.debtor.id),
                now=NOW,
                as_of=TODAY,
            )
    assert _count(db_session, RemissionApplication) == 0


def test_the_same_submission_key_gives_one_application(app: Flask, db_session: Session) -> None:
    data = tax_debtor(db_session)
    same = key()
    made = [
        wizard.start_application(
            db_session,
            _rules(app),
            debtor_id=data.debtor.id,
            claim_ids=[c.id for c in data.eligible],
            submission_key=same,
            actor=Actor.citizen(data.debtor.id),
            now=NOW,
            as_of=TODAY,
        )
        for _ in range(2)
    ]
    assert made[0].id == made[1].id
    assert _count(db_session, RemissionApplication) == 1


def test_impossible_data_changes_nothing(app: Flask, db_session: Session) -> None:
    data = tax_debtor(db_session)
    application = complete_draft(db_session, data.debtor.id, tuple(c.id for c in data.eligible))
    before = application.rent
    with pytest.raises(ImplausibleApplication):
        wizard.save_step(
            db_session,
            application,
            "costs",
            {**POOR["costs"], "housing_allowance": 90_000},
            actor=Actor.citizen(data.debtor.id),
            now=NOW,
        )
    with pytest.raises(ImplausibleApplication):
        wizard.save_step(
            db_session,
            application,
            "household",
            {"adults": 5, "children_ages": ()},
            actor=Actor.citizen(data.debtor.id),
            now=NOW,
        )
    assert application.rent == before
    assert application.adults == 1


def test_a_full_grant_within_policy_is_decided_at_once(app: Flask, db_session: Session) -> None:
    data = tax_debtor(db_session)
    application = complete_draft(db_session, data.debtor.id, tuple(c.id for c in data.eligible))
    submission.submit_application(
        db_session,
        _rules(app),
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    assert application.state == "granted"
    assert application.decision_reason == "auto_granted"
    assert application.granted_total == 40_260 + 18_745
    assert all(c.balance == 0 for c in data.eligible)
    assert data.other.balance == 7_260
    entries = db_session.scalars(select(LedgerEntry).where(LedgerEntry.cause == "remission")).all()
    assert sum(e.amount for e in entries) == -(40_260 + 18_745)
    assert claims_with_cache_mismatch(db_session) == []
    reasons = active_hold_reasons(db_session, [c.id for c in data.eligible], TODAY)
    assert all("remission" not in r for r in reasons.values())
    assert _count(db_session, Letter, Letter.kind == "remission_decision") == 1
    assert _count(db_session, WorkItem) == 0


def test_anything_else_goes_to_a_caseworker_with_collection_paused(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    ids = tuple(c.id for c in data.eligible)
    application = complete_draft(db_session, data.debtor.id, ids, SOME_CAPACITY)
    submission.submit_application(
        db_session,
        _rules(app),
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    assert application.state == "pending_review"
    assert application.calculation is not None
    assert application.calculation["outcome"] == "partial"
    reasons = active_hold_reasons(db_session, list(ids), TODAY)
    assert all(r == frozenset({"remission"}) for r in reasons.values())
    item = db_session.scalar(select(WorkItem).where(WorkItem.kind == "remission_decision"))
    assert item is not None
    assert item.subject_id == application.id
    again = submission.submit_application(
        db_session,
        _rules(app),
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    assert again.state == "pending_review"
    assert _count(db_session, WorkItem) == 1


def test_no_capacity_above_the_automatic_limit_is_never_rejected_automatically(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Big Bill")
    big = make_claim(db_session, debtor, 200_000, claim_type_code="ozb_residential")
    application = complete_draft(db_session, debtor.id, (big.id,))
    submission.submit_application(
        db_session, _rules(app), application, actor=Actor.citizen(debtor.id), now=NOW, as_of=TODAY
    )
    assert application.state == "pending_review"


def _pending(app: Flask, session: Session) -> tuple[RemissionApplication, tuple[int, ...]]:
    data = tax_debtor(session)
    ids = tuple(c.id for c in data.eligible)
    application = complete_draft(session, data.debtor.id, ids, SOME_CAPACITY)
    submission.submit_application(
        session,
        _rules(app),
        application,
        actor=Actor.citizen(data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    return application, ids


def test_a_partial_grant_over_a_total_lowers_the_balances_and_releases_the_holds(
    app: Flask, db_session: Session
) -> None:
    application, ids = _pending(app, db_session)
    staff = _staff(db_session)
    decisions.grant_partially(
        db_session,
        _rules(app),
        application,
        staff_user_id=staff.id,
        expected_state="pending_review",
        note="You can pay part from your income.",
        total=30_000,
        now=NOW,
        as_of=TODAY,
    )
    assert application.state == "partially_granted"
    assert application.granted_total == 30_000
    assert sorted(c.granted_amount or 0 for c in application.claims) == [9_531, 20_469]
    assert claims_with_cache_mismatch(db_session) == []
    reasons = active_hold_reasons(db_session, list(ids), TODAY)
    assert all("remission" not in r for r in reasons.values())
    assert application.decided_by_id == staff.id
    assert _count(db_session, WorkItem, WorkItem.state == "open") == 0
    assert _count(db_session, AuditEvent, AuditEvent.action == "remission.decided") == 1


def test_a_rejection_needs_a_reason_and_a_note(app: Flask, db_session: Session) -> None:
    application, _ids = _pending(app, db_session)
    staff = _staff(db_session)
    for reason, note in (("capacity_to_pay", " "), ("made_up", "text")):
        with pytest.raises(decisions.InvalidDecision):
            decisions.reject_application(
                db_session,
                _rules(app),
                application,
                staff_user_id=staff.id,
                expected_state="pending_review",
                reason=reason,
                note=note,
                now=NOW,
                as_of=TODAY,
            )
    assert application.state == "pending_review"
    decisions.reject_application(
        db_session,
        _rules(app),
        application,
        staff_user_id=staff.id,
        expected_state="pending_review",
        reason="incomplete_data",
        note="No bank statements.",
        now=NOW,
        as_of=TODAY,
    )
    assert application.state == "rejected"
    assert _count(db_session, Signal, Signal.reason == "remission_dropout") == 1


def test_a_stale_decision_changes_nothing(app: Flask, db_session: Session) -> None:
    application, _ids = _pending(app, db_session)
    staff = _staff(db_session)
    with pytest.raises(decisions.StaleDecision):
        decisions.grant_in_full(
            db_session,
            _rules(app),
            application,
            staff_user_id=staff.id,
            expected_state="more_info_requested",
            note=None,
            now=NOW,
            as_of=TODAY,
        )
    assert application.state == "pending_review"
    assert _count(db_session, LedgerEntry, LedgerEntry.cause == "remission") == 0


def test_more_evidence_then_an_upload_puts_it_back_in_the_queue(
    app: Flask, db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evidence_in(monkeypatch, tmp_path)
    application, _ids = _pending(app, db_session)
    staff = _staff(db_session)
    decisions.request_more_information(
        db_session,
        _rules(app),
        application,
        staff_user_id=staff.id,
        expected_state="pending_review",
        note="Send your rent contract.",
        deadline=None,
        now=NOW,
        as_of=TODAY,
    )
    assert application.state == "more_info_requested"
    assert application.info_deadline == TODAY + timedelta(days=14)
    config: Config = app.config["SALDO"]
    stored = evidence.store_evidence(
        db_session,
        config,
        application,
        data=PDF,
        filename="../../rent contract.pdf",
        actor=Actor.citizen(application.debtor_id),
        now=NOW,
    )
    assert application.state == "pending_review"
    assert stored.content_type == "application/pdf"
    assert stored.original_filename == "rent contract.pdf"
    assert (tmp_path / stored.storage_name).read_bytes() == PDF


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (EXE, "scan.pdf", "wrong_type"),
        (b"", "empty.pdf", "empty"),
        (b"GIF89a....", "a.png", "wrong_type"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    app: Flask,
    db_session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: bytes,
    name: str,
    reason: str,
) -> None:
    evidence_in(monkeypatch, tmp_path)
    info = tax_debtor(db_session)
    application = complete_draft(db_session, info.debtor.id, (info.eligible[0].id,))
    with pytest.raises(evidence.EvidenceRejected) as caught:
        evidence.store_evidence(
            db_session,
            app.config["SALDO"],
            application,
            data=data,
            filename=name,
            actor=Actor.citizen(info.debtor.id),
            now=NOW,
        )
    assert caught.value.reason == reason
    assert _count(db_session, RemissionEvidence) == 0
    assert list(tmp_path.iterdir()) == []


def test_a_file_over_the_limit_is_refused(
    app: Flask, db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evidence_in(monkeypatch, tmp_path)
    info = tax_debtor(db_session)
    application = complete_draft(db_session, info.debtor.id, (info.eligible[0].id,))
    config = app.config["SALDO"].with_overrides(remission_evidence_max_bytes=100)
    with pytest.raises(evidence.EvidenceRejected) as caught:
        evidence.store_evidence(
            db_session,
            config,
            application,
            data=PNG + b"\x00" * 100,
            filename="big.png",
            actor=Actor.citizen(info.debtor.id),
            now=NOW,
        )
    assert caught.value.reason == "too_large"


def test_dropouts_are_abandoned_once_and_raise_a_signal(app: Flask, db_session: Session) -> None:
    data = tax_debtor(db_session)
    draft = complete_draft(db_session, data.debtor.id, (data.eligible[0].id,))
    rules = _rules(app)
    assert remission_batch.run_remission_checks(db_session, rules, as_of=TODAY) == {
        "drafts_abandoned": 0,
        "info_requests_expired": 0,
    }
    later = TODAY + timedelta(days=31)
    first = remission_batch.run_remission_checks(db_session, rules, as_of=later)
    second = remission_batch.run_remission_checks(db_session, rules, as_of=later)
    assert first == {"drafts_abandoned": 1, "info_requests_expired": 0}
    assert second == {"drafts_abandoned": 0, "info_requests_expired": 0}
    assert draft.state == "abandoned"
    assert _count(db_session, Signal, Signal.reason == "remission_dropout") == 1


def test_an_expired_evidence_request_is_abandoned_and_collection_resumes(
    app: Flask, db_session: Session
) -> None:
    application, ids = _pending(app, db_session)
    staff = _staff(db_session)
    decisions.request_more_information(
        db_session,
        _rules(app),
        application,
        staff_user_id=staff.id,
        expected_state="pending_review",
        note="Bank statements please.",
        deadline=TODAY + timedelta(days=7),
        now=NOW,
        as_of=TODAY,
    )
    result = remission_batch.run_remission_checks(
        db_session, _rules(app), as_of=TODAY + timedelta(days=8)
    )
    assert result["info_requests_expired"] == 1
    assert application.state == "abandoned"
    reasons = active_hold_reasons(db_session, list(ids), TODAY + timedelta(days=8))
    assert all("remission" not in r for r in reasons.values())
    assert _count(db_session, WorkItem, WorkItem.state == "open") == 0


def test_the_low_income_demo_persona_gets_remission_under_the_nl_norms(
    app: Flask, db_session: Session
) -> None:
    config, rules = app.config["SALDO"], _rules(app)
    seed_demo(db_session, config, rules, debtors=8, today=TODAY, now=NOW)
    debtor_id = db_session.scalar(
        select(DemoPersona.debtor_id).where(DemoPersona.situation == "low_income")
    )
    assert debtor_id is not None
    check = remission_precheck.precheck(db_session, rules, debtor_id=debtor_id, as_of=TODAY)
    assert len(check.eligible_ids) == 3
    application = complete_draft(db_session, debtor_id, check.eligible_ids)
    preview = wizard.preview(db_session, rules, application, on=TODAY)
    assert preview.outcome.value in ("full", "partial")
    submission.submit_application(
        db_session, rules, application, actor=Actor.citizen(debtor_id), now=NOW, as_of=TODAY
    )
    assert application.state in ("granted", "pending_review")
    assert application.calculation is not None
    assert application.calculation["remitted"] > 0


def test_desk_mode_records_the_staff_member_and_the_citizen(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    desk = make_staff(db_session, "desk")
    application = wizard.start_application(
        db_session,
        _rules(app),
        debtor_id=data.debtor.id,
        claim_ids=[data.eligible[0].id],
        submission_key=key(),
        actor=Actor.staff(desk.id, on_behalf_of=data.debtor.id),
        now=NOW,
        as_of=TODAY,
    )
    assert application.entered_by_staff_id == desk.id
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "remission.started"))
    assert event is not None
    assert (event.staff_user_id, event.debtor_id) == (desk.id, data.debtor.id)


@pytest.mark.parametrize("locale", ["da", "nl", "en"])
def test_the_decision_letter_renders_in_each_language(
    app: Flask, db_session: Session, locale: str
) -> None:
    application, _ids = _pending(app, db_session)
    staff = _staff(db_session)
    decisions.grant_partially(
        db_session,
        _rules(app),
        application,
        staff_user_id=staff.id,
        expected_state="pending_review",
        note="Part of it.",
        total=10_000,
        now=NOW,
        as_of=TODAY,
    )
    claims = [
        (db_session.get(Claim, i.claim_id), i.amount_at_application, i.granted_amount)
        for i in application.claims
    ]
    html = render_document_html(
        "remission_decision_letter.html",
        {
            "application": application,
            "claims": claims,
            "recipient": Recipient.of(db_session.get(Debtor, application.debtor_id)),
            "letter_date": TODAY,
        },
        locale,
    )
    assert f'lang="{locale}"' in html
    assert "Part of it." in html
    assert html.count("<h1>") == 1
