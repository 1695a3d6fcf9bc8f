"""Bank statement import: matching, idempotency, reversals, payouts, the unmatched queue."""

from __future__ import annotations

import logging

import pytest
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.camt import CamtError
from portal.models import AuditEvent
from portal.models import BankEntry
from portal.models import BankStatement
from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import WorkItem
from portal.services import bank_statements as svc
from portal.services.audit import Actor
from portal.services.bank_statements import EntryNotAssignable
from portal.services.bank_statements import WrongAccount
from portal.services.ledger import claims_with_cache_mismatch
from portal.services.unmatched_payments import assign_entry
from portal.services.unmatched_payments import search_debtors
from portal.services.unmatched_payments import unmatched_entries
from tests.support.bank import FIXTURES
from tests.support.bank import NOW
from tests.support.bank import camt_fixture
from tests.support.bank import large_statement
from tests.support.bank import run_import
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.payments import count


def _entries(session: Session) -> list[BankEntry]:
    return list(session.scalars(select(BankEntry).order_by(BankEntry.id)))


def _open_items(session: Session) -> list[WorkItem]:
    return list(
        session.scalars(
            select(WorkItem).where(WorkItem.kind == "unmatched_payment", WorkItem.state == "open")
        )
    )


def test_a_single_credit_is_booked_on_the_claim_its_reference_names(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 25_000)
    summary = run_import(db_session, camt_fixture("single_credit.053.v02.xml", claim))
    assert (summary.entries_read, summary.booked, summary.unmatched) == (1, 1, 0)
    [entry] = _entries(db_session)
    assert entry.state == "booked"
    assert entry.claim_id == claim.id
    payment = db_session.get(Payment, entry.payment_id)
    assert payment is not None
    assert (payment.provider, payment.method, payment.amount) == ("bank", "bank_transfer", 10000)
    assert payment.provider_reference == "NL91ABNA0417164300:BANKREF-0001:0"
    assert payment.earmarked_claim_id == claim.id
    assert payment.debtor_id == debtor.id
    db_session.refresh(claim)
    assert claim.balance == 15_000
    assert claims_with_cache_mismatch(db_session) == []


def test_importing_the_same_file_twice_books_nothing_new(db_session: Session) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    data = camt_fixture("single_credit.053.v02.xml", claim)
    run_import(db_session, data)
    again = run_import(db_session, data)
    assert again.already_imported
    assert (again.booked, again.statements_new) == (0, 0)
    assert count(db_session, Payment) == 1
    assert count(db_session, BankStatement) == 1
    assert count(db_session, BankEntry) == 1


def test_a_statement_sent_again_with_another_message_id_is_already_imported(
    db_session: Session,
) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    run_import(db_session, camt_fixture("single_credit.053.v02.xml", claim))
    again = run_import(db_session, camt_fixture("duplicate_statement.053.v02.xml", claim))
    assert again.already_imported
    assert count(db_session, Payment) == 1


def test_an_entry_notified_by_camt054_and_then_stated_by_camt053_is_booked_once(
    db_session: Session,
) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    first = run_import(db_session, camt_fixture("notification.054.v08.xml", claim))
    assert (first.booked, first.not_final) == (1, 1)
    second = run_import(db_session, camt_fixture("single_credit.053.v02.xml", claim))
    assert (second.statements_new, second.booked, second.duplicates) == (1, 0, 1)
    booked, duplicate = _entries(db_session)
    assert duplicate.state == "duplicate"
    assert duplicate.duplicate_of_id == booked.id
    assert count(db_session, Payment) == 1
    db_session.refresh(claim)
    assert claim.balance == 15_000


def test_a_batch_is_matched_per_transaction_structured_text_and_unmatched(
    db_session: Session,
) -> None:
    first = make_claim(db_session, make_debtor(db_session, "Eerste Betaler"), 5_000)
    second = make_claim(db_session, make_debtor(db_session, "Tweede Betaler"), 9_000)
    summary = run_import(db_session, camt_fixture("batch.053.v02.xml", first, second))
    assert (summary.entries_read, summary.booked, summary.unmatched) == (3, 2, 1)
    a, b, c = _entries(db_session)
    assert (a.state, a.claim_id) == ("booked", first.id)
    assert (b.state, b.claim_id) == ("booked", second.id)
    assert (c.state, c.reason) == ("unmatched", "no_reference")
    db_session.refresh(first)
    db_session.refresh(second)
    assert (first.balance, second.balance) == (0, 1_500)


