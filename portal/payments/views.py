"""The citizen's pay page and its QR code. The other payment pages register on the same
blueprint from their own modules, imported at the bottom."""

from __future__ import annotations

from flask import Response
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.guards import citizen_required
from portal.extensions import db
from portal.payments.blueprint import bp
from portal.payments.pages import PayForm
from portal.payments.pages import _amount_message
from portal.payments.pages import _bank_transfer
from portal.payments.pages import _citizen_claim
from portal.payments.pages import _config
from portal.payments.pages import _epc_png
from portal.payments.pages import _methods
from portal.payments.pages import _now
from portal.payments.pages import _online_available
from portal.payments.pages import _pending
from portal.payments.pages import _qr_alt
from portal.payments.pages import _rules
from portal.payments.pages import _start_online
from portal.payments.qr import url_qr_data_uri
from portal.services import online_payments as svc
from portal.services.payment_links import create_payment_link

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


# The other pages of this blueprint register their routes on import.
from portal.payments import checkout  # noqa: E402, F401
from portal.payments import links  # noqa: E402, F401
from portal.payments import receipts  # noqa: E402, F401
from portal.payments import webhooks  # noqa: E402, F401
