"""The demo data: reproducible, believable, and consistent with the ledger in every pack."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.be import ssn as be_ssn
from stdnum.be import vat as be_kbo
from stdnum.dk import cpr as dk_cpr
from stdnum.dk import cvr as dk_cvr
from stdnum.nl import bsn as nl_bsn

from portal.config import Config
from portal.demo.personas import SITUATIONS
from portal.demo.seed import AlreadySeeded
from portal.demo.seed import SeedSummary
from portal.demo.seed import demo_password
from portal.demo.seed import seed_demo
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Claim
from portal.models import ClaimType
from portal.models import Debtor
from portal.models import DemoPersona
from portal.models import Department
from portal.models import Payment
from portal.models import StaffUser
from portal.services.identity import reveal_national_id
from portal.services.ledger import claims_with_cache_mismatch
from portal.services.login_codes import redeem_login_code
from portal.services.staff_accounts import check_password

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SMALL = 30


def _pack(app: Flask) -> tuple[Config, RulePack]:
    return app.config["SALDO"], app.config["RULE_PACK"]


def _seed(session: Session, app: Flask, *, seed: int = 2026, debtors: int = SMALL) -> SeedSummary:
    config, rules = _pack(app)
    return seed_demo(session, config, rules, seed=seed, debtors=debtors, today=TODAY, now=NOW)


@contextmanager
def _fresh_session(app: Flask) -> Iterator[Session]:
    """A session in its own transaction, rolled back afterwards (like the db_session fixture)."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()
            connection.close()


def _fingerprint(session: Session) -> list[tuple[Any, ...]]:
    """Everything a reader sees, without ids and timestamps."""
    rows = session.execute(
        select(
            Debtor.name,
            Debtor.kind,
            Debtor.address,
            Debtor.preferred_locale,
            Debtor.national_id_last4,
            ClaimType.code,
            Claim.description,
            Claim.original_amount,
            Claim.issue_date,
            Claim.due_date,
            Claim.principal_due,
            Claim.fee_due,
            Claim.reminders_sent,
            Claim.handed_over_on,
        )
        .join(Claim, Claim.debtor_id == Debtor.id)
        .join(ClaimType, ClaimType.id == Claim.claim_type_id)
    ).all()
    payments = session.execute(
        select(Debtor.name, Payment.amount, Payment.received_on, Payment.method).join(
            Payment, Payment.debtor_id == Debtor.id
        )
    ).all()
    return sorted(tuple(r) for r in rows) + sorted(tuple(p) for p in payments)


def _persona(session: Session, situation: str) -> Debtor:
    debtor = session.scalar(
        select(Debtor).join(DemoPersona).where(DemoPersona.situation == situation)
    )
    assert debtor is not None
    return debtor


def _claims(session: Session, debtor: Debtor) -> list[Claim]:
    return list(session.scalars(select(Claim).where(Claim.debtor_id == debtor.id)))


def test_the_same_seed_gives_the_same_names_amounts_and_dates(app: Flask) -> None:
    fingerprints = []
    for seed in (11, 11, 12):
        with _fresh_session(app) as session:
            _seed(session, app, seed=seed, debtors=20)
            fingerprints.append(_fingerprint(session))
    assert len(fingerprints[0]) > 40
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[0] != fingerprints[2]


@pytest.mark.parametrize("pack", ["nl", "dk", "be"])
def test_every_balance_matches_the_ledger_and_every_id_is_valid(
    make_app: Callable[..., Flask], db_session: Session, pack: str
) -> None:
    app = make_app(rules=pack)
    config, rules = _pack(app)
    summary = _seed(db_session, app)

    assert summary.debtors == SMALL
    assert summary.claims >= SMALL
    assert summary.payments > 0
    assert claims_with_cache_mismatch(db_session) == []
    debtors = list(db_session.scalars(select(Debtor)))
    validate_id = {
        "NL": nl_bsn.is_valid,
        "DK": lambda n: dk_cpr.get_birth_date(n) < TODAY,
        "BE": be_ssn.is_valid,
    }[rules.country]
    validate_number = {
        "NL": lambda n: len(n) == 8 and n.isdigit(),
        "DK": dk_cvr.is_valid,
        "BE": be_kbo.is_valid,
    }[rules.country]
    for debtor in debtors:
        if debtor.kind == "person":
            assert debtor.national_id_encrypted is not None
            assert validate_id(reveal_national_id(config, debtor.national_id_encrypted))
        else:
            assert debtor.business_number is not None
            assert validate_number(debtor.business_number)
    claims = list(db_session.scalars(select(Claim)))
    assert all(c.currency == rules.currency for c in claims)
    assert all((c.due_date - c.issue_date).days == rules.payment_term_days for c in claims)
    assert all(c.issue_date <= TODAY for c in claims)


@pytest.mark.parametrize("pack", ["nl", "dk", "be"])
def test_the_main_demo_citizen_has_six_overdue_bills_from_four_departments(
    make_app: Callable[..., Flask], db_session: Session, pack: str
) -> None:
    app = make_app(rules=pack)
    _seed(db_session, app, debtors=len(SITUATIONS))

    claims = _claims(db_session, _persona(db_session, "six_arrears"))
    overdue = [c for c in claims if c.balance > 0 and c.due_date < TODAY]
    assert len(claims) == len(overdue) == 6
    assert len({c.department_id for c in overdue}) >= 4
    assert all(c.handed_over_on is None for c in overdue)
    reminded_with_fee = [c for c in overdue if c.reminders_sent > 0 and c.fee_due > 0]
    assert len(reminded_with_fee) == 1


