"""Online payments: the amount a citizen chooses, checkouts, provider events, payment pending.

Every provider event (Stripe webhook or sandbox button) is stored first (`record_event`), then
processed (`process_event`) in its own transaction, so a crash in between loses nothing and a
replay is recognised by its event id. Booking goes through `book_payment`, which is
idempotent per (provider, provider payment id): a replayed or concurrent duplicate changes
nothing.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.money import InvalidAmount
from portal.domain.money import Money
from portal.domain.plans import PlanState
from portal.domain.rules.base import RulePack
from portal.models import CheckoutAttempt
from portal.models import Claim
from portal.models import Payment
from portal.models import Plan
from portal.models import PlanClaim
from portal.models import PlanInstallment
from portal.models import ProviderEvent
from portal.services import audit
from portal.services.audit import Actor
from portal.services.booking import IncomingPayment
from portal.services.booking import book_payment

log = logging.getLogger(__name__)

#: Stripe accepts expires_at from 30 minutes after creation; one minute more absorbs clock
#: skew and network time, so the session is not refused (decisions.md "Payments").
CHECKOUT_LIFETIME = timedelta(minutes=31)

FULL = "full"
PART = "part"


class AmountRejected(ValueError):
    """The chosen amount cannot be paid online. `reason`: a Money.parse reason or
    below_minimum, above_balance, nothing_due, no_choice."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"amount rejected: {reason}")
        self.reason = reason


class NotPayable(LookupError):
    """The claim has nothing to pay online (settled, cancelled, with the collector)."""


class _Interpreter(Protocol):
    name: str

    def interpret(self, event_type: str, payload: Any) -> Any: ...


@dataclass(frozen=True)
class EventResult:
    outcome: str
    attempt: CheckoutAttempt | None = None
    payment: Payment | None = None


def payable_balance(claim: Claim) -> int:
    """What may be paid online now; raises NotPayable."""
    if claim.cancelled_on is not None or claim.handed_over_on is not None or claim.balance <= 0:
        raise NotPayable(f"claim {claim.id} has nothing to pay here")
    return claim.balance


def choose_amount(choice: str, text: str, *, balance: int, currency: str, minimum: int) -> int:
    """The amount in minor units: the whole balance, or a part from `minimum` up to the
    balance. Raises AmountRejected (nothing is stored)."""
    if balance <= 0:
        raise AmountRejected("nothing_due")
    if choice == FULL:
        amount = balance
    elif choice == PART:
        try:
            amount = Money.parse(text or "", currency).amount
        except InvalidAmount as exc:
            raise AmountRejected(exc.reason) from None
        if amount > balance:
            raise AmountRejected("above_balance")
    else:
        raise AmountRejected("no_choice")
    if amount < minimum:
        raise AmountRejected("below_minimum")
    return amount


def start_attempt(
    session: Session,
    claim: Claim,
    *,
    provider: str,
    amount: int,
    now: datetime,
    payment_link_id: int | None = None,
    installment_id: int | None = None,
    maximum: int | None = None,
) -> CheckoutAttempt:
    """A pending checkout for `amount` on `claim` (the provider session is attached after).

    For an installment, `maximum` is what the installment may take (it can be more than
    `claim`'s own balance: the plan's claims share it)."""
    limit = payable_balance(claim) if maximum is None else maximum
    if amount <= 0 or amount > limit:
        raise AmountRejected("above_balance" if amount > 0 else "zero")
    attempt = CheckoutAttempt(
        public_id=secrets.token_urlsafe(32),
        provider=provider,
        claim_id=claim.id,
        debtor_id=claim.debtor_id,
        payment_link_id=payment_link_id,
        installment_id=installment_id,
        amount=amount,
        currency=claim.currency,
        state="pending",
        created_at=now,
        expires_at=now + CHECKOUT_LIFETIME,
    )
    session.add(attempt)
    session.flush()
    return attempt


def attach_session(session: Session, attempt: CheckoutAttempt, session_id: str) -> None:
    attempt.provider_session_id = session_id
    session.flush()


def attempt_by_public_id(session: Session, public_id: str) -> CheckoutAttempt | None:
    if not public_id or len(public_id) > 43:
        return None
    return session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.public_id == public_id))


