"""The pay page, shared by a claim and a plan installment (portal/payments/views.py and
installments.py): the amount (whole or part), online payment, bank transfer and QR code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from flask import request
from flask import session as flask_session
from flask import url_for
from flask_babel import _
from werkzeug.wrappers import Response as BaseResponse

from portal.extensions import db
from portal.models import Claim
from portal.models import PlanInstallment
from portal.payments.pages import PayForm
from portal.payments.pages import _amount_message
from portal.payments.pages import _bank_transfer
from portal.payments.pages import _config
from portal.payments.pages import _methods
from portal.payments.pages import _now
from portal.payments.pages import _online_available
from portal.payments.pages import _qr_alt
from portal.payments.pages import _rules
from portal.payments.pages import _start_online
from portal.payments.qr import url_qr_data_uri
from portal.services import online_payments as svc
from portal.services.payment_links import PaymentLinkInvalid
from portal.services.payment_links import create_payment_link
from portal.services.payment_links import resolve_payment_link


@dataclass(frozen=True)
class PayTarget:
    """What one pay page is for: a claim, or an installment of a plan (paid over its claims)."""

    #: the claim whose reference, currency and description the payer sees
    claim: Claim
    #: what may be paid now (the claim's balance, or the installment's open amount)
    balance: int
    pending: bool
    heading: str
    action_url: str
    back_url: str
    back_label: str
    qr_url: str | None
    installment: PlanInstallment | None = None


_LINKS_KEY = "pay_links"
#: a link kept for reuse must stay valid at least this long after it is shown
_LINK_REUSE_MARGIN = timedelta(days=1)


def _link_qr(claim: Claim, amount: int, installment: PlanInstallment | None) -> str:
    """A QR code that opens a payment link (DKK: no EPC QR). The same page shown again reuses
    the link made for it (kept in the browser session: only the hash is stored), as long as it
    pays the same claim or installment and amount and stays valid for a while."""
    config, now = _config(), _now()
    key = f"{claim.id}:{installment.id if installment is not None else 0}:{amount}"
    kept: dict[str, str] = dict(flask_session.get(_LINKS_KEY) or {})
    token = kept.get(key)
    link = None
    if token:
        try:
            link = resolve_payment_link(db.session(), token, now=now + _LINK_REUSE_MARGIN)
        except PaymentLinkInvalid:
            link = None
    if link is None:
        issued = create_payment_link(
            db.session(),
            config,
            claim_id=claim.id,
            now=now,
            amount=amount if installment is not None else None,
            installment_id=installment.id if installment is not None else None,
            due_on=installment.due_date if installment is not None else None,
        )
        db.session.commit()
        token = issued.token
        kept = {k: v for k, v in kept.items() if not k.startswith(f"{claim.id}:")}
        kept[key] = token
        flask_session[_LINKS_KEY] = dict(list(kept.items())[-5:])
    return url_qr_data_uri(
        config.public_base_url.rstrip("/") + url_for("payments.payment_link", token=token)
    )


def pay_page(target: PayTarget) -> BaseResponse | tuple[str, int]:
    """The pay page: online (whole or part), by bank transfer, or with the QR code."""
    config, rules = _config(), _rules()
    claim, balance, pending = target.claim, target.balance, target.pending
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
            target_field = form.choice if exc.reason == "no_choice" else form.amount
            target_field.errors = [error]
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
                response = _start_online(
                    claim,
                    amount,
                    installment=target.installment,
                    maximum=balance if target.installment is not None else None,
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
    transfer = _bank_transfer(config, rules, claim, balance)
    link_qr = _link_qr(claim, balance, target.installment) if claim.currency != "EUR" else None
    return render_template(
        "payments/pay.html",
        claim=claim,
        target=target,
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
