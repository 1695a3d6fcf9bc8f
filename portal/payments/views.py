"""Pay pages: a claim's pay page, payment links, the sandbox checkout, return pages, the Stripe
webhook and receipts. Views stay thin: the work is in `portal.services.online_payments`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

import schwifty
from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField
from wtforms import StringField

from portal.auth.guards import citizen_required
from portal.auth.guards import current_citizen
from portal.config import Config
from portal.domain.epc import EpcError
from portal.domain.epc import EpcTransfer
from portal.domain.epc import remittance
from portal.domain.money import Money
from portal.domain.references import InvalidReference
from portal.domain.references import display
from portal.domain.references import fik_code_line
from portal.domain.rules.base import RulePack
from portal.extensions import csrf
from portal.extensions import db
from portal.i18n import money
from portal.models import CheckoutAttempt
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import Payment
from portal.models import PaymentLink
from portal.payments.providers import METHODS_BY_COUNTRY
from portal.payments.providers import CheckoutRequest
from portal.payments.providers import InvalidWebhook
from portal.payments.providers import NoOnlinePayment
from portal.payments.providers import ProviderUnavailable
from portal.payments.providers import current_provider
from portal.payments.providers import provider_by_name
from portal.payments.qr import epc_qr_png
from portal.payments.qr import url_qr_data_uri
from portal.payments.sandbox import ACTIONS
from portal.payments.sandbox import SandboxProvider
from portal.services import online_payments as svc
from portal.services.payment_links import PaymentLinkExpired
from portal.services.payment_links import PaymentLinkInvalid
from portal.services.payment_links import PaymentLinkRevoked
from portal.services.payment_links import create_payment_link
from portal.services.payment_links import resolve_payment_link

bp = Blueprint("payments", __name__)
log = logging.getLogger(__name__)

METHOD_NAMES = {
    "ideal": "iDEAL",
    "card": _l("Credit or debit card"),
    "bancontact": "Bancontact",
    "mobilepay": "MobilePay",
}


class PayForm(FlaskForm):
    #: "full" or "part"; rendered as two radio buttons by the template
    choice = StringField(_l("How much do you want to pay?"), default=svc.FULL)
    amount = StringField(_l("Amount you want to pay"))
    pay_again = BooleanField(_l("I know a payment is being checked and want to pay again"))


class LinkPayForm(FlaskForm):
    pass


class SandboxForm(FlaskForm):
    pass


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _now() -> datetime:
    return datetime.now(UTC)


def _amount_message(reason: str, *, balance: int, minimum: int, currency: str) -> str:
    messages = {
        "not_a_number": _("Enter the amount in numbers, for example 25.00."),
        "too_many_decimals": _(
            "Enter the amount with no more than two digits after the decimal point."
        ),
        "negative": _("Enter an amount above zero."),
        "zero": _("Enter an amount above zero."),
        "wrong_currency": _("Enter the amount in %(currency)s.", currency=currency),
        "too_large": _(
            "You can pay at most %(max)s, the amount due now.", max=money(balance, currency)
        ),
        "above_balance": _(
            "You can pay at most %(max)s, the amount due now.", max=money(balance, currency)
        ),
        "below_minimum": _(
            "The smallest amount you can pay online is %(min)s.", min=money(minimum, currency)
        ),
        "nothing_due": _("There is nothing to pay on this bill now."),
        "no_choice": _("Choose whether you pay the whole amount or a part of it."),
    }
    return messages.get(reason, messages["not_a_number"])


# -- what the pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class BankTransfer:
    payee_name: str
    iban: str
    bic: str
    amount: int
    currency: str
    reference: str
    fik_line: str | None


def _reference_display(rules: RulePack, claim: Claim) -> str:
    if not claim.reference:
        return ""
    try:
        return display(rules.reference_scheme, claim.reference)
    except InvalidReference:
        return claim.reference


def _bank_transfer(config: Config, rules: RulePack, claim: Claim, amount: int) -> BankTransfer:
    try:
        iban = schwifty.IBAN(config.payee_iban).formatted
    except ValueError:
        iban = config.payee_iban
    fik_line = None
    if rules.currency == "DKK" and claim.reference:
        try:
            fik_line = fik_code_line(claim.reference, config.fik_creditor_number)
        except InvalidReference:
            fik_line = None
    return BankTransfer(
        payee_name=config.payee_name,
        iban=iban,
        bic=config.payee_bic,
        amount=amount,
        currency=claim.currency,
        reference=_reference_display(rules, claim),
        fik_line=fik_line,
    )


def _epc_transfer(config: Config, rules: RulePack, claim: Claim, amount: int) -> EpcTransfer:
    if claim.currency != "EUR" or not claim.reference:
        raise EpcError("no EPC QR for this claim")
    rf, text = remittance(rules.reference_scheme, claim.reference, claim.description)
    return EpcTransfer(
        name=config.payee_name[:70],
        iban=schwifty.IBAN(config.payee_iban).compact,
        bic=config.payee_bic,
        amount=Money(amount, claim.currency),
        rf_reference=rf,
        text=text,
        info=claim.description[:70] if rf else "",
    )


def _qr_alt(transfer: BankTransfer) -> str:
    return _(
        "QR code for your banking app: pay %(amount)s to %(payee)s, reference %(reference)s.",
        amount=money(transfer.amount, transfer.currency),
        payee=transfer.payee_name,
        reference=transfer.reference,
    )


def _methods(rules: RulePack) -> list[str]:
    return [str(METHOD_NAMES[m]) for m in METHODS_BY_COUNTRY.get(rules.country, ("card",))]


def _online_available() -> bool:
    return bool(_config().effective_payment_provider)


def _citizen_claim(claim_id: int) -> Claim:
    """The logged-in citizen's claim within their scope; 404 otherwise (ids cannot be probed)."""
    citizen = current_citizen()
    claim = db.session.get(Claim, claim_id)
    if claim is None or claim.debtor_id != citizen.debtor_id or not citizen.may_see_claim(claim_id):
        abort(404)
    return claim


