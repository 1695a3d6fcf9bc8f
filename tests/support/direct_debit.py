"""Helpers for the direct debit tests (issue 8): a plan signed up for SEPA direct debit, the
batch step with its file folder, and bank statements that settle or return a debit."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.camt import CamtEntry
from portal.domain.camt import CamtStatement
from portal.domain.camt import CamtTransaction
from portal.models import Debtor
from portal.models import DirectDebitCollection
from portal.models import Mandate
from portal.models import Plan
from portal.payments.camt_writer import write_camt
from portal.services import direct_debit as svc
from portal.services.audit import Actor
from portal.services.direct_debit_batch import run_direct_debit_collection
from tests.support.factories import TODAY
from tests.support.plans import debtor_with_debt
from tests.support.plans import make_plan
from tests.support.plans import rules

#: valid SEPA IBANs (the EPC and bank examples) and ones that must be refused
GOOD_IBAN = "NL91 ABNA 0417 1643 00"
GERMAN_IBAN = "DE89370400440532013000"
BAD_CHECKSUM = "NL91ABNA0417164301"
NOT_SEPA = "BR1800360305000010009795493C1"

_statements = itertools.count(1)


def use_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """The batch writes its pain.008 files into `folder` (tmp_path) instead of instance/."""
    monkeypatch.setattr("portal.services.direct_debit_batch.collection_folder", lambda c: folder)


def active_plan(session: Session, name: str = "Debit Person") -> Plan:
    return make_plan(session, debtor_with_debt(session, 60_000, 30_000, name=name))


def sign(session: Session, plan: Plan, *, iban: str = GOOD_IBAN, today: date = TODAY) -> Mandate:
    return svc.sign_mandate(
        session,
        rules(),
        current_app.config["SALDO"],
        debtor_id=plan.debtor_id,
        plan_id=plan.id,
        data=svc.MandateInput(iban=iban, account_holder="Debit Person", consent=True),
        today=today,
        actor=Actor.citizen(plan.debtor_id),
    )


def signed_plan(session: Session) -> tuple[Plan, Mandate]:
    plan = active_plan(session)
    return plan, sign(session, plan)


def run(session: Session, as_of: date) -> dict[str, int]:
    return run_direct_debit_collection(session, rules(), as_of=as_of)


def collections(session: Session) -> list[DirectDebitCollection]:
    session.expire_all()
    return list(session.scalars(select(DirectDebitCollection).order_by(DirectDebitCollection.id)))


def debtor_of_plan(session: Session, plan: Plan) -> Debtor:
    debtor = session.get(Debtor, plan.debtor_id)
    assert debtor is not None
    return debtor


def statement(
    end_to_end_id: str,
    amount: int,
    *,
    credit: bool,
    booked_on: date,
    return_reason: str | None = None,
) -> bytes:
    """A camt.054 with one booked entry for our EndToEndId: a credit (the debit arrived) or a
    debit with a return reason (the payer's bank sent it back)."""
    number = next(_statements)
    entry = CamtEntry(
        index=0,
        amount=amount,
        currency="EUR",
        credit=credit,
        reversal=False,
        status="BOOK",
        booking_date=booked_on,
        value_date=booked_on,
        acct_svcr_ref=f"DD-TEST-{number}",
        transactions=(
            CamtTransaction(
                index=0,
                amount=amount,
                currency="EUR",
                end_to_end_id=end_to_end_id,
                return_reason=return_reason,
            ),
        ),
    )
    iban = current_app.config["SALDO"].payee_iban.replace(" ", "")
    return write_camt(
        CamtStatement(
            message_type="camt.054",
            version="001.02",
            statement_id=f"DD-NTF-{number}",
            sequence_number=number,
            account_iban=iban,
            entries=(entry,),
        ),
        message_id=f"DD-MSG-{number}",
        created=f"{booked_on.isoformat()}T08:00:00",
    )
