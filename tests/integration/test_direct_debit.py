"""Direct debit services (issue 8): mandates, the collection batch, settlement and returns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import BankEntry
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import Letter
from portal.models import Mandate
from portal.models import Payment
from portal.models import PlanInstallment
from portal.models import Signal
from portal.models import WorkItem
from portal.models.base import utcnow
from portal.services import direct_debit as svc
from portal.services import direct_debit_returns as returns
from portal.services.audit import Actor
from portal.services.ledger import claims_with_cache_mismatch
from portal.services.pain008 import validate_pain008
from tests.support.bank import run_import
from tests.support.direct_debit import BAD_CHECKSUM
from tests.support.direct_debit import GERMAN_IBAN
from tests.support.direct_debit import NOT_SEPA
from tests.support.direct_debit import active_plan
from tests.support.direct_debit import collections
from tests.support.direct_debit import run
from tests.support.direct_debit import sign
from tests.support.direct_debit import signed_plan
from tests.support.direct_debit import statement
from tests.support.direct_debit import use_folder
from tests.support.factories import TODAY
from tests.support.plans import rules

#: the Monday before the first installment (7 Dec 2026): 5 business days ahead reaches it
FILE_DAY = date(2026, 11, 30)
FIRST_DUE = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the batch writes its pain.008 files in these tests."""
    path = tmp_path / "direct_debit"
    use_folder(monkeypatch, path)
    return path


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _letters(session: Session, kind: str) -> list[Letter]:
    return list(session.scalars(select(Letter).where(Letter.kind == kind).order_by(Letter.id)))


# -- mandates --------------------------------------------------------------------------------


def test_signing_stores_the_mandate_and_a_prenotification_letter(db_session: Session) -> None:
    plan, mandate = signed_plan(db_session)

    assert (mandate.state, mandate.signed_on, mandate.iban) == (
        "active",
        TODAY,
        "NL91ABNA0417164300",
    )
    assert mandate.bic == "ABNANL2A"
    assert mandate.creditor_id == current_app.config["SALDO"].sepa_creditor_id
    assert len(mandate.reference) <= 35
    assert mandate.reference.startswith("SALDO-M-")
    (letter,) = _letters(db_session, "direct_debit_prenotification")
    assert letter.id == mandate.prenotification_letter_id
    assert letter.debtor_id == plan.debtor_id


@pytest.mark.parametrize(
    ("iban", "code"),
    [(BAD_CHECKSUM, "invalid_iban"), (NOT_SEPA, "not_sepa"), ("", "invalid_iban")],
)
def test_a_bad_or_non_sepa_iban_is_refused_and_nothing_is_stored(
    db_session: Session, iban: str, code: str
) -> None:
    plan = active_plan(db_session)

    with pytest.raises(svc.MandateRefused) as refused:
        sign(db_session, plan, iban=iban)

    assert refused.value.code == code
    assert _count(db_session, Mandate) == 0
    assert _letters(db_session, "direct_debit_prenotification") == []


def test_a_german_iban_is_fine_inside_sepa(db_session: Session) -> None:
    mandate = sign(db_session, active_plan(db_session), iban=GERMAN_IBAN)
    assert mandate.iban == GERMAN_IBAN


def test_a_second_sign_up_for_the_same_plan_is_refused(db_session: Session) -> None:
    plan, _mandate = signed_plan(db_session)

    with pytest.raises(svc.MandateRefused) as refused:
        sign(db_session, plan)

    assert refused.value.code == "already_signed_up"
    assert _count(db_session, Mandate) == 1


def test_a_mandate_for_another_debtors_plan_is_refused(db_session: Session) -> None:
    plan = active_plan(db_session)
    other = active_plan(db_session, name="Someone Else")

    with pytest.raises(svc.MandateRefused) as refused:
        svc.sign_mandate(
            db_session,
            rules(),
            current_app.config["SALDO"],
            debtor_id=other.debtor_id,
            plan_id=plan.id,
            data=svc.MandateInput("NL91ABNA0417164300", "Someone Else", consent=True),
            today=TODAY,
            actor=Actor.citizen(other.debtor_id),
        )

    assert refused.value.code == "plan_not_found"
    assert _count(db_session, Mandate) == 0