def _pending(claim: Claim) -> bool:
    return claim.id in svc.pending_claim_ids(db.session(), claim.debtor_id, _now())


def _start_online(
    claim: Claim, amount: int, *, payment_link_id: int | None = None
) -> BaseResponse | None:
    """Start a checkout and send the payer there; None when the provider failed (rolled back)."""
    config, rules = _config(), _rules()
    provider = current_provider(config)
    attempt = svc.start_attempt(
        db.session(),
        claim,
        provider=provider.name,
        amount=amount,
        now=_now(),
        payment_link_id=payment_link_id,
    )
    base = config.public_base_url.rstrip("/")
    return_path = url_for("payments.checkout_return", public_id=attempt.public_id)
    checkout = CheckoutRequest(
        attempt_id=attempt.id,
        attempt_public_id=attempt.public_id,
        claim_id=claim.id,
        amount=amount,
        currency=claim.currency,
        country=rules.country,
        description=f"{config.municipality_name}: {claim.description}"[:250],
        payment_reference=claim.reference or "",
        success_url=f"{base}{return_path}",
        cancel_url=f"{base}{return_path}?cancelled=1",
        expires_at=attempt.expires_at,
    )
    try:
        started = provider.start_checkout(checkout)
    except ProviderUnavailable:
        db.session.rollback()
        return None
    svc.attach_session(db.session(), attempt, started.session_id)
    db.session.commit()
    log.info("checkout %s started for claim %s", attempt.id, claim.id)
    return redirect(started.redirect_url, code=303)


# -- the citizen's pay page ----------------------------------------------------------------------


