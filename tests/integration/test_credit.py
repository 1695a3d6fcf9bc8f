"""The debtor's credit account: overpayments land there, applying it pays a claim."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack
from portal.models import AuditEvent
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.services.audit import Actor
from portal.services.credit import CreditRefused
from portal.services.credit import apply_credit_to_claim
from portal.services.credit import credit_balance
from portal.services.ledger import append_entry
from portal.services.ledger import claims_with_cache_mismatch
from portal.services.ledger import ledger_balances
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.primitives import make_staff


@pytest.fixture
def rules(db_session: Session) -> RulePack:
    pack: RulePack = current_app.config["RULE_PACK"]
    return pack


def test_credit_balance_is_the_sum_of_the_entries_per_currency(db_session: Session) -> None:
    debtor = make_debtor(db_session)
    assert credit_balance(db_session, debtor.id, "EUR") == 0

    pay(db_session, debtor, 2_500)  # nothing owed: all of it is credit
    pay(db_session, debtor, 1_000)

    assert credit_balance(db_session, debtor.id, "EUR") == 3_500
    assert credit_balance(db_session, debtor.id, "DKK") == 0


def test_applying_credit_pays_the_claim_fee_first(db_session: Session, rules: RulePack) -> None:
    staff = make_staff(db_session)
    debtor = make_debtor(db_session)
    pay(db_session, debtor, 3_000)
    claim = make_claim(db_session, debtor, 10_000)
    append_entry(
        db_session, claim, component="fee", amount=1_500, cause="reminder_fee", effective_date=TODAY
    )

    apply_credit_to_claim(
        db_session,
        rules,
        debtor_id=debtor.id,
        claim_id=claim.id,
        amount=2_000,
        actor=Actor.staff(staff.id),
        on=TODAY,
    )
    db_session.flush()

    assert credit_balance(db_session, debtor.id, "EUR") == 1_000
    assert (claim.fee_due, claim.principal_due) == (0, 9_500)
    assert ledger_balances(db_session, claim.id) == {"principal": 9_500, "fee": 0, "interest": 0}
    assert claims_with_cache_mismatch(db_session) == []
    payments = db_session.scalars(
        select(LedgerEntry).where(LedgerEntry.claim_id == claim.id, LedgerEntry.cause == "payment")
    ).all()
    assert sorted((e.component, e.amount) for e in payments) == [
        ("fee", -1_500),
        ("principal", -500),
    ]
    used = db_session.scalar(
        select(DebtorAccountEntry).where(DebtorAccountEntry.cause == "applied_to_claim")
    )
    assert used is not None
    assert (used.amount, used.claim_id, used.staff_user_id) == (-2_000, claim.id, staff.id)
    assert {e.source for e in payments} == {f"credit:{used.id}"}
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "credit.applied"))
    assert event is not None
    assert (event.staff_user_id, event.debtor_id, event.object_id) == (
        staff.id,
        debtor.id,
        claim.id,
    )
    assert event.details["amount"] == 2_000


def test_more_than_the_credit_is_refused(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    pay(db_session, debtor, 1_000)
    claim = make_claim(db_session, debtor, 10_000)

    with pytest.raises(CreditRefused) as refused:
        apply_credit_to_claim(
            db_session,
            rules,
            debtor_id=debtor.id,
            claim_id=claim.id,
            amount=1_001,
            actor=Actor.system(),
            on=TODAY,
        )

    assert refused.value.code == "insufficient_credit"
    assert claim.balance == 10_000
    assert credit_balance(db_session, debtor.id, "EUR") == 1_000


def test_more_than_the_claim_balance_is_refused(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    pay(db_session, debtor, 5_000)
    claim = make_claim(db_session, debtor, 2_000)

    with pytest.raises(CreditRefused) as refused:
        apply_credit_to_claim(
            db_session,
            rules,
            debtor_id=debtor.id,
            claim_id=claim.id,
            amount=2_001,
            actor=Actor.system(),
            on=TODAY,
        )

    assert refused.value.code == "exceeds_claim_balance"
    assert claim.balance == 2_000
    assert credit_balance(db_session, debtor.id, "EUR") == 5_000


def test_exactly_the_claim_balance_settles_it(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    pay(db_session, debtor, 5_000)
    claim = make_claim(db_session, debtor, 2_000)

    apply_credit_to_claim(
        db_session,
        rules,
        debtor_id=debtor.id,
        claim_id=claim.id,
        amount=2_000,
        actor=Actor.citizen(debtor.id),
        on=TODAY,
    )

    assert claim.balance == 0
    assert credit_balance(db_session, debtor.id, "EUR") == 3_000


def test_credit_cannot_pay_another_debtors_claim(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    other = make_debtor(db_session, "Someone Else")
    pay(db_session, debtor, 5_000)
    claim_of_other = make_claim(db_session, other, 2_000)

    with pytest.raises(CreditRefused) as refused:
        apply_credit_to_claim(
            db_session,
            rules,
            debtor_id=debtor.id,
            claim_id=claim_of_other.id,
            amount=1_000,
            actor=Actor.system(),
            on=TODAY,
        )

    assert refused.value.code == "not_own_claim"
    assert claim_of_other.balance == 2_000


def test_a_cancelled_claim_takes_no_credit(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    pay(db_session, debtor, 5_000)
    claim = make_claim(db_session, debtor, 2_000)
    claim.cancelled_on = TODAY - timedelta(days=1)

    with pytest.raises(CreditRefused) as refused:
        apply_credit_to_claim(
            db_session,
            rules,
            debtor_id=debtor.id,
            claim_id=claim.id,
            amount=1_000,
            actor=Actor.system(),
            on=TODAY,
        )
    assert refused.value.code == "claim_closed"


@pytest.mark.parametrize("amount", [0, -5, True])
def test_the_amount_must_be_a_positive_whole_number(
    db_session: Session, rules: RulePack, amount: int
) -> None:
    debtor = make_debtor(db_session)
    pay(db_session, debtor, 5_000)
    claim = make_claim(db_session, debtor, 2_000)

    with pytest.raises(CreditRefused) as refused:
        apply_credit_to_claim(
            db_session,
            rules,
            debtor_id=debtor.id,
            claim_id=claim.id,
            amount=amount,
            actor=Actor.system(),
            on=TODAY,
        )
    assert refused.value.code == "invalid_amount"
