"""Many payments of ONE debtor booked at the same moment, each thread on its own connection.

Shared by the PostgreSQL (row locks, deadlocks) and SQLite (one writer at a time) tests. The
rolled-back `db_session` cannot be shared between threads, so the callers build their own
database with committed data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from portal.extensions import db
from portal.models import Claim
from portal.models import DebtorAccountEntry
from portal.models import LedgerEntry
from portal.models import Payment
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment
from portal.services.ledger import claims_with_cache_mismatch
from tests.support.factories import make_claim
from tests.support.factories import make_debtor


@dataclass(frozen=True)
class RaceOutcome:
    errors: list[str]
    created: list[str]


@dataclass(frozen=True)
class DebtorTotals:
    payments_by_reference: dict[str, int]
    paid: int
    claim_balance: int
    ledger_payment_total: int
    credit: int
    cache_mismatches: list[int]


def debtor_with_claims(app: Flask, claims: int, amount: int) -> tuple[int, list[int]]:
    """A committed debtor with `claims` open claims of `amount` each: (debtor id, claim ids)."""
    with app.app_context():
        session = db.session()
        debtor = make_debtor(session)
        claim_ids = [make_claim(session, debtor, amount).id for _ in range(claims)]
        debtor_id = debtor.id
        session.commit()
        db.session.remove()
    return debtor_id, claim_ids


def book_at_once(
    app: Flask, debtor_id: int, claim_ids: list[int], references: list[str], amount: int
) -> RaceOutcome:
    """Book one payment per reference from as many threads, released together; each payment
    is earmarked for another claim of the debtor (as checkouts of different claims are)."""
    barrier = threading.Barrier(len(references))
    lock = threading.Lock()
    errors: list[str] = []
    created: list[str] = []
    rules = app.config["RULE_PACK"]

    def book(index: int, reference: str) -> None:
        with app.app_context():
            session = db.session()
            try:
                barrier.wait(timeout=30)
                result = book_payment(
                    session,
                    rules,
                    IncomingPayment(
                        provider="stripe",
                        provider_reference=reference,
                        amount=amount,
                        currency=rules.currency,
                        method="card",
                        debtor_id=debtor_id,
                        received_on=date(2026, 11, 23),
                        earmarked_claim_id=claim_ids[index % len(claim_ids)],
                    ),
                    actor=Actor.system(),
                )
                session.commit()
                if result.created:
                    with lock:
                        created.append(reference)
            except Exception as error:  # every failure (a deadlock, a lock timeout) is the finding
                session.rollback()
                with lock:
                    errors.append(f"{reference}: {type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=book, args=(index, reference))
        for index, reference in enumerate(references)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return RaceOutcome(errors=errors, created=created)


def debtor_totals(app: Flask, debtor_id: int) -> DebtorTotals:
    with app.app_context():
        session = db.session()
        payments = session.execute(
            select(Payment.provider_reference, func.count())
            .where(Payment.debtor_id == debtor_id)
            .group_by(Payment.provider_reference)
        ).all()
        paid = session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.debtor_id == debtor_id)
        )
        claim_balance = session.scalar(
            select(
                func.coalesce(func.sum(Claim.principal_due + Claim.fee_due + Claim.interest_due), 0)
            ).where(Claim.debtor_id == debtor_id)
        )
        ledger_payment_total = session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(Payment, Payment.id == LedgerEntry.payment_id)
            .where(Payment.debtor_id == debtor_id, LedgerEntry.cause == "payment")
        )
        credit = session.scalar(
            select(func.coalesce(func.sum(DebtorAccountEntry.amount), 0)).where(
                DebtorAccountEntry.debtor_id == debtor_id
            )
        )
        totals = DebtorTotals(
            payments_by_reference={reference: int(count) for reference, count in payments},
            paid=int(paid or 0),
            claim_balance=int(claim_balance or 0),
            ledger_payment_total=int(ledger_payment_total or 0),
            credit=int(credit or 0),
            cache_mismatches=claims_with_cache_mismatch(session),
        )
        db.session.remove()
    return totals
