"""Refunds of a debtor's credit as services: four eyes, set-aside credit, pain.001 export,
booking when the file is sent, provider refunds, and reversals of credit already used."""

from __future__ import annotations

import itertools
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import BankEntry
from portal.models import Claim
from portal.models import Debtor
from portal.models import DebtorAccountEntry
from portal.models import Payment
from portal.models import Refund
from portal.models import StaffUser
from portal.payments.sandbox import SandboxProvider
from portal.services import pain001
from portal.services import refunds as svc
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.credit import CreditRefused
from portal.services.credit import apply_credit_to_claim
from portal.services.credit import credit_balance
from tests.support.bank import FIXTURES
from tests.support.bank import camt_fixture
from tests.support.bank import run_import
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
IBAN = "NL02 ABNA 0123 4567 89"
_keys = itertools.count(1)


def key() -> str:
    return f"refund-test-{next(_keys)}"


def overpaid(
    session: Session,
    app: Flask,
    *,
    owed: int = 10_000,
    paid: int = 15_000,
    provider: str = "sandbox",
) -> tuple[Debtor, Claim, Payment]:
    """A debtor who paid `paid` online on a claim of `owed`: the rest is credit."""
    debtor = make_debtor(session, "Credit Person")
    claim = make_claim(session, debtor, owed)
    result = book_payment(
        session,
        app.config["RULE_PACK"],
        IncomingPayment(
            provider=provider,
            provider_reference=f"pi_refund_test_{next(_keys)}",
            amount=paid,
            currency="EUR",
            method="card",
            debtor_id=debtor.id,
            received_on=date(2026, 11, 20),
            earmarked_claim_id=claim.id,
        ),
        actor=Actor.system(),
    )
    return debtor, claim, result.payment


def bank_refund(
    session: Session, debtor: Debtor, staff: StaffUser, amount: int, submission_key: str = ""
) -> Refund:
    return svc.request_refund(
        session,
        debtor_id=debtor.id,
        amount=amount,
        currency="EUR",
        method="bank",
        staff_user_id=staff.id,
        submission_key=submission_key or key(),
        now=NOW,
        iban=IBAN,
        account_holder="Credit Person",
        note="Paid twice",
    )


def _entries(session: Session, debtor: Debtor) -> list[DebtorAccountEntry]:
    return list(
        session.scalars(
            select(DebtorAccountEntry)
            .where(DebtorAccountEntry.debtor_id == debtor.id)
            .order_by(DebtorAccountEntry.id)
        )
    )


def test_a_bank_refund_is_set_aside_approved_by_another_exported_and_booked_when_sent(
    app: Flask, db_session: Session
) -> None:
    debtor, _claim, _payment = overpaid(db_session, app)
    caseworker, supervisor = make_staff(db_session), make_staff(db_session, "supervisor")
    refund = bank_refund(db_session, debtor, caseworker, 3_000)
    assert (refund.state, refund.iban, refund.bic) == (
        "requested",
        "NL02ABNA0123456789",
        "ABNANL2A",
    )
    assert credit_balance(db_session, debtor.id, "EUR") == 5_000
    assert svc.available_credit(db_session, debtor.id, "EUR") == 2_000

    svc.approve_refund(
        db_session, refund.id, staff_user_id=supervisor.id, expected_state="requested", now=NOW
    )
    export = pain001.create_export(
        db_session,
        app.config["SALDO"],
        currency="EUR",
        staff_user_id=supervisor.id,
        now=NOW,
        execution_date=date(2026, 11, 24),
    )
    assert refund.state == "exported"
    assert (export.count, export.total) == (1, 3_000)
    assert '<InstdAmt Ccy="EUR">30.00</InstdAmt>' in export.xml
    assert "NL02ABNA0123456789" in export.xml
    assert credit_balance(db_session, debtor.id, "EUR") == 5_000  # not booked before it is sent

    pain001.mark_export_sent(db_session, export.id, staff_user_id=supervisor.id, now=NOW)
    assert refund.state == "executed"
    assert credit_balance(db_session, debtor.id, "EUR") == 2_000
    assert [(e.amount, e.cause) for e in _entries(db_session, debtor)][-1] == (-3_000, "refund")
    with pytest.raises(pain001.ExportRefused, match="already_sent"):
        pain001.mark_export_sent(db_session, export.id, staff_user_id=supervisor.id, now=NOW)
    assert credit_balance(db_session, debtor.id, "EUR") == 2_000