def test_an_unmatched_credit_goes_to_the_queue_as_a_work_item(db_session: Session) -> None:
    summary = run_import(db_session, (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes())
    assert summary.unmatched == 1
    [entry] = _entries(db_session)
    assert (entry.state, entry.reason) == ("unmatched", "no_reference")
    [item] = _open_items(db_session)
    assert (item.subject_type, item.subject_id) == ("bank_entry", entry.id)
    assert count(db_session, Payment) == 0


def test_stripe_payouts_are_marked_and_never_booked_or_queued(db_session: Session) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    summary = run_import(db_session, camt_fixture("payout.053.v02.xml", claim))
    assert (summary.payouts, summary.booked, summary.unmatched) == (2, 0, 0)
    assert {e.state for e in _entries(db_session)} == {"payout"}
    assert count(db_session, Payment) == 0
    assert _open_items(db_session) == []


def test_a_payout_cannot_be_assigned_to_a_claim(db_session: Session) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    run_import(db_session, camt_fixture("payout.053.v02.xml", claim))
    payout = _entries(db_session)[0]
    with pytest.raises(EntryNotAssignable):
        assign_entry(
            db_session,
            current_app.config["RULE_PACK"],
            payout.id,
            claim.id,
            staff_user_id=1,
            now=NOW,
        )


def test_a_reversal_undoes_the_allocation_with_appended_corrections(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 6_000)  # 100.00 paid: 40.00 goes to the credit
    run_import(db_session, camt_fixture("single_credit.053.v02.xml", claim))
    ledger_before = count(db_session, LedgerEntry)
    summary = run_import(db_session, (FIXTURES / "reversal.053.v02.xml").read_bytes())
    assert summary.reversals == 1
    original, reversal = _entries(db_session)
    assert (reversal.state, reversal.reversal_of_id) == ("reversal", original.id)
    payment = db_session.get(Payment, original.payment_id)
    assert payment is not None
    assert payment.state == "reversed"
    db_session.refresh(claim)
    assert claim.balance == 6_000
    corrections = db_session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.cause == "correction", LedgerEntry.claim_id == claim.id
        )
    ).all()
    assert sum(e.amount for e in corrections) == 6_000
    assert count(db_session, LedgerEntry) == ledger_before + len(corrections)
    credit = db_session.scalar(
        select(func.sum(DebtorAccountEntry.amount)).where(DebtorAccountEntry.debtor_id == debtor.id)
    )
    assert credit == 0
    assert claims_with_cache_mismatch(db_session) == []


def test_a_reversal_of_an_unknown_booking_goes_to_the_queue(db_session: Session) -> None:
    summary = run_import(db_session, (FIXTURES / "reversal.053.v02.xml").read_bytes())
    assert summary.unmatched == 1
    [entry] = _entries(db_session)
    assert (entry.state, entry.reason) == ("unmatched", "reversal_unknown")
    assert len(_open_items(db_session)) == 1


def test_a_statement_for_another_account_is_refused_and_nothing_is_stored(
    db_session: Session,
) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    with pytest.raises(WrongAccount, match="another account"):
        run_import(db_session, camt_fixture("other_account.053.v02.xml", claim))
    assert count(db_session, BankStatement) == 0
    assert count(db_session, BankEntry) == 0


@pytest.mark.parametrize(
    "name", ["billion_laughs.xml", "external_entity.xml", "truncated.053.v02.xml"]
)
def test_hostile_or_broken_files_store_nothing(db_session: Session, name: str) -> None:
    with pytest.raises(CamtError):
        run_import(db_session, (FIXTURES / name).read_bytes())
    assert count(db_session, BankStatement) == 0