@pytest.mark.parametrize("pack", ["nl", "dk", "be"])
def test_every_persona_shows_its_situation(
    make_app: Callable[..., Flask], db_session: Session, pack: str
) -> None:
    app = make_app(rules=pack)
    summary = _seed(db_session, app, debtors=len(SITUATIONS))
    assert [situation for situation, _ in summary.personas] == list(SITUATIONS)
    positions = db_session.scalars(select(DemoPersona.situation).order_by(DemoPersona.position))
    assert list(positions) == list(SITUATIONS)

    (daycare,) = _claims(db_session, _persona(db_session, "one_daycare_bill"))
    assert daycare.claim_type.department.code == "children"
    assert daycare.balance == daycare.original_amount
    assert daycare.due_date >= TODAY

    collector = _claims(db_session, _persona(db_session, "with_collector"))
    assert len(collector) == 2
    assert len([c for c in collector if c.handed_over_on is not None]) == 1

    partly = _claims(db_session, _persona(db_session, "partly_paid"))
    assert sorted(c.balance == 0 for c in partly) == [False, True]
    large = max(partly, key=lambda c: c.original_amount)
    assert 0 < large.balance < large.original_amount

    assert all(c.balance == 0 for c in _claims(db_session, _persona(db_session, "all_paid")))

    business = _persona(db_session, "business")
    assert business.kind == "business"
    assert business.national_id_hash is None
    business_claims = _claims(db_session, business)
    assert len(business_claims) == 2
    assert all(c.balance > 0 for c in business_claims)

    large_debt = _claims(db_session, _persona(db_session, "large_debt"))
    assert len(large_debt) == 4
    assert sum(c.balance for c in large_debt) > 8_000_00

    low_income = _claims(db_session, _persona(db_session, "low_income"))
    assert low_income
    assert all(c.balance > 0 for c in low_income)


def test_the_low_income_persona_has_only_remission_eligible_tax_bills_in_nl(
    app: Flask, db_session: Session
) -> None:
    _seed(db_session, app, debtors=len(SITUATIONS))
    claims = _claims(db_session, _persona(db_session, "low_income"))
    assert all(c.claim_type.remission_eligible for c in claims)
    assert all(c.claim_type.legal_basis == "tax" for c in claims)


def test_descriptions_are_in_the_installations_language(app: Flask, db_session: Session) -> None:
    _seed(db_session, app, debtors=len(SITUATIONS))
    claims = _claims(db_session, _persona(db_session, "six_arrears"))
    descriptions = " | ".join(c.description for c in claims)
    assert re.search(r"Aanslag gemeentelijke belastingen 20\d\d: OZB woning", descriptions)
    assert re.search(r"Ouderbijdrage kinderopvang (juli|augustus) 2026", descriptions)
    assert "Naheffingsaanslag parkeerbelasting 20-08-2026" in descriptions


def test_staff_users_exist_for_every_role_with_working_demo_passwords(
    app: Flask, db_session: Session
) -> None:
    config, _ = _pack(app)
    summary = _seed(db_session, app, debtors=len(SITUATIONS))

    users = {u.username: u for u in db_session.scalars(select(StaffUser))}
    assert {u: users[u].role for u in users} == {
        "caseworker": "caseworker",
        "desk": "desk",
        "supervisor": "supervisor",
        "clerk": "department_clerk",
        "admin": "admin",
        "finance": "finance",
    }
    clerk_department = db_session.get(Department, users["clerk"].department_id)
    assert clerk_department is not None
    assert clerk_department.code == "children"
    for credential in summary.staff:
        assert credential.password == demo_password(credential.username)
        assert len(credential.password) >= 12
        assert check_password(db_session, config, credential.username, credential.password)
        assert credential.otpauth_uri.startswith("otpauth://totp/")
        assert users[credential.username].totp_secret in credential.otpauth_uri


def test_the_printed_letter_code_opens_the_main_demo_citizens_bills(
    app: Flask, db_session: Session
) -> None:
    config, _ = _pack(app)
    summary = _seed(db_session, app, debtors=len(SITUATIONS))
    letter = summary.letter_code

    login_code = redeem_login_code(
        db_session, config, reference=letter.reference, code=letter.code, now=NOW
    )

    six_arrears = _persona(db_session, "six_arrears")
    assert login_code.debtor_id == six_arrears.id
    assert sorted(login_code.claim_ids) == sorted(c.id for c in _claims(db_session, six_arrears))


def test_payments_are_booked_once_each_with_a_seed_reference(
    app: Flask, db_session: Session
) -> None:
    summary = _seed(db_session, app, seed=5)
    references = list(db_session.scalars(select(Payment.provider_reference)))
    assert len(references) == len(set(references)) == summary.payments
    assert all(ref.startswith("seed-5-") for ref in references)


def test_seeding_again_is_refused_and_changes_nothing(app: Flask, db_session: Session) -> None:
    first = _seed(db_session, app, debtors=len(SITUATIONS))
    with pytest.raises(AlreadySeeded):
        _seed(db_session, app, debtors=len(SITUATIONS))
    assert len(list(db_session.scalars(select(Debtor.id)))) == first.debtors