def test_the_person_who_asked_cannot_approve_or_reject(app: Flask, db_session: Session) -> None:
    debtor, _claim, _payment = overpaid(db_session, app)
    supervisor = make_staff(db_session, "supervisor")
    refund = bank_refund(db_session, debtor, supervisor, 1_000)
    with pytest.raises(svc.RefundRefused) as refused:
        svc.approve_refund(
            db_session, refund.id, staff_user_id=supervisor.id, expected_state="requested", now=NOW
        )
    assert refused.value.code == "same_person"
    with pytest.raises(svc.RefundRefused):
        svc.reject_refund(
            db_session,
            refund.id,
            staff_user_id=supervisor.id,
            reason="no",
            expected_state="requested",
            now=NOW,
        )
    assert refund.state == "requested"


def test_a_stale_decision_is_refused(app: Flask, db_session: Session) -> None:
    debtor, _claim, _payment = overpaid(db_session, app)
    caseworker = make_staff(db_session)
    first, second = make_staff(db_session, "supervisor"), make_staff(db_session, "supervisor")
    refund = bank_refund(db_session, debtor, caseworker, 1_000)
    svc.reject_refund(
        db_session,
        refund.id,
        staff_user_id=first.id,
        reason="Wrong account",
        expected_state="requested",
        now=NOW,
    )
    with pytest.raises(svc.RefundRefused) as refused:
        svc.approve_refund(
            db_session, refund.id, staff_user_id=second.id, expected_state="requested", now=NOW
        )
    assert refused.value.code == "stale"
    assert refund.state == "rejected"
    assert svc.available_credit(db_session, debtor.id, "EUR") == 5_000  # free again


def test_the_same_form_sent_twice_makes_one_refund(app: Flask, db_session: Session) -> None:
    debtor, _claim, _payment = overpaid(db_session, app)
    caseworker = make_staff(db_session)
    one = bank_refund(db_session, debtor, caseworker, 2_000, "double-click")
    two = bank_refund(db_session, debtor, caseworker, 2_000, "double-click")
    assert one.id == two.id
    count = db_session.scalar(select(func.count()).where(Refund.debtor_id == debtor.id))
    assert count == 1


@pytest.mark.parametrize(
    ("amount", "iban", "holder", "code"),
    [
        (5_001, IBAN, "Credit Person", "exceeds_credit"),
        (0, IBAN, "Credit Person", "invalid_amount"),
        (1_000, "NL02ABNA0123456780", "Credit Person", "invalid_iban"),
        (1_000, IBAN, " ", "missing_holder"),
    ],
)
def test_a_refused_request_changes_nothing(
    app: Flask, db_session: Session, amount: int, iban: str, holder: str, code: str
) -> None:
    debtor, _claim, _payment = overpaid(db_session, app)
    with pytest.raises(svc.RefundRefused) as refused:
        svc.request_refund(
            db_session,
            debtor_id=debtor.id,
            amount=amount,
            currency="EUR",
            method="bank",
            staff_user_id=make_staff(db_session).id,
            submission_key=key(),
            now=NOW,
            iban=iban,
            account_holder=holder,
        )
    assert refused.value.code == code
    assert db_session.scalar(select(func.count()).where(Refund.debtor_id == debtor.id)) == 0
    assert svc.available_credit(db_session, debtor.id, "EUR") == 5_000


def test_credit_set_aside_for_a_refund_cannot_be_applied_to_a_bill(
    app: Flask, db_session: Session
) -> None:
    debtor, _claim, _payment = overpaid(db_session, app)
    other = make_claim(db_session, debtor, 8_000)
    bank_refund(db_session, debtor, make_staff(db_session), 4_000)
    with pytest.raises(CreditRefused) as refused:
        apply_credit_to_claim(
            db_session,
            app.config["RULE_PACK"],
            debtor_id=debtor.id,
            claim_id=other.id,
            amount=2_000,
            actor=Actor.system(),
            on=date(2026, 11, 23),
        )
    assert refused.value.code == "insufficient_credit"


