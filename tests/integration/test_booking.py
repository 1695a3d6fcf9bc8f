"""Booking a payment: allocated over the debtor's open claims, surplus to credit, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack
from portal.models import AuditEvent
from portal.models import LedgerEntry
from portal.models import Payment
from portal.services import booking
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.credit import credit_balance
from portal.services.ledger import append_entry
from portal.services.ledger import claims_with_cache_mismatch
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor


@pytest.fixture
def rules(db_session: Session) -> RulePack:
    pack: RulePack = current_app.config["RULE_PACK"]
    return pack


def incoming(
    debtor_id: int, amount: int, *, reference: str = "bank-1", earmarked_claim_id: int | None = None
) -> IncomingPayment:
    return IncomingPayment(
        provider="bank",
        provider_reference=reference,
        amount=amount,
        currency="EUR",
        method="bank_transfer",
        debtor_id=debtor_id,
        received_on=TODAY,
        earmarked_claim_id=earmarked_claim_id,
    )


def test_a_payment_covers_the_oldest_due_claim_first_fee_before_principal(
    db_session: Session, rules: RulePack
) -> None:
    debtor = make_debtor(db_session)
    newer = make_claim(db_session, debtor, 5_000, issue_date=TODAY - timedelta(days=20))
    older = make_claim(db_session, debtor, 3_000, issue_date=TODAY - timedelta(days=90))
    append_entry(
        db_session, older, component="fee", amount=700, cause="reminder_fee", effective_date=TODAY
    )

    result = book_payment(db_session, rules, incoming(debtor.id, 4_000), actor=Actor.system())
    db_session.flush()

    assert result.created
    assert (older.fee_due, older.principal_due) == (0, 0)
    assert newer.principal_due == 5_000 - 300
    lines = db_session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.payment_id == result.payment.id)
        .order_by(LedgerEntry.id)
    ).all()
    assert [(e.claim_id, e.component, e.amount) for e in lines] == [
        (older.id, "fee", -700),
        (older.id, "principal", -3_000),
        (newer.id, "principal", -300),
    ]
    assert all(e.cause == "payment" and e.effective_date == TODAY for e in lines)
    assert result.payment.state == "allocated"
    assert claims_with_cache_mismatch(db_session) == []


def test_an_earmarked_claim_is_covered_first(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    older = make_claim(db_session, debtor, 3_000, issue_date=TODAY - timedelta(days=90))
    chosen = make_claim(db_session, debtor, 2_000, issue_date=TODAY - timedelta(days=10))

    book_payment(
        db_session,
        rules,
        incoming(debtor.id, 2_500, earmarked_claim_id=chosen.id),
        actor=Actor.system(),
    )

    assert chosen.balance == 0
    assert older.balance == 2_500


def test_a_replayed_payment_changes_nothing(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 10_000)
    book_payment(db_session, rules, incoming(debtor.id, 2_000), actor=Actor.system())

    replay = book_payment(db_session, rules, incoming(debtor.id, 2_000), actor=Actor.system())
    # Even a replay with another amount is the same event: it was booked already.
    odd = book_payment(db_session, rules, incoming(debtor.id, 9_999), actor=Actor.system())

    assert not replay.created
    assert not odd.created
    assert claim.balance == 8_000
    assert db_session.scalar(select(func.count()).select_from(Payment)) == 1


def test_the_same_reference_from_another_provider_is_another_payment(
    db_session: Session, rules: RulePack
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 10_000)
    book_payment(db_session, rules, incoming(debtor.id, 1_000), actor=Actor.system())
    other = IncomingPayment(
        provider="stripe",
        provider_reference="bank-1",
        amount=1_000,
        currency="EUR",
        method="card",
        debtor_id=debtor.id,
        received_on=TODAY,
    )

    assert book_payment(db_session, rules, other, actor=Actor.system()).created
    assert claim.balance == 8_000


def test_losing_the_booking_race_returns_the_other_booking(
    db_session: Session, rules: RulePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 10_000)
    winner = book_payment(db_session, rules, incoming(debtor.id, 2_000), actor=Actor.system())
    real_find = booking._find
    calls: list[int] = []

    def find_missing_the_first_time(*args: object) -> Payment | None:
        calls.append(1)
        return None if len(calls) == 1 else real_find(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(booking, "_find", find_missing_the_first_time)
    loser = book_payment(db_session, rules, incoming(debtor.id, 2_000), actor=Actor.system())

    assert not loser.created
    assert loser.payment.id == winner.payment.id
    assert claim.balance == 8_000


def test_a_payment_without_open_claims_is_all_credit(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    result = book_payment(db_session, rules, incoming(debtor.id, 1_234), actor=Actor.system())

    assert result.created
    assert credit_balance(db_session, debtor.id, "EUR") == 1_234
    assert (
        db_session.scalar(select(func.count()).where(LedgerEntry.payment_id == result.payment.id))
        == 0
    )


def test_cancelled_and_handed_over_claims_are_not_covered(
    db_session: Session, rules: RulePack
) -> None:
    debtor = make_debtor(db_session)
    cancelled = make_claim(db_session, debtor, 1_000, issue_date=TODAY - timedelta(days=300))
    handed_over = make_claim(db_session, debtor, 1_000, issue_date=TODAY - timedelta(days=200))
    open_claim = make_claim(db_session, debtor, 1_000, issue_date=TODAY - timedelta(days=100))
    cancelled.cancelled_on = TODAY - timedelta(days=5)
    handed_over.handed_over_on = TODAY - timedelta(days=5)

    book_payment(db_session, rules, incoming(debtor.id, 1_500), actor=Actor.system())

    assert (cancelled.balance, handed_over.balance, open_claim.balance) == (1_000, 1_000, 0)
    assert credit_balance(db_session, debtor.id, "EUR") == 500


def test_another_debtors_claims_are_never_covered(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    other = make_debtor(db_session, "Other Person")
    others_claim = make_claim(db_session, other, 1_000)

    book_payment(
        db_session,
        rules,
        incoming(debtor.id, 500, earmarked_claim_id=others_claim.id),
        actor=Actor.system(),
    )

    assert others_claim.balance == 1_000
    assert credit_balance(db_session, debtor.id, "EUR") == 500


@pytest.mark.parametrize("amount", [0, -100])
def test_a_payment_amount_must_be_positive(
    db_session: Session, rules: RulePack, amount: int
) -> None:
    debtor = make_debtor(db_session)
    with pytest.raises(ValueError, match="positive"):
        book_payment(db_session, rules, incoming(debtor.id, amount), actor=Actor.system())
    assert db_session.scalar(select(func.count()).select_from(Payment)) == 0


def test_booking_is_audited_with_internal_ids_only(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session, "Jan Jansen")
    make_claim(db_session, debtor, 1_000)
    result = book_payment(db_session, rules, incoming(debtor.id, 1_200), actor=Actor.system())
    db_session.flush()

    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.booked"))
    assert event is not None
    assert (event.actor_kind, event.debtor_id, event.object_id) == (
        "system",
        debtor.id,
        result.payment.id,
    )
    assert event.details == {"amount": 1_200, "provider": "bank", "unallocated": 200}
    assert "Jansen" not in str(event.details)