def test_references_of_two_different_debtors_are_ambiguous(db_session: Session) -> None:
    first = make_claim(db_session, make_debtor(db_session, "Een"), 5_000)
    second = make_claim(db_session, make_debtor(db_session, "Twee"), 5_000)
    data = camt_fixture("batch.053.v02.xml", first, second).replace(
        b"huur november", f"{first.reference} en {second.reference}".encode()
    )
    run_import(db_session, data)
    third = _entries(db_session)[2]
    assert (third.state, third.reason) == ("unmatched", "ambiguous")


def test_entries_stored_but_not_processed_are_booked_when_the_import_runs_again(
    db_session: Session,
) -> None:
    """A crash between storing and booking: the entries wait in "received"."""
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    data = camt_fixture("single_credit.053.v02.xml", claim)

    def crash() -> None:
        db_session.commit()
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        svc.import_statement(
            db_session,
            current_app.config["RULE_PACK"],
            current_app.config["SALDO"],
            data,
            actor=Actor.system(),
            now=NOW,
            checkpoint=crash,
        )
    [entry] = _entries(db_session)
    assert entry.state == "received"
    summary = run_import(db_session, data)
    assert summary.already_imported
    assert summary.booked == 1
    db_session.refresh(entry)
    assert entry.state == "booked"


def test_a_caseworker_assigns_an_unmatched_credit_to_a_claim(db_session: Session) -> None:
    from tests.support.auth_helpers import make_staff

    staff = make_staff(db_session)
    debtor = make_debtor(db_session, "Kees Onbekend")
    claim = make_claim(db_session, debtor, 10_000)
    run_import(db_session, (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes())
    [entry] = _entries(db_session)
    rules = current_app.config["RULE_PACK"]
    [match] = search_debtors(db_session, rules, "kees onb")
    assert match.debtor.id == debtor.id
    assert match.claims == [claim]
    [by_ref] = search_debtors(db_session, rules, claim.reference or "")
    assert by_ref.debtor.id == debtor.id
    assign_entry(db_session, rules, entry.id, claim.id, staff_user_id=staff.id, now=NOW)
    assert (entry.state, entry.assigned_by_id, entry.claim_id) == ("assigned", staff.id, claim.id)
    db_session.refresh(claim)
    assert claim.balance == 10_000 - 4_200
    assert _open_items(db_session) == []
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "bank_entry.assigned"))
    assert audit is not None
    assert audit.staff_user_id == staff.id
    with pytest.raises(EntryNotAssignable):
        assign_entry(db_session, rules, entry.id, claim.id, staff_user_id=staff.id, now=NOW)


def test_the_queue_lists_unmatched_entries_oldest_first(db_session: Session) -> None:
    run_import(db_session, (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes())
    run_import(db_session, (FIXTURES / "reversal.053.v02.xml").read_bytes())
    entries = unmatched_entries(db_session)
    assert [e.reason for e in entries] == ["no_reference", "reversal_unknown"]


def test_the_payer_name_never_reaches_the_log(
    db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    claim = make_claim(db_session, make_debtor(db_session), 25_000)
    run_import(db_session, camt_fixture("single_credit.053.v02.xml", claim))
    run_import(db_session, (FIXTURES / "unmatched_credit.053.v02.xml").read_bytes())
    assert "de Vries" not in caplog.text
    assert "Onbekend" not in caplog.text
    assert "NL02RABO0123456789" not in caplog.text


def test_a_generated_statement_with_many_entries_is_imported_completely(
    db_session: Session,
) -> None:
    claims = [
        make_claim(db_session, make_debtor(db_session, f"Bulk {i}"), 50_000) for i in range(3)
    ]
    data = large_statement([c.reference or "" for c in claims], 50)
    summary = run_import(db_session, data)
    assert (summary.entries_read, summary.booked, summary.unmatched) == (50, 40, 10)
    assert count(db_session, Payment) == 40
    paid = db_session.scalar(
        select(func.sum(Claim.original_amount - Claim.principal_due)).where(
            Claim.id.in_([c.id for c in claims])
        )
    )
    assert paid == 40 * 100
