"""The sandbox provider: the whole checkout flow on a page of our own, offline (demo mode).

Its Pay / Fail / Cancel buttons produce events that are stored and booked through exactly the
same path as Stripe's webhooks (`portal.services.online_payments.process_event`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from portal.config import Config
from portal.payments.providers import CANCELLED
from portal.payments.providers import FAILED
from portal.payments.providers import IGNORED
from portal.payments.providers import PAID
from portal.payments.providers import CheckoutRequest
from portal.payments.providers import EventOutcome
from portal.payments.providers import InvalidWebhook
from portal.payments.providers import ReceivedEvent
from portal.payments.providers import StartedCheckout

ACTIONS = (PAID, FAILED, CANCELLED)


class SandboxProvider:
    name = "sandbox"

    def __init__(self, config: Config) -> None:
        if not config.demo:
            raise ValueError("the sandbox payment provider is for demo mode only")

    def start_checkout(self, request: CheckoutRequest) -> StartedCheckout:
        return StartedCheckout(
            session_id=f"sbx_cs_{request.attempt_public_id}",
            redirect_url=f"/payments/sandbox/{request.attempt_public_id}",
        )

    def handle_return(self, session_id: str, *, cancelled: bool) -> bool:
        # The sandbox page's own Cancel button is the cancel event; a bare return closes nothing.
        return False

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> ReceivedEvent:
        raise InvalidWebhook("the sandbox has no webhooks")

    def refund(self, payment_reference: str, amount: int, *, idempotency_key: str) -> str:
        """Offline: the refund is "made" at once; the id is stable per idempotency key."""
        if amount <= 0:
            raise ValueError("a refund amount is positive")
        return f"sbx_re_{idempotency_key}"

    def button_event(
        self, *, public_id: str, session_id: str, action: str, amount: int, currency: str
    ) -> ReceivedEvent:
        """The event one of the sandbox page's buttons stands for (one per checkout, so a
        double click or a replayed form is the same event)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown sandbox action {action!r}")
        payload = {
            "session_id": session_id,
            "payment_reference": f"sbx_pi_{public_id}",
            "amount": amount,
            "currency": currency,
        }
        return ReceivedEvent(
            event_id=f"sbx_evt_{public_id}",
            event_type=f"sandbox.{action}",
            payload=json.dumps(payload, sort_keys=True),
        )

    def interpret(self, event_type: str, payload: Mapping[str, Any]) -> EventOutcome:
        kind = event_type.removeprefix("sandbox.")
        if kind not in ACTIONS:
            return EventOutcome(IGNORED)
        return EventOutcome(
            kind,
            session_id=str(payload["session_id"]),
            payment_reference=str(payload["payment_reference"]) if kind == PAID else None,
            amount=int(payload["amount"]),
            currency=str(payload["currency"]),
            method="card",
        )
