"""Rotating keys without breaking what is in circulation (issue 10 runbook, docs/operations.md
"Rotating secrets"): letter login codes are keyed with the link key (SALDO_LINK_KEY, with
previous keys accepted during a rotation), not with SECRET_KEY; payment and share links are
stored random tokens and survive any rotation; a Stripe webhook signed with the previous secret
is accepted while it is listed and refused once it is removed."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.config import ProductionConfigError
from portal.models import LoginCode
from portal.models import Payment
from portal.models import ProviderEvent
from portal.services import login_codes
from portal.services import online_payments
from portal.services import share_links
from portal.services.audit import Actor
from portal.services.overview_documents import create_overview_document
from portal.services.payment_links import create_payment_link
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.fake_stripe import OLD_WEBHOOK_SECRET
from tests.support.fake_stripe import SECRET_KEY as STRIPE_KEY
from tests.support.fake_stripe import WEBHOOK_SECRET
from tests.support.fake_stripe import FakeStripe
from tests.support.fake_stripe import checkout_event
from tests.support.fake_stripe import fake_stripe_server
from tests.support.fake_stripe import sign
from tests.support.payments import count

WEBHOOK = "/payments/stripe/webhook"

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
OLD_SECRET = "old-session-secret-" + "s" * 20
NEW_SECRET = "new-session-secret-" + "t" * 20
OLD_LINK_KEY = "old-link-key-" + "a" * 30
NEW_LINK_KEY = "new-link-key-" + "b" * 30


def _config(app: Flask, **changes: object) -> Config:
    config: Config = app.config["SALDO"]
    return config.with_overrides(**changes)


def _issue_code(session: Session, config: Config) -> tuple[str, str]:
    debtor = make_debtor(session)
    claim = make_claim(session, debtor, 12_000)
    issued = login_codes.issue_login_code(
        session, config, debtor_id=debtor.id, claim_ids=[claim.id], now=NOW
    )
    return claim.reference or "", issued.plain_code


def _redeem(session: Session, config: Config, reference: str, code: str) -> LoginCode:
    return login_codes.redeem_login_code(
        session, config, reference=reference, code=code, now=NOW + timedelta(days=1)
    )


def test_a_letter_code_made_before_a_link_key_rotation_still_opens_after_it(
    app: Flask, db_session: Session
) -> None:
    before = _config(app, secret_key=OLD_SECRET, link_key=OLD_LINK_KEY)
    reference, code = _issue_code(db_session, before)

    after = _config(
        app, secret_key=NEW_SECRET, link_key=NEW_LINK_KEY, link_keys_previous=OLD_LINK_KEY
    )
    assert _redeem(db_session, after, reference, code).used_at is not None


def test_rotating_secret_key_alone_leaves_letter_codes_working(
    app: Flask, db_session: Session
) -> None:
    before = _config(app, secret_key=OLD_SECRET, link_key=OLD_LINK_KEY)
    reference, code = _issue_code(db_session, before)

    after = _config(app, secret_key=NEW_SECRET, link_key=OLD_LINK_KEY)
    assert _redeem(db_session, after, reference, code).used_at is not None


def test_codes_from_before_the_link_key_existed_work_with_the_derived_key_as_a_previous_key(
    app: Flask, db_session: Session
) -> None:
    legacy = _config(app, secret_key=OLD_SECRET, link_key="")
    reference, code = _issue_code(db_session, legacy)

    after = _config(
        app,
        secret_key=NEW_SECRET,
        link_key=NEW_LINK_KEY,
        link_keys_previous=f"login-code:{OLD_SECRET}",
    )
    assert _redeem(db_session, after, reference, code).used_at is not None


def test_a_code_made_with_a_removed_previous_key_no_longer_opens(
    app: Flask, db_session: Session
) -> None:
    reference, code = _issue_code(db_session, _config(app, link_key=OLD_LINK_KEY))

    done = _config(app, link_key=NEW_LINK_KEY, link_keys_previous="")
    with pytest.raises(login_codes.LoginCodeInvalid) as caught:
        _redeem(db_session, done, reference, code)
    assert caught.value.reason == "unknown_code"


def test_new_codes_are_keyed_with_the_current_link_key_only(
    app: Flask, db_session: Session
) -> None:
    during = _config(app, link_key=NEW_LINK_KEY, link_keys_previous=OLD_LINK_KEY)
    reference, code = _issue_code(db_session, during)
    stored = db_session.scalars(select(LoginCode.code_hash)).all()
    compact = login_codes.compact_code(code) or ""
    assert login_codes.code_hash(_config(app, link_key=NEW_LINK_KEY), compact) in stored

    after = _config(app, link_key=NEW_LINK_KEY)  # the old key removed: still works
    assert _redeem(db_session, after, reference, code).used_at is not None


def test_a_payment_link_and_a_share_link_made_before_a_rotation_still_open_after_it(
    app: Flask, make_app: Callable[..., Flask], db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 15_000)
    before = _config(app, secret_key=OLD_SECRET, link_key=OLD_LINK_KEY)
    payment = create_payment_link(db_session, before, claim_id=claim.id, now=datetime.now(UTC))
    document = create_overview_document(
        db_session,
        app.config["RULE_PACK"],
        before,
        debtor_id=debtor.id,
        requested_by=Actor.citizen(debtor.id),
        locale="en",
        now=datetime.now(UTC),
        as_of=datetime.now(UTC).date(),
    )
    shared = share_links.create_share_link(
        db_session, before, document_id=document.id, consent=True, now=datetime.now(UTC)
    )
    db_session.flush()

    rotated = make_app(secret_key=NEW_SECRET, link_key=NEW_LINK_KEY).test_client()
    assert rotated.get(f"/p/{payment.token}").status_code == 200
    assert rotated.get(f"/shared/{shared.token}").status_code == 200


GOOD_PRODUCTION = {
    "SALDO_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql+psycopg://saldo@127.0.0.1:5432/saldo",
    "SALDO_ID_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "SALDO_ID_HASH_KEY": "h" * 48,
    "SALDO_STRIPE_SECRET_KEY": "sk_live_example",
}


@pytest.mark.parametrize(
    ("link_key", "previous", "needle"),
    [
        (None, "", "SALDO_LINK_KEY is missing"),
        ("k" * 48, "", "SECRET_KEY"),
        (NEW_LINK_KEY, "demo-only-secret-key-not-for-production", "demo default"),
        ("short", "", "32 characters"),
    ],
)
def test_production_refuses_a_missing_reused_demo_or_short_link_key(
    link_key: str | None, previous: str, needle: str
) -> None:
    env = dict(GOOD_PRODUCTION, SALDO_LINK_KEYS_PREVIOUS=previous)
    if link_key is not None:
        env["SALDO_LINK_KEY"] = link_key
    with pytest.raises(ProductionConfigError) as caught:
        Config.from_env(env)
    [problem] = caught.value.problems
    assert "SALDO_LINK_KEY" in problem
    assert needle in problem


def test_production_starts_with_a_link_key_and_previous_keys() -> None:
    env = dict(
        GOOD_PRODUCTION,
        SALDO_LINK_KEY=NEW_LINK_KEY,
        SALDO_LINK_KEYS_PREVIOUS=f" {OLD_LINK_KEY} ,login-code:{OLD_SECRET}",
    )
    config = Config.from_env(env)
    assert config.link_signing_keys == (
        NEW_LINK_KEY.encode(),
        OLD_LINK_KEY.encode(),
        f"login-code:{OLD_SECRET}".encode(),
    )


# -- the Stripe webhook secret -------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    with fake_stripe_server() as server:
        yield server


def _stripe_app(make_app: Callable[..., Flask], fake: FakeStripe, secrets: str) -> Flask:
    app: Flask = make_app(
        payment_provider="stripe",
        stripe_secret_key=STRIPE_KEY,
        stripe_webhook_secrets=secrets,
        stripe_api_base=fake.url,
    )
    return app


def _completed_event(session: Session) -> str:
    claim = make_claim(session, make_debtor(session), 10_000)
    attempt = online_payments.start_attempt(
        session, claim, provider="stripe", amount=4_000, now=datetime.now(UTC)
    )
    online_payments.attach_session(session, attempt, f"cs_test_rot_{attempt.id}_{claim.id}")
    session.commit()
    return checkout_event(
        "checkout.session.completed", attempt.provider_session_id or "", amount=4_000
    )


def _post(app: Flask, payload: str, header: str) -> int:
    response = app.test_client().post(
        WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": header},
        content_type="application/json",
    )
    return response.status_code


def test_a_webhook_signed_with_the_previous_secret_is_accepted_during_the_rotation_only(
    make_app: Callable[..., Flask], fake: FakeStripe, db_session: Session
) -> None:
    during = _stripe_app(make_app, fake, f"{WEBHOOK_SECRET},{OLD_WEBHOOK_SECRET}")
    after = _stripe_app(make_app, fake, WEBHOOK_SECRET)

    first = _completed_event(db_session)
    assert _post(during, first, sign(first, OLD_WEBHOOK_SECRET)) == 200

    second = _completed_event(db_session)
    events_before = count(db_session, ProviderEvent)
    payments_before = count(db_session, Payment)
    assert _post(after, second, sign(second, OLD_WEBHOOK_SECRET)) == 400
    assert count(db_session, ProviderEvent) == events_before
    assert count(db_session, Payment) == payments_before
    assert _post(after, second, sign(second, WEBHOOK_SECRET)) == 200
    assert count(db_session, Payment) == payments_before + 1
