"""Online payments as services: amounts, checkouts, provider events booked exactly once."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.config import ConfigError
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import Payment
from portal.payments.providers import CheckoutRequest
from portal.payments.providers import ProviderUnavailable
from portal.payments.providers import current_provider
from portal.payments.sandbox import SandboxProvider
from portal.payments.stripe_provider import StripeProvider
from portal.services import online_payments as svc
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.fake_stripe import SECRET_KEY
from tests.support.fake_stripe import fake_stripe_server
from tests.support.payments import ledger_count
from tests.support.payments import payments_count

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _sandbox_pay(
    session: Session, app: Flask, claim: Claim, amount: int, action: str = "paid"
) -> svc.EventResult:
    provider = SandboxProvider(app.config["SALDO"])
    attempt = svc.start_attempt(session, claim, provider="sandbox", amount=amount, now=NOW)
    svc.attach_session(session, attempt, f"sbx_cs_{attempt.public_id}")
    received = provider.button_event(
        public_id=attempt.public_id,
        session_id=attempt.provider_session_id or "",
        action=action,
        amount=amount,
        currency=claim.currency,
    )
    event, created = svc.record_event(
        session,
        provider="sandbox",
        event_id=received.event_id,
        event_type=received.event_type,
        payload=received.payload,
        now=NOW,
    )
    assert created
    return svc.process_event(session, app.config["RULE_PACK"], provider, event, now=NOW)


# -- the amount a citizen chooses ----------------------------------------------------------------


def test_whole_amount_is_the_balance() -> None:
    assert svc.choose_amount("full", "", balance=12_345, currency="EUR", minimum=50) == 12_345


@pytest.mark.parametrize(
    ("text", "expected"), [("25", 2500), ("25,50", 2550), ("€ 1.234,56", 123_456), ("0,50", 50)]
)
def test_a_part_is_parsed_in_minor_units(text: str, expected: int) -> None:
    assert svc.choose_amount("part", text, balance=200_000, currency="EUR", minimum=50) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "not_a_number"),
        ("", "not_a_number"),
        ("-5", "negative"),
        ("0", "zero"),
        ("0,00", "zero"),
        ("0,555", "too_many_decimals"),
        ("12.345,678", "too_many_decimals"),
        ("0,49", "below_minimum"),
        ("123,46", "above_balance"),
        ("99999999999999", "too_large"),
    ],
)
def test_bad_partial_amounts_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(svc.AmountRejected) as caught:
        svc.choose_amount("part", text, balance=12_345, currency="EUR", minimum=50)
    assert caught.value.reason == reason


def test_no_choice_and_nothing_due_are_refused() -> None:
    with pytest.raises(svc.AmountRejected, match="no_choice"):
        svc.choose_amount("", "", balance=100, currency="EUR", minimum=50)
    with pytest.raises(svc.AmountRejected, match="nothing_due"):
        svc.choose_amount("full", "", balance=0, currency="EUR", minimum=50)


# -- payment pending -----------------------------------------------------------------------------


def test_a_started_checkout_makes_the_claim_pending_until_it_expires(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 10_000)
    attempt = svc.start_attempt(db_session, claim, provider="sandbox", amount=5_000, now=NOW)
    assert attempt.expires_at - NOW == svc.CHECKOUT_LIFETIME
    assert svc.pending_claim_ids(db_session, debtor.id, NOW) == {claim.id}
    assert svc.pending_claim_ids(db_session, debtor.id, NOW + timedelta(minutes=32)) == set()
    assert svc.pending_claim_ids(db_session, debtor.id + 1000, NOW) == set()


def test_more_than_the_balance_cannot_be_started(app: Flask, db_session: Session) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 1_000)
    with pytest.raises(svc.AmountRejected):
        svc.start_attempt(db_session, claim, provider="sandbox", amount=1_001, now=NOW)


# -- booking through the provider event path -----------------------------------------------------


def test_a_sandbox_payment_is_booked_once_and_clears_pending(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 10_000)
    payments, entries = payments_count(db_session), ledger_count(db_session)

    result = _sandbox_pay(db_session, app, claim, 4_000)

    assert result.outcome == "booked"
    assert result.payment is not None
    assert result.payment.provider == "sandbox"
    assert result.payment.amount == 4_000
    assert result.payment.earmarked_claim_id == claim.id
    assert claim.balance == 6_000
    assert result.attempt is not None
    assert result.attempt.state == "paid"
    assert svc.pending_claim_ids(db_session, debtor.id, NOW) == set()
    assert payments_count(db_session) == payments + 1
    assert ledger_count(db_session) > entries


def test_processing_a_stored_event_twice_books_nothing_more(
    app: Flask, db_session: Session
) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 10_000)
    result = _sandbox_pay(db_session, app, claim, 2_500)
    assert result.payment is not None
    entries = ledger_count(db_session)
    event = svc.unprocessed_events(db_session, "sandbox")
    assert event == []
    stored = db_session.scalars(
        select(LedgerEntry).where(LedgerEntry.payment_id == result.payment.id)
    ).all()
    assert sum(-e.amount for e in stored) == 2_500
    # The same button event again is a replay: found by its id, nothing processed.
    provider = SandboxProvider(app.config["SALDO"])
    attempt = result.attempt
    assert attempt is not None
    again = provider.button_event(
        public_id=attempt.public_id,
        session_id=attempt.provider_session_id or "",
        action="paid",
        amount=2_500,
        currency="EUR",
    )
    replay, created = svc.record_event(
        db_session,
        provider="sandbox",
        event_id=again.event_id,
        event_type=again.event_type,
        payload=again.payload,
        now=NOW,
    )
    assert not created
    assert svc.process_event(
        db_session, app.config["RULE_PACK"], provider, replay, now=NOW
    ).outcome == ("duplicate")
    assert ledger_count(db_session) == entries


def test_an_event_stored_before_a_crash_is_booked_when_reprocessed(
    app: Flask, db_session: Session
) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 10_000)
    provider = SandboxProvider(app.config["SALDO"])
    attempt = svc.start_attempt(db_session, claim, provider="sandbox", amount=1_000, now=NOW)
    svc.attach_session(db_session, attempt, "sbx_cs_crash")
    received = provider.button_event(
        public_id=attempt.public_id,
        session_id="sbx_cs_crash",
        action="paid",
        amount=1_000,
        currency="EUR",
    )
    svc.record_event(
        db_session,
        provider="sandbox",
        event_id=received.event_id,
        event_type=received.event_type,
        payload=received.payload,
        now=NOW,
    )
    # ... the process died here. Later:
    waiting = svc.unprocessed_events(db_session, "sandbox")
    assert [e.event_id for e in waiting] == [received.event_id]
    result = svc.process_event(db_session, app.config["RULE_PACK"], provider, waiting[0], now=NOW)
    assert result.outcome == "booked"
    assert claim.balance == 9_000
    assert svc.unprocessed_events(db_session, "sandbox") == []


@pytest.mark.parametrize("action", ["failed", "cancelled"])
def test_a_failed_or_cancelled_sandbox_payment_books_nothing(
    app: Flask, db_session: Session, action: str
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 10_000)
    payments = payments_count(db_session)
    result = _sandbox_pay(db_session, app, claim, 4_000, action=action)
    assert result.outcome == action
    assert result.attempt is not None
    assert result.attempt.state == action
    assert claim.balance == 10_000
    assert payments_count(db_session) == payments
    assert svc.pending_claim_ids(db_session, debtor.id, NOW) == set()


def test_an_overpayment_through_a_checkout_goes_to_the_debtor_credit(
    app: Flask, db_session: Session
) -> None:
    from portal.models import DebtorAccountEntry

    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor, 3_000)
    provider = SandboxProvider(app.config["SALDO"])
    attempt = svc.start_attempt(db_session, claim, provider="sandbox", amount=3_000, now=NOW)
    svc.attach_session(db_session, attempt, "sbx_cs_over")
    # The provider reports more than the checkout asked for (e.g. a fee added by mistake).
    received = provider.button_event(
        public_id=attempt.public_id,
        session_id="sbx_cs_over",
        action="paid",
        amount=3_500,
        currency="EUR",
    )
    event, _ = svc.record_event(
        db_session,
        provider="sandbox",
        event_id=received.event_id,
        event_type=received.event_type,
        payload=received.payload,
        now=NOW,
    )
    svc.process_event(db_session, app.config["RULE_PACK"], provider, event, now=NOW)
    credit = db_session.scalars(
        select(DebtorAccountEntry).where(DebtorAccountEntry.debtor_id == debtor.id)
    ).all()
    assert claim.balance == 0
    assert [c.amount for c in credit] == [500]


def test_a_provider_refund_marks_the_payment_refunded(app: Flask, db_session: Session) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 10_000)
    result = _sandbox_pay(db_session, app, claim, 1_000)
    assert result.payment is not None
    outcome = svc._apply(  # noqa: SLF001 - the refund branch without a Stripe event
        db_session,
        app.config["RULE_PACK"],
        "sandbox",
        type(
            "Outcome",
            (),
            {"kind": "refunded", "payment_reference": result.payment.provider_reference},
        )(),
        now=NOW,
    )
    assert outcome.outcome == "refunded"
    assert db_session.get(Payment, result.payment.id).state == "refunded"  # type: ignore[union-attr]


# -- providers -----------------------------------------------------------------------------------


def _request(country: str, currency: str) -> CheckoutRequest:
    return CheckoutRequest(
        attempt_id=7,
        attempt_public_id="pub-7",
        claim_id=42,
        amount=12_345,
        currency=currency,
        country=country,
        description="Gemeente Voorbeeld: Afvalstoffenheffing 2026",
        payment_reference="5000056789012345",
        success_url="http://127.0.0.1:5000/payments/return/pub-7",
        cancel_url="http://127.0.0.1:5000/payments/return/pub-7?cancelled=1",
        expires_at=datetime.now(UTC) + svc.CHECKOUT_LIFETIME,
    )


@pytest.mark.parametrize(
    ("country", "currency", "methods"),
    [
        ("NL", "EUR", ["ideal", "card"]),
        ("BE", "EUR", ["bancontact", "card"]),
        ("DK", "DKK", ["mobilepay", "card"]),
    ],
)
def test_stripe_checkout_is_created_with_minor_units_methods_metadata_and_expiry(
    country: str, currency: str, methods: list[str]
) -> None:
    with fake_stripe_server() as fake:
        provider = StripeProvider(
            Config(testing=True, stripe_secret_key=SECRET_KEY, stripe_api_base=fake.url)
        )
        started = provider.start_checkout(_request(country, currency))
        seen = fake.requests[-1]
        form = fake.last_form()
    assert started.session_id.startswith("cs_test_")
    assert started.redirect_url.startswith("https://checkout.stripe.test/")
    assert seen.path == "/v1/checkout/sessions"
    assert seen.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][currency]"] == currency.lower()
    assert form["line_items[0][price_data][unit_amount]"] == "12345"
    assert form["line_items[0][quantity]"] == "1"
    assert [form[f"payment_method_types[{i}]"] for i in range(len(methods))] == methods
    assert form["metadata[claim_id]"] == "42"
    assert form["metadata[checkout_attempt_id]"] == "7"
    assert form["metadata[payment_reference]"] == "5000056789012345"
    assert form["payment_intent_data[metadata][claim_id]"] == "42"
    ahead = int(form["expires_at"]) - datetime.now(UTC).timestamp()
    assert 30 * 60 <= ahead <= 32 * 60
    assert form["success_url"].endswith("/payments/return/pub-7")


def test_stripe_being_down_is_provider_unavailable() -> None:
    with fake_stripe_server() as fake:
        fake.fail_with = 500
        provider = StripeProvider(
            Config(testing=True, stripe_secret_key=SECRET_KEY, stripe_api_base=fake.url)
        )
        with pytest.raises(ProviderUnavailable):
            provider.start_checkout(_request("NL", "EUR"))


def test_the_sandbox_is_the_default_only_in_demo_mode() -> None:
    assert current_provider(Config(demo=True)).name == "sandbox"
    assert current_provider(Config(demo=True, stripe_secret_key="sk_x")).name == "stripe"
    with pytest.raises(ConfigError):
        Config(testing=True, payment_provider="sandbox").checked()
    with pytest.raises(ConfigError):
        Config(testing=True, payment_provider="stripe").checked()
    assert Config(testing=True).effective_payment_provider == ""


def test_the_reprocess_command_books_stored_events_left_after_a_crash(
    app: Flask, db_session: Session
) -> None:
    claim = make_claim(db_session, make_debtor(db_session), 10_000)
    provider = SandboxProvider(app.config["SALDO"])
    attempt = svc.start_attempt(db_session, claim, provider="sandbox", amount=1_500, now=NOW)
    svc.attach_session(db_session, attempt, "sbx_cs_cli")
    received = provider.button_event(
        public_id=attempt.public_id,
        session_id="sbx_cs_cli",
        action="paid",
        amount=1_500,
        currency="EUR",
    )
    svc.record_event(
        db_session,
        provider="sandbox",
        event_id=received.event_id,
        event_type=received.event_type,
        payload=received.payload,
        now=NOW,
    )
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["payments", "reprocess"])
    assert result.exit_code == 0, result.output
    assert re.search(r"processed [1-9][0-9]* stored event", result.output)
    db_session.expire_all()
    assert db_session.get(Claim, claim.id).balance == 8_500  # type: ignore[union-attr]
