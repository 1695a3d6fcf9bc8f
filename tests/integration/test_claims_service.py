"""Issuing a claim: validated, given a payment reference, its principal booked in the ledger."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.references import is_valid
from portal.domain.rules.base import RulePack
from portal.models import AuditEvent
from portal.models import Claim
from portal.models import LedgerEntry
from portal.services.audit import Actor
from portal.services.claims import ClaimRejected
from portal.services.claims import NewClaim
from portal.services.claims import issue_claim
from portal.services.ledger import ledger_balances
from tests.support.factories import ensure_catalogue
from tests.support.factories import make_debtor
from tests.support.primitives import make_staff

ISSUED = date(2026, 10, 1)


@pytest.fixture
def rules(db_session: Session) -> RulePack:
    ensure_catalogue(db_session)
    pack: RulePack = current_app.config["RULE_PACK"]
    return pack


def new_claim(debtor: int, rules: RulePack, **changes: Any) -> NewClaim:
    values: dict[str, Any] = {
        "debtor_id": debtor,
        "claim_type_code": rules.claim_types[0].code,
        "amount": 12_345,
        "issue_date": ISSUED,
        "due_date": ISSUED + timedelta(days=30),
        "description": "  Waste levy 2026  ",
    }
    values.update(changes)
    return NewClaim(**values)


def test_issuing_books_the_principal_and_gives_a_valid_reference(
    db_session: Session, rules: RulePack
) -> None:
    staff = make_staff(db_session)
    debtor = make_debtor(db_session)

    claim = issue_claim(db_session, rules, new_claim(debtor.id, rules), actor=Actor.staff(staff.id))
    db_session.flush()

    assert claim.reference is not None
    assert is_valid(rules.reference_scheme, claim.reference)
    assert (claim.principal_due, claim.fee_due, claim.interest_due) == (12_345, 0, 0)
    assert claim.original_amount == 12_345
    assert claim.currency == rules.currency
    assert claim.description == "Waste levy 2026"
    assert ledger_balances(db_session, claim.id) == {"principal": 12_345, "fee": 0, "interest": 0}
    [entry] = db_session.scalars(select(LedgerEntry).where(LedgerEntry.claim_id == claim.id))
    assert (entry.cause, entry.effective_date, entry.staff_user_id) == ("issued", ISSUED, staff.id)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.issued"))
    assert event is not None
    assert (event.object_id, event.debtor_id, event.staff_user_id) == (
        claim.id,
        debtor.id,
        staff.id,
    )


def test_every_claim_gets_its_own_reference(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    references = {
        issue_claim(db_session, rules, new_claim(debtor.id, rules), actor=Actor.system()).reference
        for _ in range(5)
    }
    assert len(references) == 5


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -1}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"due_date": ISSUED - timedelta(days=1)}, "due_date"),
        ({"currency": "DKK"}, "currency"),
        ({"description": "   "}, "description"),
        ({"claim_type_code": "no_such_type"}, "claim_type"),
        ({"debtor_id": 987_654}, "debtor"),
    ],
)
def test_a_bad_claim_is_rejected_with_a_code_and_nothing_is_stored(
    db_session: Session, rules: RulePack, changes: dict[str, Any], code: str
) -> None:
    debtor = make_debtor(db_session)
    with pytest.raises(ClaimRejected) as rejected:
        issue_claim(db_session, rules, new_claim(debtor.id, rules, **changes), actor=Actor.system())

    assert rejected.value.code == code
    assert db_session.scalar(select(func.count()).select_from(Claim)) == 0
    assert db_session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_a_long_description_is_cut_to_fit(db_session: Session, rules: RulePack) -> None:
    debtor = make_debtor(db_session)
    claim = issue_claim(
        db_session, rules, new_claim(debtor.id, rules, description="x" * 400), actor=Actor.system()
    )
    assert len(claim.description) == 300


def test_a_department_cannot_push_the_same_external_id_twice(
    db_session: Session, rules: RulePack
) -> None:
    debtor = make_debtor(db_session)
    issue_claim(
        db_session, rules, new_claim(debtor.id, rules, external_id="INV-1"), actor=Actor.system()
    )

    with pytest.raises(IntegrityError), db_session.begin_nested():
        issue_claim(
            db_session,
            rules,
            new_claim(debtor.id, rules, external_id="INV-1"),
            actor=Actor.system(),
        )
