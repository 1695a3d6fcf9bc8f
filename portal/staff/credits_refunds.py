"""Supervisor pages for refunds: approve or reject (four eyes: never your own request), send
an approved card refund through the payment provider, make the pain.001 bank file, download it
and mark it as sent (which books the refunds). Registered from portal/staff/credits.py."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.extensions import db
from portal.models import Debtor
from portal.models import Payment
from portal.models import Refund
from portal.models import RefundExport
from portal.payments.providers import ProviderUnavailable
from portal.payments.providers import provider_by_name
from portal.services import pain001
from portal.services import refunds as svc
from portal.staff.credits import APPROVE
from portal.staff.credits import ActionForm
from portal.staff.credits import DecisionForm
from portal.staff.credits import _config
from portal.staff.credits import _expired
from portal.staff.credits import _now
from portal.staff.credits import _refusal
from portal.staff.credits import _rules
from portal.staff.credits import _session
from portal.staff.views import bp


def _refunds_page(message: str | None = None, status: int = 200) -> tuple[str, int]:
    session = _session()
    waiting = svc.awaiting_approval(session)
    return render_template(
        "staff/refunds.html",
        waiting=waiting,
        debtors={r.debtor_id: session.get(Debtor, r.debtor_id) for r in waiting},
        ready=svc.approved_bank_refunds(session, _rules().currency),
        unpaid=svc.approved_provider_refunds(session),
        exports=pain001.exports(session),
        form=DecisionForm(formdata=None),
        action_form=ActionForm(formdata=None),
        message=message,
        me=current_staff().staff_user_id,
    ), status


@bp.get("/refunds")
@staff_required(APPROVE)
def refunds() -> tuple[str, int]:
    """Refunds waiting for a second person, approved bank refunds, and their files."""
    return _refunds_page()


@bp.post("/refunds/<int:refund_id>/approve")
@staff_required(APPROVE)
def refund_approve(refund_id: int) -> BaseResponse | tuple[str, int]:
    form = DecisionForm()
    if not form.validate_on_submit():
        return _refunds_page(_expired(), 400)
    staff_id = current_staff().staff_user_id
    try:
        refund = svc.approve_refund(
            _session(),
            refund_id,
            staff_user_id=staff_id,
            expected_state=form.expected_state.data or "",
            now=_now(),
        )
    except svc.RefundRefused as exc:
        return _decision_refused(exc)
    db.session.commit()
    if refund.method == "provider":
        return _execute_provider(refund, staff_id)
    flash(_("Refund approved. It goes in the next bank file."), "success")
    return redirect(url_for("staff.refunds"), code=303)


def _decision_refused(exc: svc.RefundRefused) -> tuple[str, int]:
    """Nothing changed: say why (a stale form is a conflict), or 404 for an unknown refund."""
    db.session.rollback()
    if exc.code == "not_found":
        abort(404)
    return _refunds_page(_refusal(exc.code), 409 if exc.code == "stale" else 400)


def _execute_provider(refund: Refund, staff_id: int) -> BaseResponse:
    """After the approval is committed: the provider's refund API, then the booking."""
    payment = _session().get(Payment, refund.payment_id)
    try:
        provider = provider_by_name(_config(), payment.provider if payment else "")
        svc.execute_provider_refund(
            _session(),
            refund.id,
            refunder=lambda ref, amount, key: provider.refund(ref, amount, idempotency_key=key),
            staff_user_id=staff_id,
            now=_now(),
        )
    except (ProviderUnavailable, LookupError, ValueError):
        db.session.rollback()
        flash(
            _(
                "The refund is approved, but the payment provider did not take it just now. "
                "Nothing was paid back yet. Try again with the button below."
            ),
            "error",
        )
        return redirect(url_for("staff.refunds"), code=303)
    db.session.commit()
    flash(_("Refund approved and paid back to the card or account used."), "success")
    return redirect(url_for("staff.refunds"), code=303)


@bp.post("/refunds/<int:refund_id>/retry")
@staff_required(APPROVE)
def refund_retry(refund_id: int) -> BaseResponse:
    """Send an approved card refund to the provider again (same idempotency key)."""
    form = ActionForm()
    refund = _session().get(Refund, refund_id) or abort(404)
    if not form.validate_on_submit() or refund.state != "approved" or refund.method != "provider":
        flash(_refusal("stale"), "error")
        return redirect(url_for("staff.refunds"), code=303)
    return _execute_provider(refund, current_staff().staff_user_id)


@bp.post("/refunds/<int:refund_id>/reject")
@staff_required(APPROVE)
def refund_reject(refund_id: int) -> BaseResponse | tuple[str, int]:
    form = DecisionForm()
    if not form.validate_on_submit():
        return _refunds_page(_expired(), 400)
    try:
        svc.reject_refund(
            _session(),
            refund_id,
            staff_user_id=current_staff().staff_user_id,
            reason=(form.reason.data or "")[:1000],
            expected_state=form.expected_state.data or "",
            now=_now(),
        )
    except svc.RefundRefused as exc:
        return _decision_refused(exc)
    db.session.commit()
    flash(_("Refund rejected. The credit is free again."), "success")
    return redirect(url_for("staff.refunds"), code=303)


@bp.post("/refunds/exports")
@staff_required(APPROVE)
def refund_export_create() -> BaseResponse | tuple[str, int]:
    """Put every approved bank refund in one pain.001 file."""
    if not ActionForm().validate_on_submit():
        return _refunds_page(_expired(), 400)
    now = _now()
    today = now.astimezone(ZoneInfo(_rules().timezone)).date()
    try:
        export = pain001.create_export(
            _session(),
            _config(),
            currency=_rules().currency,
            staff_user_id=current_staff().staff_user_id,
            now=now,
            execution_date=today + timedelta(days=1),
        )
    except pain001.ExportRefused as exc:
        db.session.rollback()
        return _refunds_page(_refusal(exc.code), 400)
    db.session.commit()
    flash(
        _("The bank file is ready. Download it, send it to the bank, then mark it as sent."),
        "success",
    )
    return redirect(url_for("staff.refunds", _anchor=f"export-{export.id}"), code=303)


@bp.get("/refunds/exports/<int:export_id>.xml")
@staff_required(APPROVE)
def refund_export_download(export_id: int) -> Response:
    export = _session().get(RefundExport, export_id) or abort(404)
    response = Response(export.xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.message_id}.xml"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/refunds/exports/<int:export_id>/sent")
@staff_required(APPROVE)
def refund_export_sent(export_id: int) -> BaseResponse | tuple[str, int]:
    """The file went to the bank: the refunds in it are booked (the credit goes down)."""
    if not ActionForm().validate_on_submit():
        return _refunds_page(_expired(), 400)
    try:
        pain001.mark_export_sent(
            _session(), export_id, staff_user_id=current_staff().staff_user_id, now=_now()
        )
    except pain001.ExportRefused as exc:
        db.session.rollback()
        if exc.code == "not_found":
            abort(404)
        return _refunds_page(_refusal(exc.code), 409)
    except svc.RefundRefused as exc:
        db.session.rollback()
        return _refunds_page(_refusal(exc.code), 409)
    db.session.commit()
    flash(_("The file is marked as sent and the refunds are booked."), "success")
    return redirect(url_for("staff.refunds"), code=303)
