"""Helpers for the batch tests (issue 6): an app per rule pack, claims with a chosen type and
due date, and counts of what the batch wrote."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack
from portal.models import Claim
from portal.models import Debtor
from portal.models import LedgerEntry
from portal.models import ReminderRecord
from portal.models import SuppressedCharge
from portal.services.catalogue import sync_catalogue
from tests.support.factories import make_claim
from tests.support.factories import make_debtor

#: The due date of the claims in these tests; the batch days are counted from it.
DUE = date(2026, 9, 1)


@contextmanager
def pack(make_app: Callable[..., Flask], session: Session, code: str) -> Iterator[RulePack]:
    """Run the body in an app on rule pack `code`, with that pack's catalogue in the database."""
    app = make_app(rules=code)
    with app.app_context():
        rules: RulePack = app.config["RULE_PACK"]
        sync_catalogue(session, rules)
        yield rules


def claim_of(
    session: Session,
    type_code: str,
    amount: int,
    *,
    due: date = DUE,
    debtor: Debtor | None = None,
    name: str = "Batch Person",
    **debtor_fields: Any,
) -> Claim:
    """An issued claim of `type_code` due on `due` (issued 30 days before)."""
    owner = debtor or make_debtor(session, name, **debtor_fields)
    return make_claim(
        session,
        owner,
        amount,
        claim_type_code=type_code,
        issue_date=due - timedelta(days=30),
        due_date=due,
    )


def ledger_count(session: Session, cause: str | None = None) -> int:
    query = select(func.count(LedgerEntry.id))
    if cause is not None:
        query = query.where(LedgerEntry.cause == cause)
    return int(session.scalar(query) or 0)


def fees_of(session: Session, claim: Claim) -> list[tuple[date, int]]:
    return [
        (entry.effective_date, entry.amount)
        for entry in session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.claim_id == claim.id, LedgerEntry.cause == "reminder_fee")
            .order_by(LedgerEntry.id)
        )
    ]


def reminders_of(session: Session, claim: Claim) -> list[ReminderRecord]:
    return list(
        session.scalars(
            select(ReminderRecord)
            .where(ReminderRecord.claim_id == claim.id)
            .order_by(ReminderRecord.sequence)
        )
    )


def suppressed_of(session: Session, claim: Claim) -> list[tuple[str, str, int]]:
    return [
        (charge.action_key, charge.reason, charge.amount)
        for charge in session.scalars(
            select(SuppressedCharge)
            .where(SuppressedCharge.claim_id == claim.id)
            .order_by(SuppressedCharge.id)
        )
    ]


def done(counts: dict[str, int], *ignore: str) -> dict[str, int]:
    """The counts that are not zero, without `checked` and the keys in `ignore`."""
    return {k: v for k, v in counts.items() if v and k != "checked" and k not in ignore}