def is_pending(attempt: CheckoutAttempt, now: datetime) -> bool:
    return attempt.state == "pending" and attempt.expires_at > now


def pending_claim_ids(session: Session, debtor_id: int, now: datetime) -> set[int]:
    """Claims of the debtor with a checkout started and not yet booked, failed or expired."""
    return set(
        session.scalars(
            select(CheckoutAttempt.claim_id).where(
                CheckoutAttempt.debtor_id == debtor_id,
                CheckoutAttempt.state == "pending",
                CheckoutAttempt.expires_at > now,
            )
        )
    )


@dataclass(frozen=True)
class InstallmentPayable:
    """What may be paid on an installment now, and the plan claim whose reference it uses."""

    amount: int
    claim: Claim
    plan: Plan


def installment_payable(session: Session, installment: PlanInstallment) -> InstallmentPayable:
    """The installment's open amount, capped by what the plan's claims still owe; the oldest
    open plan claim carries the payment reference. Raises NotPayable (paid, plan not active,
    nothing owed)."""
    plan = session.get(Plan, installment.plan_id)
    if plan is None or plan.state != PlanState.ACTIVE.value or installment.state == "paid":
        raise NotPayable(f"installment {installment.id} has nothing to pay")
    claims = [
        claim
        for claim in session.scalars(
            select(Claim)
            .join(PlanClaim, PlanClaim.claim_id == Claim.id)
            .where(PlanClaim.plan_id == plan.id)
            .order_by(Claim.due_date, Claim.id)
        )
        if claim.cancelled_on is None and claim.handed_over_on is None and claim.balance > 0
    ]
    amount = min(installment.amount - installment.paid_amount, sum(c.balance for c in claims))
    if amount <= 0 or not claims:
        raise NotPayable(f"installment {installment.id} has nothing to pay")
    return InstallmentPayable(amount=amount, claim=claims[0], plan=plan)


def installment_pending(session: Session, installment_id: int, now: datetime) -> bool:
    """A checkout for this installment was started and is not booked, failed or expired."""
    return (
        session.scalar(
            select(CheckoutAttempt.id)
            .where(
                CheckoutAttempt.installment_id == installment_id,
                CheckoutAttempt.state == "pending",
                CheckoutAttempt.expires_at > now,
            )
            .limit(1)
        )
        is not None
    )


def cancel_attempt(session: Session, attempt: CheckoutAttempt, *, now: datetime) -> None:
    """The payer cancelled and the provider confirmed the checkout is closed."""
    if attempt.state == "pending":
        attempt.state = "cancelled"
        attempt.finished_at = now
        session.flush()


# -- provider events ---------------------------------------------------------------------------


