"""The payment provider protocol and a registry by name.

A provider starts a checkout (returns where to send the payer), handles the payer's return,
and turns its events (webhooks, sandbox buttons) into an `EventOutcome` that
`portal.services.online_payments` books. Every provider goes through that same booking path.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import Protocol

from portal.config import Config

#: Online payment methods per country (the issue: NL iDEAL + card, BE Bancontact + card,
#: DK MobilePay + card), as Stripe names them.
METHODS_BY_COUNTRY: Mapping[str, tuple[str, ...]] = {
    "NL": ("ideal", "card"),
    "BE": ("bancontact", "card"),
    "DK": ("mobilepay", "card"),
}

#: What an event means for us.
PAID = "paid"
FAILED = "failed"
EXPIRED = "expired"
CANCELLED = "cancelled"
REFUNDED = "refunded"
IGNORED = "ignored"


class ProviderUnavailable(RuntimeError):
    """The provider could not start a checkout (network, configuration); nothing was charged."""


class InvalidWebhook(ValueError):
    """A webhook whose signature or body cannot be trusted; nothing is stored."""


class NoOnlinePayment(LookupError):
    """No online payment provider is configured for this installation."""


@dataclass(frozen=True)
class CheckoutRequest:
    attempt_id: int
    attempt_public_id: str
    claim_id: int
    amount: int
    currency: str
    country: str
    description: str
    payment_reference: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    #: an installment payment (issue 4): travels in the provider's metadata
    plan_id: int | None = None
    installment_id: int | None = None


@dataclass(frozen=True)
class StartedCheckout:
    session_id: str
    #: where to send the payer: the provider's hosted page or our own sandbox page
    redirect_url: str


@dataclass(frozen=True)
class ReceivedEvent:
    """A verified event, before it is stored."""

    event_id: str
    event_type: str
    payload: str


@dataclass(frozen=True)
class EventOutcome:
    kind: str
    session_id: str | None = None
    #: the provider's payment id the Payment is keyed on (Stripe PaymentIntent id)
    payment_reference: str | None = None
    amount: int | None = None
    currency: str | None = None
    method: str = "online"
    #: charge.refunded: (refund id, amount) of each refund the provider lists
    refunds: tuple[tuple[str, int], ...] = ()
    #: charge.refunded: the provider's charge id (a fallback key when no refund list is sent)
    charge_id: str | None = None


class PaymentProvider(Protocol):
    name: str

    def start_checkout(self, request: CheckoutRequest) -> StartedCheckout:
        """Create the checkout; raises ProviderUnavailable."""

    def handle_return(self, session_id: str, *, cancelled: bool) -> bool:
        """The payer came back. On cancel, close the checkout if the provider can; returns
        True when the checkout is now closed for sure (so "payment pending" may end)."""

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> ReceivedEvent:
        """Check the signature on the raw body; raises InvalidWebhook."""

    def interpret(self, event_type: str, payload: Mapping[str, Any]) -> EventOutcome:
        """What a stored event means (pure: stored events can be re-processed)."""

    def refund(self, payment_reference: str, amount: int, *, idempotency_key: str) -> str:
        """Send `amount` of the payment back to the payer; returns the provider's refund id.
        The same idempotency key twice refunds once. Raises ProviderUnavailable."""


ProviderFactory = Callable[[Config], PaymentProvider]
_REGISTRY: dict[str, ProviderFactory] = {}


def register_provider(name: str, factory: ProviderFactory) -> None:
    _REGISTRY[name] = factory


def provider_by_name(config: Config, name: str) -> PaymentProvider:
    _load_builtin()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise NoOnlinePayment(f"no payment provider {name!r}") from None
    return factory(config)


def current_provider(config: Config) -> PaymentProvider:
    """The provider this installation uses for new checkouts; raises NoOnlinePayment."""
    name = config.effective_payment_provider
    if not name:
        raise NoOnlinePayment("online payment is not configured")
    return provider_by_name(config, name)


def _load_builtin() -> None:
    if _REGISTRY:
        return
    from portal.payments.sandbox import SandboxProvider
    from portal.payments.stripe_provider import StripeProvider

    register_provider("sandbox", SandboxProvider)
    register_provider("stripe", StripeProvider)
