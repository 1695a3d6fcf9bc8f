"""Paying one installment of the citizen's own plan: the same pay page as for a claim.

The payer sees the reference of the plan's oldest open claim (see `installment_payable`); the
booking goes over the plan's claims (`IncomingPayment.plan_id`), installments oldest first.
"""

from __future__ import annotations

from flask import Response
from flask import abort
from flask import render_template
from flask import url_for
from flask_babel import _
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.guards import citizen_required
from portal.auth.guards import current_citizen
from portal.extensions import db
from portal.models import Plan
from portal.models import PlanInstallment
from portal.payments.blueprint import bp
from portal.payments.pages import _epc_png
from portal.payments.pages import _now
from portal.payments.pay_page import PayTarget
from portal.payments.pay_page import pay_page
from portal.services import online_payments as svc


def _citizen_installment(installment_id: int) -> PlanInstallment:
    """An installment of the logged-in citizen's own plan, all of whose claims they may see;
    404 otherwise (ids cannot be probed)."""
    citizen = current_citizen()
    installment = db.session.get(PlanInstallment, installment_id)
    plan = db.session.get(Plan, installment.plan_id) if installment is not None else None
    if installment is None or plan is None or plan.debtor_id != citizen.debtor_id:
        abort(404)
    if not all(citizen.may_see_claim(row.claim_id) for row in plan.claims):
        abort(404)
    return installment


@bp.route("/plan/installments/<int:installment_id>/pay", methods=["GET", "POST"])
@citizen_required
def pay_installment(installment_id: int) -> BaseResponse | tuple[str, int]:
    """Pay an installment (whole or a part from the minimum): online, by bank transfer or QR."""
    installment = _citizen_installment(installment_id)
    try:
        payable = svc.installment_payable(db.session(), installment)
    except svc.NotPayable:
        return render_template("payments/nothing_to_pay.html", claim=None), 200
    return pay_page(
        PayTarget(
            claim=payable.claim,
            balance=payable.amount,
            pending=svc.installment_pending(db.session(), installment.id, _now()),
            heading=_("Pay an installment"),
            action_url=url_for("payments.pay_installment", installment_id=installment.id),
            back_url=url_for("citizen.plan_start"),
            back_label=_("Back to your payment plan"),
            qr_url=(
                url_for("payments.installment_qr", installment_id=installment.id)
                if payable.claim.currency == "EUR"
                else None
            ),
            installment=installment,
        )
    )


@bp.get("/plan/installments/<int:installment_id>/pay/qr.png")
@citizen_required
def installment_qr(installment_id: int) -> Response:
    """The EPC QR code (EUR) for the installment's open amount."""
    installment = _citizen_installment(installment_id)
    try:
        payable = svc.installment_payable(db.session(), installment)
    except svc.NotPayable:
        abort(404)
    return _epc_png(payable.claim, payable.amount)