def test_without_consent_nothing_is_signed(db_session: Session) -> None:
    plan = active_plan(db_session)
    with pytest.raises(svc.MandateRefused) as refused:
        svc.sign_mandate(
            db_session,
            rules(),
            current_app.config["SALDO"],
            debtor_id=plan.debtor_id,
            plan_id=plan.id,
            data=svc.MandateInput("NL91ABNA0417164300", "Debit Person", consent=False),
            today=TODAY,
            actor=Actor.citizen(plan.debtor_id),
        )
    assert refused.value.code == "no_consent"
    assert _count(db_session, Mandate) == 0


def test_a_revoked_mandate_collects_nothing_more(db_session: Session) -> None:
    plan, mandate = signed_plan(db_session)

    svc.revoke_mandate(
        db_session,
        debtor_id=plan.debtor_id,
        mandate_id=mandate.id,
        today=TODAY,
        actor=Actor.citizen(plan.debtor_id),
    )

    assert (mandate.state, mandate.end_reason) == ("revoked", "revoked")
    assert run(db_session, FILE_DAY)["collected"] == 0


# -- the batch -------------------------------------------------------------------------------


def test_the_batch_run_twice_makes_one_collection_per_installment_and_one_file(
    db_session: Session, folder: Path
) -> None:
    plan, mandate = signed_plan(db_session)

    first = run(db_session, FILE_DAY)
    second = run(db_session, FILE_DAY)

    assert (first["collected"], first["files"]) == (1, 1)
    assert (second["collected"], second["files"]) == (0, 0)
    (collection,) = collections(db_session)
    assert collection.installment_id == plan.installments[0].id
    assert (collection.sequence_type, collection.collection_date) == ("FRST", FIRST_DUE)
    assert collection.amount == plan.installments[0].amount
    (file,) = sorted(folder.glob("*.xml"))
    validate_pain008(file.read_bytes())
    assert collection.end_to_end_id.encode() in file.read_bytes()
    assert mandate.reference.encode() in file.read_bytes()


def test_the_next_installment_is_a_recurring_debit(db_session: Session) -> None:
    signed_plan(db_session)
    run(db_session, FILE_DAY)
    run(db_session, date(2026, 12, 31))

    assert [c.sequence_type for c in collections(db_session)] == ["FRST", "RCUR"]


def test_an_installment_due_within_14_days_of_signing_is_not_collected(
    db_session: Session,
) -> None:
    plan = active_plan(db_session)
    sign(db_session, plan, today=date(2026, 11, 24))  # 13 days before 7 December

    assert run(db_session, FILE_DAY)["collected"] == 0


def test_nothing_is_booked_before_the_collection_date_and_once_on_it(
    db_session: Session,
) -> None:
    plan, _mandate = signed_plan(db_session)
    run(db_session, FILE_DAY)
    assert run(db_session, date(2026, 12, 4))["booked"] == 0

    assert run(db_session, FIRST_DUE)["booked"] == 1
    assert run(db_session, FIRST_DUE)["booked"] == 0

    (collection,) = collections(db_session)
    assert collection.state == "booked"
    payment = db_session.get(Payment, collection.payment_id)
    assert payment is not None
    assert (payment.provider, payment.amount, payment.plan_id) == (
        "direct_debit",
        collection.amount,
        plan.id,
    )
    installment = db_session.get(PlanInstallment, collection.installment_id)
    assert installment is not None
    assert installment.state == "paid"


def test_the_bank_credit_of_a_booked_debit_is_not_booked_again(db_session: Session) -> None:
    signed_plan(db_session)
    run(db_session, FILE_DAY)
    run(db_session, FIRST_DUE)
    (collection,) = collections(db_session)

    run_import(
        db_session,
        statement(collection.end_to_end_id, collection.amount, credit=True, booked_on=FIRST_DUE),
    )

    assert _count(db_session, Payment) == 1
    entry = db_session.scalar(select(BankEntry))
    assert entry is not None
    assert (entry.state, entry.payment_id) == ("booked", collection.payment_id)


def test_a_bank_credit_before_the_batch_books_the_debit_once(db_session: Session) -> None:
    signed_plan(db_session)
    run(db_session, FILE_DAY)
    (collection,) = collections(db_session)

    run_import(
        db_session,
        statement(collection.end_to_end_id, collection.amount, credit=True, booked_on=FIRST_DUE),
    )
    assert run(db_session, FIRST_DUE)["booked"] == 0

    assert collections(db_session)[0].state == "booked"
    assert _count(db_session, Payment) == 1


