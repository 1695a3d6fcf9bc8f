"""Stripe Checkout through the real `stripe` library.

Amounts go to Stripe in minor units; the claim id, our checkout id and the payment reference
travel in metadata; sessions expire about 30 minutes ahead so "payment pending" clears soon
after an abandoned checkout. Webhooks are verified on the raw body against every configured
secret (several during a rotation). decisions.md "Payments": book only on payment_status
"paid" or on async success, keyed on the PaymentIntent id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import stripe

from portal.config import Config
from portal.payments.providers import EXPIRED
from portal.payments.providers import FAILED
from portal.payments.providers import IGNORED
from portal.payments.providers import METHODS_BY_COUNTRY
from portal.payments.providers import PAID
from portal.payments.providers import REFUNDED
from portal.payments.providers import CheckoutRequest
from portal.payments.providers import EventOutcome
from portal.payments.providers import InvalidWebhook
from portal.payments.providers import ProviderUnavailable
from portal.payments.providers import ReceivedEvent
from portal.payments.providers import StartedCheckout

log = logging.getLogger(__name__)


class StripeProvider:
    name = "stripe"

    def __init__(self, config: Config) -> None:
        self._key = config.stripe_secret_key
        self._api_base = config.stripe_api_base
        self._secrets = [s.strip() for s in config.stripe_webhook_secrets.split(",") if s.strip()]

    def _client(self) -> stripe.StripeClient:
        if not self._key:
            raise ProviderUnavailable("no Stripe secret key configured")
        if self._api_base:
            return stripe.StripeClient(
                self._key, base_addresses={"api": self._api_base}, max_network_retries=0
            )
        return stripe.StripeClient(self._key, max_network_retries=0)

    def checkout_params(self, request: CheckoutRequest) -> dict[str, Any]:
        metadata = {
            "claim_id": str(request.claim_id),
            "checkout_attempt_id": str(request.attempt_id),
            "payment_reference": request.payment_reference,
        }
        if request.installment_id is not None:
            metadata["plan_id"] = str(request.plan_id)
            metadata["installment_id"] = str(request.installment_id)
        return {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount,
                        "product_data": {"name": request.description[:250] or "-"},
                    },
                }
            ],
            "payment_method_types": list(METHODS_BY_COUNTRY[request.country]),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "client_reference_id": request.attempt_public_id,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
        }

    def start_checkout(self, request: CheckoutRequest) -> StartedCheckout:
        try:
            session = self._client().v1.checkout.sessions.create(
                params=self.checkout_params(request)  # type: ignore[arg-type]
            )
        except stripe.StripeError as exc:
            log.warning(
                "stripe checkout not started for attempt %s: %s",
                request.attempt_id,
                type(exc).__name__,
            )
            raise ProviderUnavailable("Stripe did not start the checkout") from exc
        if not session.url:
            raise ProviderUnavailable("Stripe returned no checkout URL")
        return StartedCheckout(session_id=session.id, redirect_url=session.url)

    def handle_return(self, session_id: str, *, cancelled: bool) -> bool:
        """On cancel, expire the session so it cannot be paid any more (then it is safe to end
        "payment pending"). Success returns change nothing: only the webhook books."""
        if not cancelled:
            return False
        try:
            self._client().v1.checkout.sessions.expire(session_id)
        except (stripe.StripeError, ProviderUnavailable) as exc:
            log.info("stripe session not expired on cancel: %s", type(exc).__name__)
            return False
        return True

    def refund(self, payment_reference: str, amount: int, *, idempotency_key: str) -> str:
        """stripe Refund.create on the PaymentIntent, in minor units. The idempotency key
        makes a retry (or a double click) one refund at Stripe."""
        try:
            refund = self._client().v1.refunds.create(
                params={
                    "payment_intent": payment_reference,
                    "amount": amount,
                    "metadata": {"saldo_refund": idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            log.warning("stripe refund not made: %s", type(exc).__name__)
            raise ProviderUnavailable("Stripe did not make the refund") from exc
        return str(refund.id)

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> ReceivedEvent:
        signature = headers.get("Stripe-Signature", "")
        if not signature or not self._secrets:
            raise InvalidWebhook("no signature or no webhook secret configured")
        for secret in self._secrets:
            try:
                event = stripe.Webhook.construct_event(body, signature, secret)
            except stripe.SignatureVerificationError:
                continue
            except ValueError as exc:
                raise InvalidWebhook("the body is not a Stripe event") from exc
            if not isinstance(event.id, str) or not isinstance(event.type, str):
                raise InvalidWebhook("the event has no id or type")
            return ReceivedEvent(event.id, event.type, body.decode("utf-8"))
        raise InvalidWebhook("no configured secret matches the signature")

    def interpret(self, event_type: str, payload: Mapping[str, Any]) -> EventOutcome:
        obj = payload.get("data", {}).get("object", {})
        if not isinstance(obj, Mapping):
            return EventOutcome(IGNORED)
        if event_type.startswith("checkout.session."):
            session_id = obj.get("id")
            paid = (
                event_type == "checkout.session.completed" and obj.get("payment_status") == "paid"
            ) or event_type == "checkout.session.async_payment_succeeded"
            kind = {
                "checkout.session.async_payment_failed": FAILED,
                "checkout.session.expired": EXPIRED,
            }.get(event_type, PAID if paid else IGNORED)
            return EventOutcome(
                kind,
                session_id=session_id,
                payment_reference=obj.get("payment_intent") or session_id,
                amount=obj.get("amount_total"),
                currency=str(obj.get("currency") or "").upper() or None,
            )
        if event_type == "charge.refunded":
            listed = obj.get("refunds", {})
            rows = listed.get("data", []) if isinstance(listed, Mapping) else []
            refunds = tuple(
                (str(row["id"]), int(row["amount"]))
                for row in rows
                if isinstance(row, Mapping)
                and isinstance(row.get("id"), str)
                and isinstance(row.get("amount"), int)
                and row.get("status", "succeeded") in ("succeeded", "pending")
            )
            refunded = obj.get("amount_refunded")
            return EventOutcome(
                REFUNDED,
                payment_reference=obj.get("payment_intent"),
                amount=refunded if isinstance(refunded, int) else None,
                currency=str(obj.get("currency") or "").upper() or None,
                refunds=refunds,
                charge_id=obj.get("id") if isinstance(obj.get("id"), str) else None,
            )
        return EventOutcome(IGNORED)


def event_json(payload: str) -> Mapping[str, Any]:
    data = json.loads(payload)
    return data if isinstance(data, dict) else {}
