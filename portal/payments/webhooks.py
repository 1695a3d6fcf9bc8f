"""The Stripe webhook (signed, stored first, booked once) and reprocessing stored events."""

from __future__ import annotations

from flask import Response
from flask import jsonify
from flask import request

from portal.extensions import csrf
from portal.extensions import db
from portal.payments.blueprint import bp
from portal.payments.pages import _config
from portal.payments.pages import _now
from portal.payments.pages import _record_and_process
from portal.payments.pages import _rules
from portal.payments.pages import log
from portal.payments.providers import InvalidWebhook
from portal.payments.providers import NoOnlinePayment
from portal.payments.providers import provider_by_name
from portal.services import online_payments as svc

# -- the Stripe webhook --------------------------------------------------------------------------


@bp.post("/payments/stripe/webhook")
@csrf.exempt
def stripe_webhook() -> tuple[Response, int]:
    """Stripe's events. Bad signature: 400, nothing stored. Replays: 200, nothing changes."""
    provider = provider_by_name(_config(), "stripe")
    try:
        received = provider.verify_webhook(
            request.get_data(cache=False),
            {"Stripe-Signature": request.headers.get("Stripe-Signature", "")},
        )
    except InvalidWebhook:
        log.warning("stripe webhook with an invalid signature or body refused")
        return jsonify(error="invalid signature"), 400
    outcome = _record_and_process(
        "stripe", received.event_id, received.event_type, received.payload
    )
    return jsonify(received=True, outcome=outcome), 200


@bp.cli.command("reprocess")
def reprocess_command() -> None:
    """Process stored provider events that were received but not acted on (after a crash)."""
    import click

    count = 0
    for name in ("stripe", "sandbox"):
        try:
            provider = provider_by_name(_config(), name)
        except (NoOnlinePayment, ValueError):
            continue
        for event in svc.unprocessed_events(db.session(), name):
            svc.process_event(db.session(), _rules(), provider, event, now=_now())
            db.session.commit()
            count += 1
    click.echo(f"processed {count} stored event(s)")
