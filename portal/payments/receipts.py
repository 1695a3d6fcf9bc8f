"""Receipts: a printable page for the payer only."""

from __future__ import annotations

from flask import abort
from flask import render_template
from sqlalchemy import select

from portal.auth.guards import citizen_required
from portal.auth.guards import current_citizen
from portal.extensions import db
from portal.models import Claim
from portal.models import LedgerEntry
from portal.models import Payment
from portal.payments.blueprint import bp
from portal.payments.pages import _config
from portal.payments.pages import _reference_display
from portal.payments.pages import _rules

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
