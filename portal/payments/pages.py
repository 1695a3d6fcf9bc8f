"""What the pay pages share: forms, the bank-transfer block, amount messages, helpers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

import schwifty
from flask import Response
from flask import abort
from flask import current_app
from flask import redirect
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField
from wtforms import StringField

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
from portal.extensions import db
from portal.i18n import money
from portal.models import Claim
from portal.models import PlanInstallment
from portal.payments.providers import METHODS_BY_COUNTRY
from portal.payments.providers import CheckoutRequest
from portal.payments.providers import ProviderUnavailable
from portal.payments.providers import current_provider
from portal.payments.providers import provider_by_name
from portal.payments.qr import epc_qr_png
from portal.services import online_payments as svc

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
    claim: Claim,
    amount: int,
    *,
    payment_link_id: int | None = None,
    installment: PlanInstallment | None = None,
    maximum: int | None = None,
) -> BaseResponse | None:
    """Start a checkout and send the payer there; None when the provider failed (rolled back).

    For an installment, `claim` is the plan claim whose reference the payer sees, `maximum`
    what the installment may take, and the booking goes over the plan's claims."""
    config, rules = _config(), _rules()
    provider = current_provider(config)
    attempt = svc.start_attempt(
        db.session(),
        claim,
        provider=provider.name,
        amount=amount,
        now=_now(),
        payment_link_id=payment_link_id,
        installment_id=installment.id if installment is not None else None,
        maximum=maximum,
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
        plan_id=installment.plan_id if installment is not None else None,
        installment_id=installment.id if installment is not None else None,
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


def _epc_png(claim: Claim, amount: int | None = None) -> Response:
    try:
        transfer = _epc_transfer(_config(), _rules(), claim, amount or svc.payable_balance(claim))
        png = epc_qr_png(transfer)
    except (svc.NotPayable, EpcError, ValueError):
        abort(404)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response
