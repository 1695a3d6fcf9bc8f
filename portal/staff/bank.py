"""Staff pages for bank statements: upload a camt file, the unmatched payments queue, and
search-and-assign. Registered on the `staff` blueprint (imported at the bottom of views.py)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import InputRequired

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.auth.roles import role_has_permission
from portal.config import Config
from portal.domain.camt import CamtError
from portal.domain.rules.base import RulePack
from portal.extensions import csrf
from portal.extensions import db
from portal.models import BankEntry
from portal.payments.camt_parser import MAX_FILE_BYTES
from portal.services import bank_statements as svc
from portal.services import unmatched_payments as queue
from portal.services.audit import Actor
from portal.staff.views import bp

PERMISSION = "work.decide"

#: why an entry is in the queue, for the caseworker
REASONS = {
    "no_reference": _l("No payment reference"),
    "unknown_reference": _l("The reference is not one of our bills"),
    "ambiguous": _l("The references belong to different people"),
    "no_details": _l("The bank sent no details for this entry"),
    "reversal_unknown": _l("A returned payment we could not link to a booking"),
    "reversal_credit_used": _l(
        "A returned payment whose credit was already used or refunded: nothing was booked"
    ),
    "processing_error": _l("Could not be processed automatically"),
}
CAMT_ERRORS = {
    "too_large": _l("The file is too large. A statement file can be at most 20 MB."),
    "not_xml": _l("The file is not complete. Please download the statement again."),
    "forbidden_xml": _l("The file contains parts we refuse for safety. Nothing was imported."),
    "not_camt": _l("This is not a camt.053 or camt.054 bank statement."),
    "unknown_version": _l("This statement version is not supported (.001.02 to .001.08)."),
    "invalid_content": _l("The statement has a field we cannot read. Nothing was imported."),
}
REJECTED = {
    "debit": _l("outgoing payments (not booked here)"),
    "currency": _l("another currency"),
    "processing_error": _l("could not be processed"),
}
ASSIGN_ERRORS = {
    "not_unmatched": _l("This payment was already handled."),
    "not_a_credit": _l("Only incoming payments can be assigned to a bill."),
    "currency": _l("This payment is in another currency than the bill."),
}

bp.add_app_template_global(role_has_permission, "role_has_permission")


class UploadForm(FlaskForm):
    statement = FileField(
        _l("Bank statement file (camt.053 or camt.054)"),
        validators=[FileRequired(_l("Choose a statement file."))],
    )


class AssignForm(FlaskForm):
    claim_id = IntegerField(_l("Bill"), validators=[InputRequired()])


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


@bp.route("/bank/import", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, after the larger size limit below is set
@staff_required(PERMISSION)
def bank_import() -> tuple[str, int] | str:
    """Upload a statement; show the import summary."""
    # Statements may be larger than other uploads (the app-wide cap is 10 MB).
    request.max_content_length = MAX_FILE_BYTES + 1024 * 1024
    try:
        form = UploadForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        return _import_page(UploadForm(formdata=None), str(CAMT_ERRORS["too_large"]), 400)
    if not submitted:
        expired = _(
            "This form had expired or was sent twice. Nothing was changed. "
            "Please open the page again and try once more."
        )
        message = expired if "csrf_token" in form.errors else None
        return _import_page(form, message, 400 if form.errors else 200)
    config: Config = current_app.config["SALDO"]
    staff = current_staff()
    try:
        summary = svc.import_statement(
            _session(),
            _rules(),
            config,
            form.statement.data.read(MAX_FILE_BYTES + 1),
            actor=Actor.staff(staff.staff_user_id),
            now=datetime.now(UTC),
            checkpoint=db.session.commit,
        )
    except CamtError as exc:
        db.session.rollback()
        return _import_page(form, str(CAMT_ERRORS.get(exc.reason, CAMT_ERRORS["not_camt"])), 400)
    except svc.WrongAccount:
        db.session.rollback()
        return _import_page(
            form, _("This statement is for another account. Nothing was imported."), 400
        )
    db.session.commit()
    return _import_page(UploadForm(formdata=None), None, 200, summary=summary)


def _import_page(
    form: UploadForm, message: str | None, status: int, summary: svc.ImportSummary | None = None
) -> tuple[str, int]:
    statements = svc.recent_statements(_session())
    counts = svc.statement_counts(_session(), [s.id for s in statements])
    return (
        render_template(
            "staff/bank_import.html",
            form=form,
            message=message,
            summary=summary,
            statements=statements,
            counts=counts,
            rejected_names=REJECTED,
        ),
        status,
    )


@bp.get("/bank/unmatched")
@staff_required(PERMISSION)
def bank_unmatched() -> str:
    """Payments nobody could match yet, oldest first."""
    entries = queue.unmatched_entries(_session())
    return render_template("staff/bank_unmatched.html", entries=entries, reasons=REASONS)


@bp.get("/bank/unmatched/<int:entry_id>")
@staff_required(PERMISSION)
def bank_entry(entry_id: int) -> str:
    """One unmatched payment: search a debtor by name or payment reference, then assign."""
    entry = db.session.get(BankEntry, entry_id) or abort(404)
    query = request.args.get("q", "")[:100]
    results = queue.search_debtors(_session(), _rules(), query) if query else None
    return render_template(
        "staff/bank_entry.html",
        entry=entry,
        query=query,
        results=results,
        form=AssignForm(),
        reasons=REASONS,
    )


@bp.post("/bank/unmatched/<int:entry_id>/assign")
@staff_required(PERMISSION)
def bank_assign(entry_id: int) -> Response:
    """Book an unmatched payment on the chosen bill."""
    form = AssignForm()
    back = url_for("staff.bank_entry", entry_id=entry_id)
    if not form.validate_on_submit() or form.claim_id.data is None:
        flash(_("Choose a bill to assign the payment to."), "error")
        return redirect(back)
    try:
        queue.assign_entry(
            _session(),
            _rules(),
            entry_id,
            form.claim_id.data,
            staff_user_id=current_staff().staff_user_id,
            now=datetime.now(UTC),
        )
    except LookupError:
        abort(404)
    except svc.EntryNotAssignable as exc:
        db.session.rollback()
        flash(str(ASSIGN_ERRORS.get(exc.reason, ASSIGN_ERRORS["not_unmatched"])), "error")
        return redirect(back)
    db.session.commit()
    flash(_("The payment was booked on the bill."), "success")
    return redirect(url_for("staff.bank_unmatched"))