def record_event(
    session: Session, *, provider: str, event_id: str, event_type: str, payload: str, now: datetime
) -> tuple[ProviderEvent, bool]:
    """Store a verified event before acting on it. Returns (event, created); a replay (same
    provider and event id, also from a concurrent delivery) returns the stored one."""
    existing = _event(session, provider, event_id)
    if existing is not None:
        return existing, False
    event = ProviderEvent(
        provider=provider,
        event_id=event_id[:120],
        event_type=event_type[:80],
        payload=payload,
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        existing = _event(session, provider, event_id)
        if existing is None:
            raise
        return existing, False
    return event, True


def process_event(
    session: Session,
    rules: RulePack,
    provider: _Interpreter,
    event: ProviderEvent,
    *,
    now: datetime,
) -> EventResult:
    """Act on a stored event once. The row is locked first, so two deliveries of one event
    are processed one after the other and the second finds it done."""
    locked = session.scalar(
        select(ProviderEvent)
        .where(ProviderEvent.id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:  # pragma: no cover - the row was stored by the caller
        raise LookupError("provider event vanished")
    if locked.processed_at is not None:
        return EventResult("duplicate")
    try:
        payload = json.loads(locked.payload)
    except ValueError:
        payload = {}
    outcome = provider.interpret(locked.event_type, payload if isinstance(payload, dict) else {})
    result = _apply(session, rules, provider.name, outcome, now=now)
    locked.processed_at = now
    locked.outcome = result.outcome
    session.flush()
    log.info("provider event %s (%s): %s", locked.id, locked.event_type, result.outcome)
    return result


def unprocessed_events(session: Session, provider: str) -> list[ProviderEvent]:
    """Stored events not acted on yet (e.g. after a crash), oldest first."""
    return list(
        session.scalars(
            select(ProviderEvent)
            .where(ProviderEvent.provider == provider, ProviderEvent.processed_at.is_(None))
            .order_by(ProviderEvent.id)
        )
    )


def _event(session: Session, provider: str, event_id: str) -> ProviderEvent | None:
    return session.scalar(
        select(ProviderEvent).where(
            ProviderEvent.provider == provider, ProviderEvent.event_id == event_id[:120]
        )
    )


def _attempt_for_session(
    session: Session, provider: str, session_id: str | None
) -> CheckoutAttempt | None:
    if not session_id:
        return None
    return session.scalar(
        select(CheckoutAttempt)
        .where(
            CheckoutAttempt.provider == provider,
            CheckoutAttempt.provider_session_id == session_id,
        )
        .with_for_update()
    )


def _apply(
    session: Session, rules: RulePack, provider: str, outcome: Any, *, now: datetime
) -> EventResult:
    kind: str = outcome.kind
    if kind == "refunded":
        return _mark_refunded(session, provider, outcome, now=now)
    if kind not in ("paid", "failed", "expired", "cancelled"):
        return EventResult("ignored")
    attempt = _attempt_for_session(session, provider, outcome.session_id)
    if attempt is None:
        log.warning("%s event for an unknown checkout session", provider)
        return EventResult("unknown_session")
    if kind != "paid":
        if attempt.state == "pending":
            attempt.state = kind
            attempt.finished_at = now
        return EventResult(kind, attempt=attempt)
    amount = outcome.amount if isinstance(outcome.amount, int) else attempt.amount
    currency = (outcome.currency or attempt.currency).upper()
    if currency != attempt.currency or amount <= 0 or not outcome.payment_reference:
        log.warning("%s paid event for attempt %s does not match it", provider, attempt.id)
        return EventResult("mismatch", attempt=attempt)
    installment = (
        session.get(PlanInstallment, attempt.installment_id) if attempt.installment_id else None
    )
    booking = book_payment(
        session,
        rules,
        IncomingPayment(
            provider=provider,
            provider_reference=str(outcome.payment_reference)[:120],
            amount=amount,
            currency=currency,
            method=str(outcome.method)[:20],
            debtor_id=attempt.debtor_id,
            received_on=now.astimezone(ZoneInfo(rules.timezone)).date(),
            earmarked_claim_id=attempt.claim_id,
            plan_id=installment.plan_id if installment is not None else None,
        ),
        actor=Actor.system(),
    )
    attempt.state = "paid"
    attempt.payment_id = booking.payment.id
    attempt.finished_at = attempt.finished_at or now
    session.flush()
    return EventResult("booked" if booking.created else "duplicate", attempt, booking.payment)


def _mark_refunded(session: Session, provider: str, outcome: Any, *, now: datetime) -> EventResult:
    """A refund at the provider (charge.refunded): booked once per refund id by the refunds
    service (credit first, then "refund" ledger entries on the claims the payment paid);
    the payment is "refunded" once all of it went back. Refunds Saldo made itself are known
    by their id and change nothing."""
    from portal.services.refunds_provider import book_provider_refund

    reference = outcome.payment_reference
    payment = (
        session.scalar(
            select(Payment)
            .where(Payment.provider == provider, Payment.provider_reference == reference)
            .with_for_update()
        )
        if reference
        else None
    )
    if payment is None:
        log.warning("%s refund for an unknown payment", provider)
        return EventResult("unknown_payment")
    amount = getattr(outcome, "amount", None)
    new = book_provider_refund(
        session,
        payment,
        refunds=tuple(getattr(outcome, "refunds", ()) or ()),
        amount_refunded=amount if isinstance(amount, int) else None,
        charge_id=getattr(outcome, "charge_id", None),
        now=now,
    )
    if new:
        audit.record(
            session,
            Actor.system(),
            "payment.refunded_by_provider",
            object_type="payment",
            object_id=payment.id,
            debtor_id=payment.debtor_id,
            provider=provider,
            refunds=new,
        )
    return EventResult("refunded", payment=payment)
