"""The sandbox checkout and the return page that tells the truth about a payment."""

from __future__ import annotations

from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response as BaseResponse

from portal.extensions import db
from portal.models import CheckoutAttempt
from portal.models import Claim
from portal.payments.blueprint import bp
from portal.payments.pages import SandboxForm
from portal.payments.pages import _config
from portal.payments.pages import _now
from portal.payments.pages import _record_and_process
from portal.payments.providers import provider_by_name
from portal.payments.sandbox import ACTIONS
from portal.payments.sandbox import SandboxProvider
from portal.services import online_payments as svc

# -- the sandbox checkout and the return page ----------------------------------------------------


def _attempt(public_id: str) -> CheckoutAttempt:
    attempt = svc.attempt_by_public_id(db.session(), public_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.route("/payments/sandbox/<public_id>", methods=["GET", "POST"])
def sandbox_checkout(public_id: str) -> BaseResponse | str:
    """Demo mode's stand-in for a provider's checkout page: pay, fail or cancel."""
    config = _config()
    if not config.demo:
        abort(404)
    attempt = _attempt(public_id)
    if attempt.provider != "sandbox":
        abort(404)
    form = SandboxForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        if action not in ACTIONS:
            abort(400)
        provider = SandboxProvider(config)
        received = provider.button_event(
            public_id=attempt.public_id,
            session_id=attempt.provider_session_id or "",
            action=action,
            amount=attempt.amount,
            currency=attempt.currency,
        )
        _record_and_process(provider.name, received.event_id, received.event_type, received.payload)
        return redirect(url_for("payments.checkout_return", public_id=public_id), code=303)
    claim = db.session.get(Claim, attempt.claim_id)
    return render_template(
        "payments/sandbox.html",
        attempt=attempt,
        form=form,
        description=claim.description if claim else "",
        finished=attempt.state != "pending",
    )


@bp.get("/payments/return/<public_id>")
def checkout_return(public_id: str) -> str:
    """Where the payer lands after the checkout. It tells the truth: booked only once the
    provider's event has been booked; until then "we are checking your payment"."""
    attempt = _attempt(public_id)
    now = _now()
    if request.args.get("cancelled") and attempt.state == "pending" and attempt.provider_session_id:
        provider = provider_by_name(_config(), attempt.provider)
        if provider.handle_return(attempt.provider_session_id, cancelled=True):
            svc.cancel_attempt(db.session(), attempt, now=now)
            db.session.commit()
    state = attempt.state
    if state == "pending" and attempt.expires_at <= now:
        state = "expired"
    citizen_owns = getattr(current_citizen_or_none(), "debtor_id", None) == attempt.debtor_id
    return render_template(
        "payments/result.html",
        attempt=attempt,
        state=state,
        receipt_url=(
            url_for("payments.receipt", payment_id=attempt.payment_id)
            if attempt.payment_id and citizen_owns
            else None
        ),
        claim_url=(
            (
                url_for("citizen.plan_start")
                if attempt.installment_id is not None
                else url_for("citizen.claim", claim_id=attempt.claim_id)
            )
            if citizen_owns
            else None
        ),
    )


def current_citizen_or_none() -> object | None:
    from portal.auth.guards import current_citizen_or_none as citizen_or_desk

    return citizen_or_desk()  # in desk mode: the assisted citizen
