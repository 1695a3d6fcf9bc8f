"""Payment links: a public pay page per claim or installment, no login."""

from __future__ import annotations

from flask import Response
from flask import abort
from flask import render_template
from flask import request
from flask_babel import _
from werkzeug.wrappers import Response as BaseResponse

from portal.extensions import db
from portal.models import Claim
from portal.models import PaymentLink
from portal.models import PlanInstallment
from portal.payments.blueprint import bp
from portal.payments.pages import LinkPayForm
from portal.payments.pages import _bank_transfer
from portal.payments.pages import _config
from portal.payments.pages import _epc_png
from portal.payments.pages import _methods
from portal.payments.pages import _now
from portal.payments.pages import _online_available
from portal.payments.pages import _pending
from portal.payments.pages import _qr_alt
from portal.payments.pages import _rules
from portal.payments.pages import _start_online
from portal.services import online_payments as svc
from portal.services.payment_links import PaymentLinkExpired
from portal.services.payment_links import PaymentLinkInvalid
from portal.services.payment_links import PaymentLinkRevoked
from portal.services.payment_links import resolve_payment_link

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


def _installment(link: PaymentLink) -> PlanInstallment | None:
    if link.installment_id is None:
        return None
    return db.session.get(PlanInstallment, link.installment_id)


def _link_payable(link: PaymentLink, claim: Claim) -> tuple[int, Claim]:
    """What the link pays now, and the claim whose reference the payer sees. An installment
    link pays the installment's open amount (over the plan's claims); raises NotPayable."""
    installment = _installment(link)
    if link.installment_id is not None:
        if installment is None:
            raise svc.NotPayable("no such installment")
        payable = svc.installment_payable(db.session(), installment)
        balance, claim = payable.amount, payable.claim
    else:
        balance = svc.payable_balance(claim)
    return (min(link.amount, balance) if link.amount else balance), claim


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
        amount, claim = _link_payable(link, claim)
    except svc.NotPayable:
        return render_template("payments/nothing_to_pay.html", claim=None), 200
    installment = _installment(link)
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
            response = _start_online(
                claim,
                amount,
                payment_link_id=link.id,
                installment=installment,
                maximum=amount if installment is not None else None,
            )
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
        pending=(
            svc.installment_pending(db.session(), installment.id, _now())
            if installment is not None
            else _pending(claim)
        ),
        epc=claim.currency == "EUR",
        qr_alt=_qr_alt(transfer),
    ), status


@bp.get("/p/<token>/qr.png")
def payment_link_qr(token: str) -> Response:
    link, claim = _resolve_link(token)
    if link is None or not isinstance(claim, Claim):
        abort(404)
    try:
        amount, claim = _link_payable(link, claim)
    except svc.NotPayable:
        abort(404)
    return _epc_png(claim, amount)
