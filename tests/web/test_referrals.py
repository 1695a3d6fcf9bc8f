"""Warm referral to debt help: only with recorded consent; a debt overview attached; collection
paused on every open claim for the configured period; audited."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import CollectionHold
from portal.models import OverviewDocument
from portal.models import Referral
from portal.services import referrals
from portal.services.holds import collection_paused
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.factories import pay
from tests.support.page_checks import assert_page_ok
from tests.support.primitives import NOW
from tests.support.primitives import make_staff
from tests.support.workspace import logged_in_staff
from tests.support.workspace import post_with_token


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _today(app: Flask) -> date:
    return datetime.now(ZoneInfo(app.config["RULE_PACK"].timezone)).date()


def test_a_referral_with_consent_attaches_the_overview_and_pauses_open_claims(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    debtor = make_debtor(db_session, "Referred Person", preferred_locale="nl")
    first = make_claim(db_session, debtor, 30_000)
    second = make_claim(db_session, debtor, 12_000)
    paid = make_claim(db_session, debtor, 1_000)
    pay(db_session, debtor, 1_000, claim=paid)
    staff = logged_in_staff(client, db_session)
    page = f"/staff/debtors/{debtor.id}"
    assert 'value="60"' in client.get(page).get_data(as_text=True)  # the default pause

    response = post_with_token(
        client,
        f"{page}/referral",
        {"referral_consent": "y", "referral_channel": "desk", "referral_pause_days": "30"},
        page=page,
    )

    assert response.status_code == 302
    db_session.expire_all()
    referral = db_session.scalars(select(Referral)).one()
    today = _today(app)
    assert (referral.debtor_id, referral.staff_user_id, referral.consent_channel) == (
        debtor.id,
        staff.id,
        "desk",
    )
    assert referral.organisation == "schuldhulpverlening"  # in the debtor's language
    assert referral.pause_until == today + timedelta(days=30)
    document = db_session.get(OverviewDocument, referral.overview_document_id)
    assert document is not None
    assert document.total == 42_000
    holds = db_session.scalars(select(CollectionHold).order_by(CollectionHold.claim_id)).all()
    assert [(h.claim_id, h.reason, h.ends_on) for h in holds] == [
        (first.id, "debt_help", referral.pause_until),
        (second.id, "debt_help", referral.pause_until),
    ]
    assert collection_paused(db_session, first.id, today + timedelta(days=29))
    assert not collection_paused(db_session, first.id, today + timedelta(days=30))
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.created")
    ).one()
    assert (event.staff_user_id, event.debtor_id) == (staff.id, debtor.id)
    assert event.details["claims_paused"] == 2
    shown = assert_page_ok(client.get(page), lang="en")
    assert "Referred to schuldhulpverlening" in shown.text


@pytest.mark.parametrize(
    "data",
    [
        {"referral_channel": "desk", "referral_pause_days": "60"},
        {"referral_consent": "y", "referral_pause_days": "60"},
        {"referral_consent": "y", "referral_channel": "desk", "referral_pause_days": "0"},
        {"referral_consent": "y", "referral_channel": "desk", "referral_pause_days": "9999"},
        {"referral_consent": "y", "referral_channel": "pigeon", "referral_pause_days": "60"},
        {"referral_consent": "y", "referral_channel": "desk", "referral_pause_days": "soon"},
    ],
)
def test_without_consent_or_with_bad_input_nothing_is_referred(
    client: FlaskClient, db_session: Session, data: dict[str, str]
) -> None:
    debtor = make_debtor(db_session)
    make_claim(db_session, debtor, 5_000)
    logged_in_staff(client, db_session)
    page = f"/staff/debtors/{debtor.id}"

    response = post_with_token(client, f"{page}/referral", data, page=page)

    assert response.status_code == 400
    shown = assert_page_ok(response, lang="en")
    assert shown.find("div", class_="error-summary") is not None
    assert _count(db_session, Referral) == 0
    assert _count(db_session, CollectionHold) == 0
    assert _count(db_session, OverviewDocument) == 0


def test_the_service_refuses_without_consent(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    staff = make_staff(db_session)
    with pytest.raises(referrals.ReferralRefused, match="no_consent"):
        referrals.make_referral(
            db_session,
            app.config["RULE_PACK"],
            app.config["SALDO"],
            debtor_id=debtor.id,
            staff_user_id=staff.id,
            consent=False,
            consent_channel="phone",
            pause_days=60,
            locale="en",
            now=NOW,
            as_of=NOW.date(),
        )


def test_the_pause_is_configurable_per_installation(make_app: object) -> None:
    build = make_app  # type: ignore[assignment]
    other = build(extra={"debt_help_pause_days": 90})  # type: ignore[operator]
    assert referrals.pause_days_of(other.config["SALDO"]) == 90
    silly = build(extra={"debt_help_pause_days": "lots"})  # type: ignore[operator]
    assert referrals.pause_days_of(silly.config["SALDO"]) == referrals.DEFAULT_PAUSE_DAYS


def test_a_department_clerk_may_not_refer(client: FlaskClient, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    logged_in_staff(client, db_session, "department_clerk")
    response = post_with_token(
        client,
        f"/staff/debtors/{debtor.id}/referral",
        {"referral_consent": "y", "referral_channel": "desk", "referral_pause_days": "60"},
    )
    assert response.status_code == 403
    assert _count(db_session, Referral) == 0
