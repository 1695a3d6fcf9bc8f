"""The citizen's pay page and its QR code. The other payment pages register on the same
blueprint from their own modules, imported at the bottom."""

from __future__ import annotations

from flask import Response
from flask import render_template
from flask import url_for
from flask_babel import _
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.guards import citizen_required
from portal.payments.blueprint import bp
from portal.payments.pages import _citizen_claim
from portal.payments.pages import _epc_png
from portal.payments.pages import _pending
from portal.payments.pay_page import PayTarget
from portal.payments.pay_page import pay_page
from portal.services import online_payments as svc

# -- the citizen's pay page ----------------------------------------------------------------------


@bp.route("/claims/<int:claim_id>/pay", methods=["GET", "POST"])
@citizen_required
def pay_claim(claim_id: int) -> BaseResponse | tuple[str, int] | str:
    """Pay a claim: online (whole or part), by bank transfer, or with the QR code."""
    claim = _citizen_claim(claim_id)
    try:
        balance = svc.payable_balance(claim)
    except svc.NotPayable:
        return render_template("payments/nothing_to_pay.html", claim=claim), 200
    return pay_page(
        PayTarget(
            claim=claim,
            balance=balance,
            pending=_pending(claim),
            heading=_("Pay your bill"),
            action_url=url_for("payments.pay_claim", claim_id=claim.id),
            back_url=url_for("citizen.claim", claim_id=claim.id),
            back_label=_("Back to the bill"),
            qr_url=(
                url_for("payments.claim_qr", claim_id=claim.id) if claim.currency == "EUR" else None
            ),
        )
    )


@bp.get("/claims/<int:claim_id>/pay/qr.png")
@citizen_required
def claim_qr(claim_id: int) -> Response:
    """The EPC QR code (EUR) for the amount due now."""
    claim = _citizen_claim(claim_id)
    return _epc_png(claim)


# The other pages of this blueprint register their routes on import.
from portal.payments import checkout  # noqa: E402, F401
from portal.payments import installments  # noqa: E402, F401
from portal.payments import links  # noqa: E402, F401
from portal.payments import receipts  # noqa: E402, F401
from portal.payments import webhooks  # noqa: E402, F401
