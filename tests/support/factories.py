"""Test data made through the real services, so it carries real ledger entries (CKAN style)."""

from __future__ import annotations

import itertools
from datetime import date
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import ClaimType
from portal.models import Debtor
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.catalogue import sync_catalogue
from portal.services.claims import NewClaim
from portal.services.claims import issue_claim
from portal.services.debtors import NewDebtor
from portal.services.debtors import register_debtor

_counter = itertools.count(1)
TODAY = date(2026, 11, 23)


def ensure_catalogue(session: Session) -> None:
    if session.scalar(select(ClaimType).limit(1)) is None:
        sync_catalogue(session, current_app.config["RULE_PACK"])


def make_debtor(
    session: Session, name: str = "Test Person", *, national_id: str | None = None, **kw: object
) -> Debtor:
    ensure_catalogue(session)
    config = current_app.config["SALDO"]
    country = current_app.config["RULE_PACK"].country
    return register_debtor(
        session, config, country, NewDebtor(name=name, national_id=national_id, **kw)
    )  # type: ignore[arg-type]


def first_claim_type_code(session: Session) -> str:
    ensure_catalogue(session)
    return current_app.config["RULE_PACK"].claim_types[0].code


def make_claim(
    session: Session,
    debtor: Debtor,
    amount: int = 10_000,
    *,
    claim_type_code: str | None = None,
    issue_date: date = TODAY - timedelta(days=60),
    due_date: date | None = None,
    description: str | None = None,
) -> Claim:
    ensure_catalogue(session)
    rules = current_app.config["RULE_PACK"]
    return issue_claim(
        session,
        rules,
        NewClaim(
            debtor_id=debtor.id,
            claim_type_code=claim_type_code or rules.claim_types[0].code,
            amount=amount,
            issue_date=issue_date,
            due_date=due_date or issue_date + timedelta(days=30),
            description=description or f"Test claim {next(_counter)}",
        ),
        actor=Actor.system(),
    )


def pay(
    session: Session, debtor: Debtor, amount: int, *, claim: Claim | None = None, on: date = TODAY
) -> None:
    rules = current_app.config["RULE_PACK"]
    book_payment(
        session,
        rules,
        IncomingPayment(
            provider="test",
            provider_reference=f"test-{next(_counter)}",
            amount=amount,
            currency=rules.currency,
            method="bank_transfer",
            debtor_id=debtor.id,
            received_on=on,
            earmarked_claim_id=claim.id if claim else None,
        ),
        actor=Actor.system(),
    )