def test_a_card_refund_goes_back_through_the_provider_once(app: Flask, db_session: Session) -> None:
    debtor, _claim, payment = overpaid(db_session, app)
    caseworker, supervisor = make_staff(db_session), make_staff(db_session, "supervisor")
    assert [row.payment.id for row in svc.refundable_payments(db_session, debtor.id, "EUR")] == [
        payment.id
    ]
    refund = svc.request_refund(
        db_session,
        debtor_id=debtor.id,
        amount=5_000,
        currency="EUR",
        method="provider",
        staff_user_id=caseworker.id,
        submission_key=key(),
        now=NOW,
        payment_id=payment.id,
    )
    svc.approve_refund(
        db_session, refund.id, staff_user_id=supervisor.id, expected_state="requested", now=NOW
    )
    sandbox = SandboxProvider(app.config["SALDO"])
    calls: list[tuple[str, int, str]] = []

    def refunder(reference: str, amount: int, idempotency_key: str) -> str:
        calls.append((reference, amount, idempotency_key))
        return sandbox.refund(reference, amount, idempotency_key=idempotency_key)

    for _ in range(2):  # a retry or a double click: one refund at the provider, booked once
        svc.execute_provider_refund(
            db_session, refund.id, refunder=refunder, staff_user_id=supervisor.id, now=NOW
        )
    assert calls == [(payment.provider_reference, 5_000, f"saldo-refund-{refund.id}")]
    assert refund.state == "executed"
    assert refund.provider_refund_id == f"sbx_re_saldo-refund-{refund.id}"
    assert credit_balance(db_session, debtor.id, "EUR") == 0


def test_a_card_refund_cannot_exceed_what_the_payment_brought(
    app: Flask, db_session: Session
) -> None:
    debtor, _claim, payment = overpaid(db_session, app, owed=1_000, paid=3_000)
    make_claim(db_session, debtor, 100)
    with pytest.raises(svc.RefundRefused) as refused:
        svc.request_refund(
            db_session,
            debtor_id=debtor.id,
            amount=3_001,
            currency="EUR",
            method="provider",
            staff_user_id=make_staff(db_session).id,
            submission_key=key(),
            now=NOW,
            payment_id=payment.id,
        )
    assert refused.value.code in ("exceeds_credit", "exceeds_payment")


def test_a_bank_reversal_of_credit_already_refunded_goes_to_a_person_not_below_zero(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 6_000)  # 100.00 paid: 40.00 goes to the credit
    run_import(db_session, camt_fixture("single_credit.053.v02.xml", claim))
    caseworker, supervisor = make_staff(db_session), make_staff(db_session, "supervisor")
    refund = bank_refund(db_session, debtor, caseworker, 4_000)
    svc.approve_refund(
        db_session, refund.id, staff_user_id=supervisor.id, expected_state="requested", now=NOW
    )
    export = pain001.create_export(
        db_session,
        app.config["SALDO"],
        currency="EUR",
        staff_user_id=supervisor.id,
        now=NOW,
        execution_date=date(2026, 11, 24),
    )
    pain001.mark_export_sent(db_session, export.id, staff_user_id=supervisor.id, now=NOW)
    assert credit_balance(db_session, debtor.id, "EUR") == 0

    summary = run_import(db_session, (FIXTURES / "reversal.053.v02.xml").read_bytes())

    assert summary.unmatched == 1
    reversal = db_session.scalar(select(BankEntry).where(BankEntry.reversal.is_(True)))
    assert reversal is not None
    assert (reversal.state, reversal.reason) == ("unmatched", "reversal_credit_used")
    assert credit_balance(db_session, debtor.id, "EUR") == 0
    db_session.refresh(claim)
    assert claim.balance == 0  # nothing was booked: a person decides