# -- rejects and returns ---------------------------------------------------------------------


def _settled(session: Session) -> tuple[Mandate, int]:
    plan, mandate = signed_plan(session)
    run(session, FILE_DAY)
    run(session, FIRST_DUE)
    return mandate, plan.id


def test_a_return_undoes_the_booking_once_and_tells_the_citizen(db_session: Session) -> None:
    mandate, _plan_id = _settled(db_session)
    (collection,) = collections(db_session)
    balance_before = sum(
        c.balance
        for c in db_session.scalars(select(Claim).where(Claim.debtor_id == mandate.debtor_id))
    )
    returned = statement(
        collection.end_to_end_id,
        collection.amount,
        credit=False,
        booked_on=date(2026, 12, 10),
        return_reason="AM04",
    )

    run_import(db_session, returned)
    run_import(db_session, returned)  # the same file again: nothing new

    db_session.expire_all()
    collection = collections(db_session)[0]
    assert collection.state == "returned"
    corrections = db_session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.payment_id == collection.payment_id, LedgerEntry.cause == "correction"
        )
    ).all()
    assert sum(e.amount for e in corrections) == collection.amount
    payment = db_session.get(Payment, collection.payment_id)
    assert payment is not None
    assert payment.state == "reversed"
    installment = db_session.get(PlanInstallment, collection.installment_id)
    assert installment is not None
    assert (installment.state, installment.paid_amount) == ("due", 0)
    balance_after = sum(
        c.balance
        for c in db_session.scalars(select(Claim).where(Claim.debtor_id == mandate.debtor_id))
    )
    assert balance_after == balance_before + collection.amount
    assert claims_with_cache_mismatch(db_session) == []
    assert len(_letters(db_session, "direct_debit_returned")) == 1
    assert db_session.get(Mandate, mandate.id).state == "active"  # type: ignore[union-attr]
    assert db_session.scalar(select(Signal).where(Signal.debtor_id == mandate.debtor_id)) is None


def test_a_second_failure_ends_the_mandate_and_raises_a_signal(db_session: Session) -> None:
    mandate, _plan_id = _settled(db_session)
    first = collections(db_session)[0]
    run_import(
        db_session,
        statement(first.end_to_end_id, first.amount, credit=False, booked_on=date(2026, 12, 10)),
    )
    run(db_session, date(2026, 12, 31))
    second = collections(db_session)[1]

    returns.reject_collection(
        db_session,
        rules(),
        second.end_to_end_id,
        reason="AM04",
        on=date(2027, 1, 5),
        actor=Actor.system(),
        now=utcnow(),
    )

    db_session.expire_all()
    assert collections(db_session)[1].state == "rejected"
    assert collections(db_session)[1].payment_id is None  # a reject is never booked
    ended = db_session.get(Mandate, mandate.id)
    assert ended is not None
    assert (ended.state, ended.end_reason, ended.failures) == ("ended", "returns", 2)
    signal = db_session.scalar(select(Signal).where(Signal.debtor_id == mandate.debtor_id))
    assert signal is not None
    assert signal.reason == "returned_debit"
    assert len(_letters(db_session, "direct_debit_returned")) == 2


def test_a_return_for_an_unknown_debit_goes_to_the_queue_and_changes_nothing(
    db_session: Session,
) -> None:
    _settled(db_session)
    ledger_before = _count(db_session, LedgerEntry)

    run_import(
        db_session,
        statement("SALDO-DD-999-999", 7500, credit=False, booked_on=date(2026, 12, 10)),
    )

    entry = db_session.scalar(select(BankEntry))
    assert entry is not None
    assert (entry.state, entry.reason) == ("unmatched", "direct_debit_unknown")
    assert db_session.scalar(
        select(WorkItem).where(
            WorkItem.subject_type == "bank_entry", WorkItem.subject_id == entry.id
        )
    )
    assert _count(db_session, LedgerEntry) == ledger_before
    assert collections(db_session)[0].state == "booked"


def test_a_reject_for_an_unknown_debit_raises_and_changes_nothing(db_session: Session) -> None:
    with pytest.raises(returns.UnknownCollection):
        returns.reject_collection(
            db_session,
            rules(),
            "SALDO-DD-404-404",
            reason="AC04",
            on=TODAY,
            actor=Actor.system(),
            now=utcnow(),
        )