@bp.route("/claims/<int:claim_id>/pay", methods=["GET", "POST"])
@citizen_required
def pay_claim(claim_id: int) -> BaseResponse | tuple[str, int] | str:
    """Pay a claim: online (whole or part), by bank transfer, or with the QR code."""
    config, rules = _config(), _rules()
    claim = _citizen_claim(claim_id)
    try:
        balance = svc.payable_balance(claim)
    except svc.NotPayable:
        return render_template("payments/nothing_to_pay.html", claim=claim), 200
    pending = _pending(claim)
    form = PayForm()
    message = None
    status = 200
    if form.validate_on_submit():
        try:
            amount = svc.choose_amount(
                form.choice.data or "",
                form.amount.data or "",
                balance=balance,
                currency=claim.currency,
                minimum=rules.minimum_online_amount,
            )
        except svc.AmountRejected as exc:
            error = _amount_message(
                exc.reason,
                balance=balance,
                minimum=rules.minimum_online_amount,
                currency=claim.currency,
            )
            target = form.choice if exc.reason == "no_choice" else form.amount
            target.errors = [error]
            status = 400
        else:
            if pending and not form.pay_again.data:
                form.pay_again.errors = [
                    _(
                        "We are still checking a payment for this bill. Tick the box if you "
                        "really want to pay again."
                    )
                ]
                status = 400
            elif not _online_available():
                message = _(
                    "Paying online is not possible at the moment. Please pay by bank transfer."
                )
                status = 503
            else:
                response = _start_online(claim, amount)
                if response is not None:
                    return response
                message = _(
                    "Paying online did not work just now. Nothing was paid. Please try "
                    "again later or pay by bank transfer."
                )
                status = 503
    elif request.method == "POST":
        status = 400
    transfer = _bank_transfer(config, rules, claim, balance)
    link_qr = None
    if claim.currency != "EUR":
        issued = create_payment_link(db.session(), config, claim_id=claim.id, now=_now())
        db.session.commit()
        link_qr = url_qr_data_uri(
            config.public_base_url.rstrip("/")
            + url_for("payments.payment_link", token=issued.token)
        )
    return render_template(
        "payments/pay.html",
        claim=claim,
        form=form,
        message=message,
        balance=balance,
        minimum=rules.minimum_online_amount,
        pending=pending,
        transfer=transfer,
        methods=_methods(rules),
        online=_online_available(),
        epc=claim.currency == "EUR",
        qr_alt=_qr_alt(transfer),
        link_qr=link_qr,
        reference_display=transfer.reference,
    ), status


@bp.get("/claims/<int:claim_id>/pay/qr.png")
@citizen_required
def claim_qr(claim_id: int) -> Response:
    """The EPC QR code (EUR) for the amount due now."""
    claim = _citizen_claim(claim_id)
    return _epc_png(claim)


def _epc_png(claim: Claim, amount: int | None = None) -> Response:
    try:
        balance = svc.payable_balance(claim)
        transfer = _epc_transfer(_config(), _rules(), claim, amount or balance)
        png = epc_qr_png(transfer)
    except (svc.NotPayable, EpcError, ValueError):
        abort(404)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- payment links (public) ----------------------------------------------------------------------


def _resolve_link(token: str) -> tuple[PaymentLink, Claim] | tuple[None, str]:
    try:
        link = resolve_payment_link(db.session(), token, now=_now())
    except PaymentLinkExpired:
        return None, "expired"
    except PaymentLinkRevoked:
        return None, "revoked"
    except PaymentLinkInvalid:
        return None, "unknown"
    claim = db.session.get(Claim, link.claim_id)
    if claim is None:
        return None, "unknown"
    return link, claim


def _link_amount(link: PaymentLink, claim: Claim) -> int:
    balance = svc.payable_balance(claim)
    return min(link.amount, balance) if link.amount else balance


