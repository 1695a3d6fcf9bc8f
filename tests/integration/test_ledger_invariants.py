"""Money invariants of the ledger: the cache equals the ledger, money is conserved, nothing
goes below zero, and a payment is booked exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.credit import apply_credit_to_claim
from portal.services.credit import credit_balance
from portal.services.ledger import NegativeBalance
from portal.services.ledger import append_entry
from portal.services.ledger import claims_with_cache_mismatch
from portal.services.ledger import ledger_balances
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay


@dataclass(frozen=True)
class Issue:
    amount: int


@dataclass(frozen=True)
class Pay:
    amount: int
    earmark: int | None  # index into the claims issued so far


@dataclass(frozen=True)
class Overpay:
    extra: int  # paid beyond everything owed, so it must land on the credit account


@dataclass(frozen=True)
class Charge:
    claim: int
    component: str  # fee or interest
    amount: int


@dataclass(frozen=True)
class UseCredit:
    claim: int
    percent: int  # of what can be used: min(credit, claim balance)


OPERATIONS = st.one_of(
    st.builds(Issue, st.integers(1, 50_000)),
    st.builds(Pay, st.integers(1, 80_000), st.none() | st.integers(0, 9)),
    st.builds(Overpay, st.integers(1, 20_000)),
    st.builds(
        Charge, st.integers(0, 9), st.sampled_from(["fee", "interest"]), st.integers(1, 5_000)
    ),
    st.builds(UseCredit, st.integers(0, 9), st.integers(1, 100)),
)


def _sum(session: Session, query: object) -> int:
    return int(session.scalar(query) or 0)  # type: ignore[call-overload]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=st.integers(1, 50_000), operations=st.lists(OPERATIONS, max_size=12))
def test_cache_equals_ledger_and_money_is_conserved_after_any_operations(
    db_session: Session, first: int, operations: list[object]
) -> None:
    rules: RulePack = current_app.config["RULE_PACK"]
    savepoint = db_session.begin_nested()  # each example starts from the same database
    try:
        debtor = make_debtor(db_session)
        claims = [make_claim(db_session, debtor, first)]
        paid = charged = 0
        for step, operation in enumerate(operations):
            on = TODAY + timedelta(days=step)
            if isinstance(operation, Issue):
                claims.append(make_claim(db_session, debtor, operation.amount, issue_date=on))
            elif isinstance(operation, Pay):
                earmarked = None
                if operation.earmark is not None:
                    earmarked = claims[operation.earmark % len(claims)]
                pay(db_session, debtor, operation.amount, claim=earmarked, on=on)
                paid += operation.amount
            elif isinstance(operation, Overpay):
                owed = sum(c.balance for c in claims)
                pay(db_session, debtor, owed + operation.extra, on=on)
                paid += owed + operation.extra
            elif isinstance(operation, Charge):
                claim = claims[operation.claim % len(claims)]
                cause = "reminder_fee" if operation.component == "fee" else "interest"
                append_entry(
                    db_session,
                    claim,
                    component=operation.component,
                    amount=operation.amount,
                    cause=cause,
                    effective_date=on,
                )
                charged += operation.amount
            elif isinstance(operation, UseCredit):
                claim = claims[operation.claim % len(claims)]
                usable = min(credit_balance(db_session, debtor.id, "EUR"), claim.balance)
                amount = usable * operation.percent // 100
                if amount > 0:
                    apply_credit_to_claim(
                        db_session,
                        rules,
                        debtor_id=debtor.id,
                        claim_id=claim.id,
                        amount=amount,
                        actor=Actor.system(),
                        on=on,
                    )
        db_session.flush()

        assert claims_with_cache_mismatch(db_session) == []
        for claim in claims:
            assert min(claim.principal_due, claim.fee_due, claim.interest_due) >= 0
            balances = ledger_balances(db_session, claim.id)
            assert (balances["principal"], balances["fee"], balances["interest"]) == (
                claim.principal_due,
                claim.fee_due,
                claim.interest_due,
            )
        claim_ids = [c.id for c in claims]
        ledger_payments = _sum(
            db_session,
            select(func.sum(LedgerEntry.amount)).where(
                LedgerEntry.claim_id.in_(claim_ids), LedgerEntry.cause == "payment"
            ),
        )
        credit = credit_balance(db_session, debtor.id, "EUR")
        # Every cent received is either on a claim (as a payment entry) or on the credit.
        assert paid == -ledger_payments + credit
        assert credit >= 0
        issued = first + sum(o.amount for o in operations if isinstance(o, Issue))
        assert sum(c.balance for c in claims) == issued + charged + ledger_payments
    finally:
        savepoint.rollback()


def _incoming(debtor_id: int, amount: int, reference: str = "evt-1") -> IncomingPayment:
    return IncomingPayment(
        provider="stripe",
        provider_reference=reference,
        amount=amount,
        currency="EUR",
        method="card",
        debtor_id=debtor_id,
        received_on=TODAY,
    )


def test_a_payment_is_booked_once_when_the_same_event_comes_twice(db_session: Session) -> None:
    rules: RulePack = current_app.config["RULE_PACK"]
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 10_000)

    first = book_payment(db_session, rules, _incoming(debtor.id, 4_000), actor=Actor.system())
    second = book_payment(db_session, rules, _incoming(debtor.id, 4_000), actor=Actor.system())
    db_session.flush()

    assert (first.created, second.created) == (True, False)
    assert second.payment.id == first.payment.id
    assert claim.balance == 6_000
    assert db_session.scalar(select(func.count()).select_from(Payment)) == 1
    entries = db_session.scalar(
        select(func.count()).where(LedgerEntry.payment_id == first.payment.id)
    )
    assert entries == 1
    booked = db_session.scalar(select(func.count()).where(AuditEvent.action == "payment.booked"))
    assert booked == 1
    assert claims_with_cache_mismatch(db_session) == []


def test_overpayment_goes_to_the_credit_account_never_below_zero(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    older = make_claim(db_session, debtor, 3_000)
    newer = make_claim(db_session, debtor, 2_000, issue_date=TODAY - timedelta(days=10))

    pay(db_session, debtor, 7_250)
    db_session.flush()

    assert (older.balance, newer.balance) == (0, 0)
    assert credit_balance(db_session, debtor.id, "EUR") == 2_250
    negative = db_session.scalars(
        select(Claim.id).where(
            (Claim.principal_due < 0) | (Claim.fee_due < 0) | (Claim.interest_due < 0)
        )
    ).all()
    assert negative == []
    credit = db_session.scalars(
        select(DebtorAccountEntry).where(DebtorAccountEntry.debtor_id == debtor.id)
    ).all()
    assert [(e.cause, e.amount) for e in credit] == [("overpayment", 2_250)]
    assert credit[0].payment_id is not None


def _write_behind_the_ledgers_back(session: Session, claim: Claim, column: str, value: int) -> None:
    # In a savepoint, so the refused write does not end the test's transaction (PostgreSQL).
    with session.begin_nested():
        setattr(claim, column, value)
        session.flush()


@pytest.mark.parametrize("column", ["principal_due", "fee_due", "interest_due"])
def test_the_database_refuses_a_negative_cached_balance(db_session: Session, column: str) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 1_000)
    db_session.flush()

    with pytest.raises(IntegrityError):
        _write_behind_the_ledgers_back(db_session, claim, column, -1)

    db_session.expire_all()
    assert getattr(db_session.get(Claim, claim.id), column) >= 0


def test_the_ledger_service_refuses_an_entry_below_zero(db_session: Session) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 1_000)

    with pytest.raises(NegativeBalance):
        append_entry(
            db_session,
            claim,
            component="principal",
            amount=-1_001,
            cause="correction",
            effective_date=TODAY,
        )
    with pytest.raises(NegativeBalance):
        append_entry(
            db_session, claim, component="fee", amount=-1, cause="correction", effective_date=TODAY
        )
    assert claim.balance == 1_000
    assert claims_with_cache_mismatch(db_session) == []


def test_a_ledger_entry_moves_money(db_session: Session) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 1_000)
    with pytest.raises(ValueError, match="zero"):
        append_entry(
            db_session, claim, component="fee", amount=0, cause="reminder_fee", effective_date=TODAY
        )
