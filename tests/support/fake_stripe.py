"""A fake Stripe API on 127.0.0.1 (tooling.md §3.5) and helpers to sign webhook events."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import stripe

WEBHOOK_SECRET = "whsec_test_current"
OLD_WEBHOOK_SECRET = "whsec_test_previous"
SECRET_KEY = "sk_test_fake"
_ids = itertools.count(1)


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class FakeStripe:
    url: str
    requests: list[SeenRequest] = field(default_factory=list)
    #: set to an HTTP status to make the next calls fail
    fail_with: int | None = None

    def last_form(self) -> dict[str, str]:
        return {key: values[0] for key, values in self.requests[-1].form.items()}


@contextmanager
def fake_stripe_server() -> Iterator[FakeStripe]:
    state = FakeStripe(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            state.requests.append(
                SeenRequest("POST", self.path, {k: v for k, v in self.headers.items()}, form)
            )
            if state.fail_with:
                self._send(state.fail_with, {"error": {"type": "api_error", "message": "down"}})
                return
            if self.path == "/v1/checkout/sessions":
                session_id = f"cs_test_{next(_ids)}"
                self._send(
                    200,
                    {
                        "id": session_id,
                        "object": "checkout.session",
                        "url": f"https://checkout.stripe.test/pay/{session_id}",
                        "status": "open",
                    },
                )
            elif self.path == "/v1/refunds":
                amount = int(form.get("amount", ["0"])[0])
                self._send(
                    200,
                    {
                        "id": f"re_test_{next(_ids)}",
                        "object": "refund",
                        "amount": amount,
                        "status": "succeeded",
                        "payment_intent": form["payment_intent"][0],
                    },
                )
            elif self.path.endswith("/expire"):
                session_id = self.path.split("/")[-2]
                self._send(
                    200, {"id": session_id, "object": "checkout.session", "status": "expired"}
                )
            else:
                self._send(404, {"error": {"type": "invalid_request_error", "message": "no"}})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            out = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def checkout_event(
    event_type: str,
    session_id: str,
    *,
    amount: int,
    currency: str = "eur",
    payment_status: str = "paid",
    payment_intent: str | None = None,
    event_id: str | None = None,
) -> str:
    """A Stripe event JSON for a Checkout Session, as Stripe sends it (the fields we read)."""
    return json.dumps(
        {
            "id": event_id or f"evt_test_{next(_ids)}",
            "object": "event",
            "type": event_type,
            "data": {
                "object": {
                    "id": session_id,
                    "object": "checkout.session",
                    "amount_total": amount,
                    "currency": currency,
                    "payment_status": payment_status,
                    "payment_intent": payment_intent or f"pi_test_{session_id}",
                    "status": "complete",
                }
            },
        }
    )


def charge_refunded_event(payment_intent: str, *, amount: int) -> str:
    return json.dumps(
        {
            "id": f"evt_test_{next(_ids)}",
            "object": "event",
            "type": "charge.refunded",
            "data": {
                "object": {
                    "id": f"ch_test_{next(_ids)}",
                    "object": "charge",
                    "amount": amount,
                    "amount_refunded": amount,
                    "refunded": True,
                    "payment_intent": payment_intent,
                }
            },
        }
    )


def sign(payload: str, secret: str = WEBHOOK_SECRET, *, at: int | None = None) -> str:
    """The Stripe-Signature header, made by the stripe library's own signing scheme."""
    timestamp = int(time.time()) if at is None else at
    header: str = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    return header
