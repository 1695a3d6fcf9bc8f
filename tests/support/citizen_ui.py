"""Helpers for the citizen page tests: a frozen "today", a debtor with six bills, money text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from sqlalchemy.orm import Session

from portal.models import Claim
from portal.models import Debtor
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor

#: (claim type, amount): six bills over five departments of the NL rule pack
SIX_BILLS = (
    ("ozb_residential", 123_456),
    ("waste_levy", 8_950),
    ("parking_assessment", 4_500),
    ("childcare_contribution", 31_075),
    ("property_rent", 72_000),
    ("social_assistance_recovery", 15_020),
)


def freeze_today(monkeypatch: pytest.MonkeyPatch, today: date = TODAY) -> None:
    """The citizen views compute today in the installation's zone; tests pin it."""
    monkeypatch.setattr("portal.citizen.views._today", lambda rules: today)


@dataclass(frozen=True)
class DebtorWithBills:
    debtor: Debtor
    claims: tuple[Claim, ...]


def debtor_with_six_bills(session: Session, name: str = "Six Bills") -> DebtorWithBills:
    debtor = make_debtor(session, name)
    claims = tuple(
        make_claim(
            session,
            debtor,
            amount,
            claim_type_code=code,
            issue_date=TODAY - timedelta(days=10 + i),
            due_date=TODAY + timedelta(days=5 + i),
            description=f"Bill number {i + 1} for {code}",
        )
        for i, (code, amount) in enumerate(SIX_BILLS)
    )
    return DebtorWithBills(debtor, claims)


def money_text(amount: int, locale: str, currency: str = "EUR") -> str:
    """What Babel shows for `amount` minor units in `locale` (as portal.i18n.money does)."""
    return str(format_currency(Decimal(amount).scaleb(-2), currency, locale=locale))