@bp.route("/p/<token>", methods=["GET", "POST"])
def payment_link(token: str) -> BaseResponse | tuple[str, int]:
    """Pay from a link on a letter, without logging in. Shows only what is needed to pay."""
    config, rules = _config(), _rules()
    link, claim_or_reason = _resolve_link(token)
    if link is None:
        reason = str(claim_or_reason)
        return render_template("payments/link_invalid.html", reason=reason), (
            404 if reason == "unknown" else 410
        )
    assert isinstance(claim_or_reason, Claim)
    claim = claim_or_reason
    try:
        amount = _link_amount(link, claim)
    except svc.NotPayable:
        return render_template("payments/nothing_to_pay.html", claim=None), 200
    form = LinkPayForm()
    message = None
    status = 200
    if form.validate_on_submit():
        if amount < rules.minimum_online_amount or not _online_available():
            message = _(
                "Paying online is not possible for this amount. Please pay by bank transfer."
            )
            status = 400
        else:
            response = _start_online(claim, amount, payment_link_id=link.id)
            if response is not None:
                return response
            message = _(
                "Paying online did not work just now. Nothing was paid. Please try "
                "again later or pay by bank transfer."
            )
            status = 503
    elif request.method == "POST":
        status = 400
    transfer = _bank_transfer(config, rules, claim, amount)
    return render_template(
        "payments/link.html",
        token=token,
        claim=claim,
        amount=amount,
        form=form,
        message=message,
        transfer=transfer,
        methods=_methods(rules),
        online=_online_available() and amount >= rules.minimum_online_amount,
        pending=_pending(claim),
        epc=claim.currency == "EUR",
        qr_alt=_qr_alt(transfer),
    ), status


@bp.get("/p/<token>/qr.png")
def payment_link_qr(token: str) -> Response:
    link, claim = _resolve_link(token)
    if link is None or not isinstance(claim, Claim):
        abort(404)
    try:
        amount = _link_amount(link, claim)
    except svc.NotPayable:
        abort(404)
    return _epc_png(claim, amount)


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
        claim_url=(url_for("citizen.claim", claim_id=attempt.claim_id) if citizen_owns else None),
    )


def current_citizen_or_none() -> object | None:
    from flask_login import current_user

    return current_user if getattr(current_user, "is_citizen", False) else None


# -- the Stripe webhook --------------------------------------------------------------------------


def _record_and_process(provider_name: str, event_id: str, event_type: str, payload: str) -> str:
    """Store the event and commit, then process it and commit: a crash in between leaves a
    stored, unprocessed event that `flask payments reprocess` picks up."""
    now = _now()
    event, _created = svc.record_event(
        db.session(),
        provider=provider_name,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        now=now,
    )
    db.session.commit()
    if event.processed_at is not None:
        return "duplicate"
    provider = provider_by_name(_config(), provider_name)
    result = svc.process_event(db.session(), _rules(), provider, event, now=now)
    db.session.commit()
    return result.outcome


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


# -- receipts ------------------------------------------------------------------------------------


@bp.get("/payments/<int:payment_id>/receipt")
@citizen_required
def receipt(payment_id: int) -> str:
    """A printable receipt for the citizen who paid; 404 for anyone else."""
    citizen = current_citizen()
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.debtor_id != citizen.debtor_id:
        abort(404)
    if payment.earmarked_claim_id is not None and not citizen.may_see_claim(
        payment.earmarked_claim_id
    ):
        abort(404)
    entries = db.session.execute(
        select(LedgerEntry, Claim)
        .join(Claim, Claim.id == LedgerEntry.claim_id)
        .where(LedgerEntry.payment_id == payment.id)
        .order_by(LedgerEntry.id)
    ).all()
    rules = _rules()
    lines = [
        (claim.description, _reference_display(rules, claim), entry.component, -entry.amount)
        for entry, claim in entries
        if citizen.may_see_claim(claim.id)
    ]
    allocated = sum(line[3] for line in lines)
    return render_template(
        "payments/receipt.html",
        payment=payment,
        lines=lines,
        credit=max(payment.amount - allocated, 0) if citizen.claim_scope is None else 0,
        saldo=_config(),
    )
