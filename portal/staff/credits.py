"""Staff pages for debtors' credit: apply it to an open bill, or request a refund; and, for
supervisors, the refunds to approve (four eyes) and their pain.001 files. Registered on the
`staff` blueprint (imported at the bottom of views.py)."""

from __future__ import annotations

import secrets
from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.config import Config
from portal.domain.money import InvalidAmount
from portal.domain.money import Money
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import money
from portal.models import Claim
from portal.models import Debtor
from portal.services import refunds as svc
from portal.services import work
from portal.services.audit import Actor
from portal.services.credit import CreditRefused
from portal.services.credit import apply_credit_to_claim
from portal.services.credit import credit_balance
from portal.staff.queue import WORK_ITEM_LINKS
from portal.staff.queue import _endpoint_url
from portal.staff.views import bp

PERMISSION = "work.decide"
APPROVE = "refund.approve"

#: why a refund or a credit application was refused, in the caseworker's words
REFUSALS = {
    "invalid_amount": _l("Enter an amount above zero, for example 25.00."),
    "exceeds_credit": _l("This is more than the credit that is free. Nothing was changed."),
    "insufficient_credit": _l("This is more than the credit that is free. Nothing was changed."),
    "exceeds_claim_balance": _l("This is more than the bill still owes. Nothing was changed."),
    "not_own_claim": _l("Choose one of this person's open bills."),
    "claim_closed": _l("This bill is not collected by us any more."),
    "invalid_iban": _l("Enter a valid IBAN, for example NL91 ABNA 0417 1643 00."),
    "missing_holder": _l("Enter the name of the account holder."),
    "no_such_payment": _l("Choose one of this person's online payments."),
    "exceeds_payment": _l("This is more than can go back to this payment."),
    "invalid_method": _l("Choose how the money goes back."),
    "same_person": _l(
        "You asked for this refund yourself. Another person must approve or reject it."
    ),
    "stale": _l("Someone else decided this refund already. Nothing was changed."),
    "not_found": _l("This refund does not exist."),
    "reason_missing": _l("Write why you reject the refund."),
    "nothing_to_export": _l("There are no approved bank refunds to put in a file."),
    "already_sent": _l("This file was marked as sent already. Nothing was changed."),
    "no_payer_account": _l("The municipality's own IBAN is not set up. Ask an administrator."),
}
STATE_NAMES = {
    "requested": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "exported": _l("In a bank file"),
    "executed": _l("Paid back"),
    "rejected": _l("Rejected"),
}

WORK_ITEM_LINKS[work.REFUND_REVIEW] = lambda item: _endpoint_url("staff.refunds")


class ApplyForm(FlaskForm):
    claim_id = SelectField(_l("Bill"), coerce=int, validate_choice=False)
    amount = StringField(_l("Amount to apply"))


class RefundForm(FlaskForm):
    refund_amount = StringField(_l("Amount to pay back"))
    method = RadioField(_l("How the money goes back"), validate_choice=False)
    iban = StringField(_l("IBAN of the account"))
    account_holder = StringField(_l("Name of the account holder"))
    note = TextAreaField(_l("Why (for the person who approves)"))
    submission_key = HiddenField()


class DecisionForm(FlaskForm):
    expected_state = HiddenField()
    reason = TextAreaField(_l("Reason for rejecting"))


class ActionForm(FlaskForm):
    """Only the CSRF token."""


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _now() -> datetime:
    return datetime.now(UTC)


def _refusal(code: str) -> str:
    return str(REFUSALS.get(code, REFUSALS["invalid_amount"]))


def _parse(text: str | None, currency: str) -> int | None:
    try:
        return Money.parse(text or "", currency).amount
    except InvalidAmount:
        return None


# -- debtors with credit -------------------------------------------------------------------------


@bp.get("/credits")
@staff_required(PERMISSION)
def credits() -> str:
    """Debtors with a credit balance, largest first."""
    return render_template(
        "staff/credits.html",
        rows=svc.debtors_with_credit(_session(), _rules().currency),
        awaiting=len(svc.awaiting_approval(_session())),
    )


def _open_claims(debtor_id: int) -> list[Claim]:
    return list(
        _session().scalars(
            select(Claim)
            .where(
                Claim.debtor_id == debtor_id,
                Claim.cancelled_on.is_(None),
                (Claim.principal_due + Claim.fee_due + Claim.interest_due) > 0,
            )
            .order_by(Claim.due_date, Claim.id)
        )
    )


