"""Payment links: random tokens stored hashed, expiring, each revocable on its own."""

from __future__ import annotations

import hashlib
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import AuditEvent
from portal.models import PaymentLink
from portal.services.audit import Actor
from portal.services.payment_links import NoSuchClaim
from portal.services.payment_links import PaymentLinkExpired
from portal.services.payment_links import PaymentLinkInvalid
from portal.services.payment_links import PaymentLinkRevoked
from portal.services.payment_links import PaymentLinkUnknown
from portal.services.payment_links import create_payment_link
from portal.services.payment_links import links_for_claim
from portal.services.payment_links import resolve_payment_link
from portal.services.payment_links import revoke_links_for_claim
from portal.services.payment_links import revoke_payment_link
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.primitives import NOW
from tests.support.primitives import make_staff


@pytest.fixture
def config(db_session: Session) -> Config:
    saldo: Config = current_app.config["SALDO"]
    return saldo


def _claim_due(db_session: Session, due: date) -> int:
    debtor = make_debtor(db_session)
    return make_claim(db_session, debtor, issue_date=due - timedelta(days=30), due_date=due).id


def test_the_token_is_random_and_only_its_hash_is_stored(
    db_session: Session, config: Config
) -> None:
    claim_id = _claim_due(db_session, date(2026, 12, 15))
    issued = create_payment_link(db_session, config, claim_id=claim_id, now=NOW)
    other = create_payment_link(db_session, config, claim_id=claim_id, now=NOW)

    assert len(issued.token) >= 43
    assert issued.token != other.token
    assert issued.link.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    stored = db_session.execute(select(PaymentLink.__table__)).all()
    assert all(issued.token not in str(row) for row in stored)


def test_a_link_expires_at_the_end_of_due_date_plus_grace_days(
    db_session: Session, config: Config
) -> None:
    due = date(2027, 3, 1)
    claim_id = _claim_due(db_session, due)
    issued = create_payment_link(db_session, config, claim_id=claim_id, now=NOW)

    last_day = due + timedelta(days=config.payment_link_grace_days)
    assert issued.link.expires_at.date() == last_day
    assert issued.link.expires_at.tzinfo is not None
    end_of_last_day = datetime.combine(last_day, datetime.max.time(), tzinfo=UTC)
    assert resolve_payment_link(db_session, issued.token, now=end_of_last_day).id == issued.link.id
    with pytest.raises(PaymentLinkExpired):
        resolve_payment_link(db_session, issued.token, now=end_of_last_day + timedelta(seconds=1))


def test_a_link_for_a_long_overdue_claim_still_works_for_14_days(
    db_session: Session, config: Config
) -> None:
    claim_id = _claim_due(db_session, date(2026, 1, 10))  # due long ago
    issued = create_payment_link(db_session, config, claim_id=claim_id, now=NOW)

    assert issued.link.expires_at >= NOW + timedelta(days=14)
    assert resolve_payment_link(db_session, issued.token, now=NOW + timedelta(days=14)).id == (
        issued.link.id
    )
    with pytest.raises(PaymentLinkExpired):
        resolve_payment_link(db_session, issued.token, now=NOW + timedelta(days=15))


def test_an_installment_link_uses_its_own_due_date_and_amount(
    db_session: Session, config: Config
) -> None:
    claim_id = _claim_due(db_session, date(2026, 12, 15))
    issued = create_payment_link(
        db_session,
        config,
        claim_id=claim_id,
        now=NOW,
        amount=2_500,
        installment_id=3,
        due_on=date(2027, 6, 1),
    )

    link = resolve_payment_link(db_session, issued.token, now=NOW)
    assert (link.amount, link.installment_id, link.claim_id) == (2_500, 3, claim_id)
    assert link.expires_at.date() == date(2027, 6, 1) + timedelta(
        days=config.payment_link_grace_days
    )


@pytest.mark.parametrize("amount", [0, -100, True])
def test_a_link_amount_must_be_positive_minor_units(
    db_session: Session, config: Config, amount: int
) -> None:
    claim_id = _claim_due(db_session, date(2026, 12, 15))
    with pytest.raises(ValueError, match="amount"):
        create_payment_link(db_session, config, claim_id=claim_id, now=NOW, amount=amount)


def test_a_link_for_a_missing_claim_is_refused(db_session: Session, config: Config) -> None:
    with pytest.raises(NoSuchClaim):
        create_payment_link(db_session, config, claim_id=987_654, now=NOW)


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 5000, "%00' OR 1=1 --"])
def test_an_unknown_token_is_reported_as_unknown(db_session: Session, token: str) -> None:
    with pytest.raises(PaymentLinkUnknown):
        resolve_payment_link(db_session, token, now=NOW)


def test_a_revoked_link_says_revoked_and_is_audited(db_session: Session, config: Config) -> None:
    staff = make_staff(db_session)
    claim_id = _claim_due(db_session, date(2026, 12, 15))
    issued = create_payment_link(db_session, config, claim_id=claim_id, now=NOW)
    later = NOW + timedelta(hours=2)

    revoke_payment_link(db_session, issued.link, now=later, actor=Actor.staff(staff.id))
    revoke_payment_link(
        db_session, issued.link, now=later + timedelta(days=1), actor=Actor.staff(staff.id)
    )

    assert issued.link.revoked_at == later
    with pytest.raises(PaymentLinkRevoked):
        resolve_payment_link(db_session, issued.token, now=later)
    # Revoked wins over expired: the page can say "this link was withdrawn".
    with pytest.raises(PaymentLinkRevoked):
        resolve_payment_link(db_session, issued.token, now=later + timedelta(days=3650))
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment_link.revoked")
    ).all()
    assert len(events) == 1
    assert (events[0].staff_user_id, events[0].object_id) == (staff.id, issued.link.id)
    assert events[0].details == {"claim_id": claim_id}


def test_the_three_refusals_are_distinct_but_share_a_base() -> None:
    errors = {PaymentLinkUnknown, PaymentLinkExpired, PaymentLinkRevoked}
    assert all(issubclass(error, PaymentLinkInvalid) for error in errors)
    assert not any(issubclass(a, b) for a in errors for b in errors if a is not b)


def test_revoking_a_claims_links_leaves_other_claims_links(
    db_session: Session, config: Config
) -> None:
    claim_id = _claim_due(db_session, date(2026, 12, 15))
    other_claim_id = _claim_due(db_session, date(2026, 12, 15))
    a = create_payment_link(db_session, config, claim_id=claim_id, now=NOW)
    b = create_payment_link(db_session, config, claim_id=claim_id, now=NOW, amount=1_000)
    other = create_payment_link(db_session, config, claim_id=other_claim_id, now=NOW)

    count = revoke_links_for_claim(db_session, claim_id, now=NOW, actor=Actor.system())

    assert count == 2
    for issued in (a, b):
        with pytest.raises(PaymentLinkRevoked):
            resolve_payment_link(db_session, issued.token, now=NOW)
    assert resolve_payment_link(db_session, other.token, now=NOW).id == other.link.id
    assert revoke_links_for_claim(db_session, claim_id, now=NOW, actor=Actor.system()) == 0
    assert {link.id for link in links_for_claim(db_session, claim_id)} == {a.link.id, b.link.id}
