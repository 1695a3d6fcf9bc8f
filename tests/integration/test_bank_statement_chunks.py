"""Statement import at city scale: chunks, bulk booking, crashes and fallbacks."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.models import AuditEvent
from portal.models import BankEntry
from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import WorkItem
from portal.payments.camt_writer import write_camt
from portal.services import bank_statements as svc
from portal.services import statement_matching
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.ledger import claims_with_cache_mismatch
from tests.support.bank import IBAN
from tests.support.bank import NOW
from tests.support.bank import large_statement
from tests.support.bank import run_import
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.payments import count

DAY = date(2026, 11, 20)


def _credits(payments: list[tuple[str, int]], statement_id: str = "CHUNK-1") -> bytes:
    """A camt.053 with one credit per (reference, amount)."""
    entries = tuple(
        CamtEntry(
            index=i,
            amount=amount,
            currency="EUR",
            credit=True,
            reversal=False,
            status="BOOK",
            booking_date=DAY,
            value_date=DAY,
            acct_svcr_ref=f"{statement_id}-{i:06d}",
            transactions=(
                CamtTransaction(
                    index=0, amount=amount, currency="EUR", structured_refs=(reference,)
                ),
            ),
        )
        for i, (reference, amount) in enumerate(payments)
    )
    statement = CamtStatement(
        message_type="camt.053",
        version="001.02",
        statement_id=statement_id,
        sequence_number=1,
        account_iban=IBAN,
        entries=entries,
    )
    return write_camt(statement, message_id=f"MSG-{statement_id}", created="2026-11-20T18:00:00")


def _claims(session: Session, n: int = 3) -> list[Claim]:
    return [make_claim(session, make_debtor(session, f"Chunk {i}"), 50_000) for i in range(n)]


def _import(session: Session, data: bytes, checkpoint: object) -> svc.ImportSummary:
    return svc.import_statement(
        session,
        current_app.config["RULE_PACK"],
        current_app.config["SALDO"],
        data,
        actor=Actor.system(),
        now=NOW,
        checkpoint=checkpoint,  # type: ignore[arg-type]
    )


def test_a_statement_larger_than_a_chunk_is_booked_with_a_commit_after_each_chunk(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(svc, "CHUNK", 7)
    claims = _claims(db_session)
    commits: list[int] = []

    def checkpoint() -> None:
        commits.append(count(db_session, Payment))
        db_session.commit()

    summary = _import(
        db_session, large_statement([c.reference or "" for c in claims], 30), checkpoint
    )

    assert (summary.entries_read, summary.booked, summary.unmatched) == (30, 24, 6)
    # stored first (nothing booked), then one commit per chunk of 7 entries
    assert commits == [0, 6, 12, 17, 23, 24]
    assert count(db_session, Payment) == 24
    assert count(db_session, WorkItem) == 6
    booked_events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.booked")
    ).all()
    assert len(booked_events) == 24
    assert claims_with_cache_mismatch(db_session) == []
    states = db_session.scalars(select(BankEntry.state).order_by(BankEntry.id)).all()
    assert states == ["unmatched" if i % 5 == 4 else "booked" for i in range(30)]


def test_a_crash_loses_at_most_one_chunk_and_the_import_again_books_each_entry_once(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(svc, "CHUNK", 10)
    claims = _claims(db_session)
    data = large_statement([c.reference or "" for c in claims], 30)
    calls: list[int] = []

    def crash_in_second_chunk() -> None:
        calls.append(1)
        if len(calls) == 3:  # stored, first chunk committed, then the power goes
            db_session.rollback()
            raise RuntimeError("power cut")
        db_session.commit()

    with pytest.raises(RuntimeError):
        _import(db_session, data, crash_in_second_chunk)
    assert count(db_session, Payment) == 8
    states = db_session.scalars(select(BankEntry.state).order_by(BankEntry.id)).all()
    assert states[10:] == ["received"] * 20

    summary = run_import(db_session, data)

    assert summary.already_imported
    assert (summary.booked, summary.unmatched) == (16, 4)
    assert count(db_session, Payment) == 24
    assert count(db_session, WorkItem) == 6
    assert claims_with_cache_mismatch(db_session) == []
    again = run_import(db_session, data)
    assert (again.booked, again.unmatched, count(db_session, Payment)) == (0, 0, 24)


def test_when_a_chunk_fails_its_entries_are_processed_one_by_one(
    db_session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> list[int]:
        raise RuntimeError("bulk path broken")

    monkeypatch.setattr(statement_matching, "book_payments_bulk", broken)
    caplog.set_level(logging.WARNING)
    claims = _claims(db_session)

    summary = run_import(db_session, large_statement([c.reference or "" for c in claims], 50))

    assert (summary.booked, summary.unmatched) == (40, 10)
    assert count(db_session, Payment) == 40
    assert count(db_session, WorkItem) == 10
    assert claims_with_cache_mismatch(db_session) == []
    assert "one by one" in caplog.text
    assert "Chunk 0" not in caplog.text


def test_bulk_booking_allocates_exactly_as_booking_one_payment_at_a_time(
    db_session: Session,
) -> None:
    """Same claims for two debtors: one debtor's payments come in a statement (bulk), the
    other's are booked one by one with book_payment; ledger and credit must be the same."""
    rules = current_app.config["RULE_PACK"]
    amounts = [(1, 2_000), (1, 2_500), (0, 7_000), (1, 4_000), (0, 1)]
    debtors, claims = [], []
    for name in ("Bulk", "Single"):
        debtor = make_debtor(db_session, name)
        debtors.append(debtor)
        claims.append(
            [
                make_claim(db_session, debtor, 5_000, due_date=date(2026, 10, 1)),
                make_claim(db_session, debtor, 3_000, due_date=date(2026, 10, 15)),
            ]
        )
    bulk, single = claims
    summary = run_import(
        db_session, _credits([(bulk[which].reference or "", amount) for which, amount in amounts])
    )
    assert summary.booked == len(amounts)
    for i, (which, amount) in enumerate(amounts):
        book_payment(
            db_session,
            rules,
            IncomingPayment(
                provider="test",
                provider_reference=f"single-{i}",
                amount=amount,
                currency="EUR",
                method="bank_transfer",
                debtor_id=debtors[1].id,
                received_on=DAY,
                earmarked_claim_id=single[which].id,
            ),
            actor=Actor.system(),
        )
    db_session.commit()

    def ledger(claim_list: list[Claim]) -> list[list[tuple[str, int, str, date]]]:
        return [
            [
                (e.component, e.amount, e.cause, e.effective_date)
                for e in db_session.scalars(
                    select(LedgerEntry).where(LedgerEntry.claim_id == c.id).order_by(LedgerEntry.id)
                )
            ]
            for c in claim_list
        ]

    def credit(debtor_id: int) -> list[int]:
        return list(
            db_session.scalars(
                select(DebtorAccountEntry.amount)
                .where(DebtorAccountEntry.debtor_id == debtor_id)
                .order_by(DebtorAccountEntry.id)
            )
        )

    assert ledger(bulk) == ledger(single)
    assert credit(debtors[0].id) == credit(debtors[1].id) == [3_500, 4_000, 1]
    db_session.expire_all()
    assert [c.balance for c in bulk] == [c.balance for c in single] == [0, 0]
    assert claims_with_cache_mismatch(db_session) == []
    payments = db_session.scalars(
        select(Payment).where(Payment.debtor_id == debtors[0].id).order_by(Payment.id)
    ).all()
    assert [(p.amount, p.state, p.earmarked_claim_id) for p in payments] == [
        (amount, "allocated", bulk[which].id) for which, amount in amounts
    ]
    events = db_session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "payment.booked", AuditEvent.debtor_id == debtors[0].id)
        .order_by(AuditEvent.id)
    ).all()
    assert [e.details["unallocated"] for e in events] == [0, 0, 3_500, 4_000, 1]
    assert [e.object_id for e in events] == [p.id for p in payments]
