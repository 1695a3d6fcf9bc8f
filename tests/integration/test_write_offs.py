"""The limitation and hand-over lists: time-barred claims become write-off proposals, ready
claims hand-over checks, one open item per claim; a supervisor writes off (ledger, audit) or
keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import WorkItem
from portal.services import holds
from portal.services import work
from portal.services.dunning_batch import run_dunning
from portal.services.letter_batch import run_reminder_letters
from portal.services.limitation_batch import NotAWriteOffProposal
from portal.services.limitation_batch import keep_claim
from portal.services.limitation_batch import run_limitation_checks
from portal.services.limitation_batch import write_off_claim
from portal.services.signals import SEVERAL_ARREARS
from portal.services.signals import raise_signal
from tests.support.batch import claim_of
from tests.support.batch import done
from tests.support.batch import pack
from tests.support.factories import pay
from tests.support.plans import rules as nl_rules
from tests.support.primitives import NOW
from tests.support.primitives import make_staff

MakeApp = Callable[..., Flask]
OLD_DUE = date(2021, 3, 1)
AS_OF = date(2026, 11, 23)


def _items(session: Session, claim: Claim) -> list[tuple[str, str]]:
    return [
        (item.kind, item.state)
        for item in session.scalars(
            select(WorkItem)
            .where(WorkItem.subject_type == "claim", WorkItem.subject_id == claim.id)
            .order_by(WorkItem.id)
        )
    ]


def test_a_time_barred_claim_gets_one_write_off_proposal(db_session: Session) -> None:
    barred = claim_of(db_session, "ozb_residential", 30_000, due=OLD_DUE)
    fresh = claim_of(db_session, "ozb_residential", 30_000, due=date(2024, 3, 1))

    counts = run_limitation_checks(db_session, nl_rules(), as_of=AS_OF)
    again = run_limitation_checks(db_session, nl_rules(), as_of=AS_OF)

    assert done(counts) == {"write_off_proposals": 1}
    assert done(again) == {}
    assert _items(db_session, barred) == [(work.WRITE_OFF_PROPOSAL, "open")]
    assert _items(db_session, fresh) == []


def test_a_payment_interrupts_the_limitation_period(db_session: Session) -> None:
    claim = claim_of(db_session, "ozb_residential", 30_000, due=OLD_DUE)
    pay(db_session, claim.debtor, 1_000, claim=claim, on=date(2023, 6, 1))

    run_limitation_checks(db_session, nl_rules(), as_of=AS_OF)

    assert _items(db_session, claim) == []


def test_dk_claims_are_time_barred_after_three_years(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        due = date(2023, 11, 1)
        claim = claim_of(db_session, "rent", 80_000, due=due)

        run_limitation_checks(db_session, rules, as_of=date(2026, 10, 31))
        assert _items(db_session, claim) == []
        run_limitation_checks(db_session, rules, as_of=date(2026, 11, 1))
        assert _items(db_session, claim) == [(work.WRITE_OFF_PROPOSAL, "open")]


def _reminded_dk_claim(session: Session, rules: object, type_code: str = "waste_fee") -> Claim:
    claim = claim_of(session, type_code, 80_000, due=date(2026, 9, 1))
    run_dunning(session, rules, as_of=date(2026, 9, 8))  # type: ignore[arg-type]
    run_reminder_letters(session, rules, as_of=date(2026, 9, 8))  # type: ignore[arg-type]
    return claim


def test_a_reminded_claim_after_the_notice_period_gets_a_handover_check(
    make_app: MakeApp, db_session: Session
) -> None:
    with pack(make_app, db_session, "dk") as rules:
        ready = _reminded_dk_claim(db_session, rules)
        preferential = _reminded_dk_claim(db_session, rules, "property_tax")
        held = _reminded_dk_claim(db_session, rules)
        holds.place_hold(
            db_session, held.id, holds.DISPUTE, starts_on=date(2026, 9, 1), source="t:1"
        )
        signalled = _reminded_dk_claim(db_session, rules)
        raise_signal(db_session, signalled.debtor_id, SEVERAL_ARREARS, now=NOW)

        too_early = run_limitation_checks(db_session, rules, as_of=date(2026, 9, 21))
        counts = run_limitation_checks(db_session, rules, as_of=date(2026, 9, 22))

        assert done(too_early) == {}
        assert done(counts) == {"handover_checks": 1}
        assert _items(db_session, ready) == [(work.HANDOVER_CHECK, "open")]
        assert _items(db_session, preferential) == []  # DK keeps collecting these itself
        assert _items(db_session, held) == []
        assert _items(db_session, signalled) == []


def test_writing_off_books_every_open_component_audits_and_closes_the_proposal(
    db_session: Session,
) -> None:
    claim = claim_of(db_session, "ozb_residential", 30_000, due=OLD_DUE)
    run_dunning(db_session, nl_rules(), as_of=date(2022, 1, 10))  # tables from 2022
    assert claim.fee_due == 800
    run_limitation_checks(db_session, nl_rules(), as_of=AS_OF)
    item = db_session.scalar(select(WorkItem).where(WorkItem.subject_id == claim.id))
    assert item is not None
    supervisor = make_staff(db_session, "supervisor")

    write_off_claim(db_session, item.id, staff_user_id=supervisor.id, on=AS_OF, now=NOW)

    assert claim.balance == 0
    entries = db_session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.claim_id == claim.id, LedgerEntry.cause == "write_off"
        )
    ).all()
    assert sorted((e.component, e.amount, e.staff_user_id) for e in entries) == [
        ("fee", -800, supervisor.id),
        ("principal", -30_000, supervisor.id),
    ]
    assert (item.state, item.outcome, item.closed_by_id) == ("done", "written_off", supervisor.id)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.written_off"))
    assert event is not None
    assert (event.staff_user_id, event.object_id) == (supervisor.id, claim.id)

    with pytest.raises(work.WorkItemNotOpen):
        write_off_claim(db_session, item.id, staff_user_id=supervisor.id, on=AS_OF, now=NOW)


def test_keeping_the_claim_closes_the_proposal_and_changes_no_money(db_session: Session) -> None:
    claim = claim_of(db_session, "ozb_residential", 30_000, due=OLD_DUE)
    run_limitation_checks(db_session, nl_rules(), as_of=AS_OF)
    item = db_session.scalar(select(WorkItem).where(WorkItem.subject_id == claim.id))
    assert item is not None
    supervisor = make_staff(db_session, "supervisor")

    keep_claim(db_session, item.id, staff_user_id=supervisor.id, now=NOW)

    assert claim.balance == 30_000
    assert (item.state, item.outcome) == ("done", "kept")


def test_only_write_off_proposals_can_be_decided_here(db_session: Session) -> None:
    claim = claim_of(db_session, "ozb_residential", 30_000)
    other = work.open_work_item(db_session, work.CALL_BACK, "claim", claim.id)
    supervisor = make_staff(db_session, "supervisor")

    with pytest.raises(NotAWriteOffProposal):
        write_off_claim(db_session, other.id, staff_user_id=supervisor.id, on=AS_OF, now=NOW)
    with pytest.raises(NotAWriteOffProposal):
        keep_claim(db_session, 999_999, staff_user_id=supervisor.id, now=NOW)