def _debtor_page(
    debtor: Debtor,
    *,
    apply_form: ApplyForm | None = None,
    refund_form: RefundForm | None = None,
    message: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    currency = _rules().currency
    claims = _open_claims(debtor.id)
    payments = svc.refundable_payments(_session(), debtor.id, currency)
    apply_form = apply_form or ApplyForm(formdata=None)
    apply_form.claim_id.choices = [(c.id, f"{c.description} · {c.reference or ''}") for c in claims]
    refund_form = refund_form or RefundForm(formdata=None)
    refund_form.method.choices = [("bank", str(_l("Bank transfer to an IBAN")))] + [
        (f"payment:{row.payment.id}", f"{row.payment.method} {row.payment.received_on}")
        for row in payments
    ]
    if not refund_form.method.data:
        refund_form.method.data = "bank"
    refund_form.submission_key.data = secrets.token_urlsafe(24)
    return render_template(
        "staff/credit_debtor.html",
        debtor=debtor,
        currency=currency,
        balance=credit_balance(_session(), debtor.id, currency),
        available=svc.available_credit(_session(), debtor.id, currency),
        claims=claims,
        payments=payments,
        refunds=svc.refunds_for_debtor(_session(), debtor.id),
        apply_form=apply_form,
        refund_form=refund_form,
        message=message,
        state_names=STATE_NAMES,
    ), status


def _debtor(debtor_id: int) -> Debtor:
    return _session().get(Debtor, debtor_id) or abort(404)


@bp.get("/credits/<int:debtor_id>")
@staff_required(PERMISSION)
def credit_debtor(debtor_id: int) -> tuple[str, int]:
    """One debtor's credit: apply it to a bill, or ask for a refund."""
    return _debtor_page(_debtor(debtor_id))


@bp.post("/credits/<int:debtor_id>/apply")
@staff_required(PERMISSION)
def credit_apply(debtor_id: int) -> BaseResponse | tuple[str, int]:
    debtor = _debtor(debtor_id)
    form = ApplyForm()
    if not form.validate_on_submit():
        return _debtor_page(debtor, apply_form=form, message=_expired(), status=400)
    amount = _parse(form.amount.data, _rules().currency)
    if amount is None:
        form.amount.errors = [_refusal("invalid_amount")]
        return _debtor_page(debtor, apply_form=form, status=400)
    today = _now().astimezone(ZoneInfo(_rules().timezone)).date()
    try:
        apply_credit_to_claim(
            _session(),
            _rules(),
            debtor_id=debtor.id,
            claim_id=form.claim_id.data or 0,
            amount=amount,
            actor=Actor.staff(current_staff().staff_user_id),
            on=today,
        )
    except CreditRefused as exc:
        db.session.rollback()
        field = form.claim_id if exc.code in ("not_own_claim", "claim_closed") else form.amount
        field.errors = [_refusal(exc.code)]
        return _debtor_page(debtor, apply_form=form, status=400)
    db.session.commit()
    flash(_("The credit was applied to the bill."), "success")
    return redirect(url_for("staff.credit_debtor", debtor_id=debtor.id), code=303)


def _expired() -> str:
    return _(
        "This form had expired or was sent twice. Nothing was changed. "
        "Please open the page again and try once more."
    )


@bp.post("/credits/<int:debtor_id>/refund")
@staff_required(PERMISSION)
def refund_request(debtor_id: int) -> BaseResponse | tuple[str, int]:
    """Ask for a refund of (part of) the credit; another person approves it."""
    debtor = _debtor(debtor_id)
    form = RefundForm()
    if not form.validate_on_submit():
        return _debtor_page(debtor, refund_form=form, message=_expired(), status=400)
    currency = _rules().currency
    amount = _parse(form.refund_amount.data, currency)
    if amount is None:
        form.refund_amount.errors = [_refusal("invalid_amount")]
        return _debtor_page(debtor, refund_form=form, status=400)
    method_value = form.method.data or ""
    payment_id = None
    if method_value.startswith("payment:") and method_value[8:].isdigit():
        method, payment_id = "provider", int(method_value[8:])
    else:
        method = "bank" if method_value == "bank" else ""
    try:
        refund = svc.request_refund(
            _session(),
            debtor_id=debtor.id,
            amount=amount,
            currency=currency,
            method=method,
            staff_user_id=current_staff().staff_user_id,
            submission_key=(form.submission_key.data or "")[:64],
            now=_now(),
            iban=form.iban.data,
            account_holder=form.account_holder.data,
            payment_id=payment_id,
            note=(form.note.data or "")[:1000],
        )
    except svc.RefundRefused as exc:
        db.session.rollback()
        field = {
            "invalid_iban": form.iban,
            "missing_holder": form.account_holder,
            "no_such_payment": form.method,
            "invalid_method": form.method,
        }.get(exc.code, form.refund_amount)
        field.errors = [_refusal(exc.code)]
        return _debtor_page(debtor, refund_form=form, status=400)
    db.session.commit()
    flash(
        _(
            "Refund of %(amount)s asked. Another person must approve it before it is paid.",
            amount=money(refund.amount, refund.currency),
        ),
        "success",
    )
    return redirect(url_for("staff.credit_debtor", debtor_id=debtor.id), code=303)


# The supervisors' refund pages register on the same blueprint.
from portal.staff import credits_refunds  # noqa: E402, F401
