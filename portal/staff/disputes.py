"""Staff pages for disputes ("this bill is wrong"): the list and the decision page.

A department clerk sees only their own department's bills; caseworkers and supervisors see
all. Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import send_file
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.citizen.disputes import REASONS
from portal.config import Config
from portal.domain.money import InvalidAmount
from portal.domain.money import Money
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models.dispute import Dispute
from portal.services import disputes as svc
from portal.staff.views import bp

OUTCOMES: Mapping[str, str] = {
    "upheld": _l("The bill is correct: it stays as it is"),
    "corrected": _l("Correct the bill: lower the amount"),
    "cancelled": _l("Cancel the bill"),
}
STATE_NAMES: Mapping[str, str] = {
    "open": _l("Waiting for a decision"),
    "upheld": _l("Bill is correct"),
    "corrected": _l("Bill corrected"),
    "cancelled": _l("Bill cancelled"),
}
ERRORS: Mapping[str, str] = {
    "bad_outcome": _l("Choose a decision."),
    "note_required": _l("Write the reason for the decision. The citizen will read it."),
    "note_too_long": _l("Write at most 2,000 characters."),
    "bad_amount": _l("Type by how much the bill goes down, for example 25,00."),
    "amount_too_large": _l("The bill cannot go down by more than what is still to pay."),
    "claim_closed": _l("This bill is cancelled already."),
    "already_decided": _l(
        "Someone else decided this dispute already. Nothing was changed. See the decision below."
    ),
}


class DecisionForm(FlaskForm):
    expected_state = HiddenField()
    outcome = RadioField(
        _l("Decision"),
        choices=[SelectChoice(k, v) for k, v in OUTCOMES.items()],
        validators=[InputRequired(ERRORS["bad_outcome"])],
    )
    correction = StringField(_l("Lower the bill by (only for a correction)"))
    note = TextAreaField(
        _l("Reason, in words the citizen understands"),
        validators=[
            InputRequired(ERRORS["note_required"]),
            Length(max=svc.MAX_NOTE, message=ERRORS["note_too_long"]),
        ],
    )


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


def _department_scope() -> int | None:
    """A department clerk decides only their own department's bills."""
    staff = current_staff()
    if staff.role == "department_clerk":
        return staff.department_id if staff.department_id is not None else -1
    return None


def _dispute(dispute_id: int) -> Dispute:
    try:
        return svc.get_dispute(db.session(), dispute_id, department_id=_department_scope())
    except svc.DisputeError:
        abort(404)


@bp.get("/disputes")
@staff_required("disputes.decide")
def disputes() -> str:
    """Open disputes, oldest first (a clerk: their department's only)."""
    items = svc.list_disputes(db.session(), department_id=_department_scope())
    return render_template("staff/disputes.html", disputes=items, reasons=REASONS)


@bp.route("/disputes/<int:dispute_id>", methods=["GET", "POST"])
@staff_required("disputes.decide")
def dispute(dispute_id: int) -> Response | tuple[str, int]:
    """Decide: uphold, correct (a ledger correction) or cancel; a reason is required."""
    item = _dispute(dispute_id)
    form = DecisionForm()
    message, status = None, 200
    if form.validate_on_submit():
        try:
            if form.expected_state.data != "open":
                raise svc.DisputeError("already_decided")
            amount = None
            if form.outcome.data == "corrected":
                try:
                    amount = Money.parse(form.correction.data or "", item.claim.currency).amount
                except InvalidAmount:
                    raise svc.DisputeError("bad_amount") from None
            svc.decide_dispute(
                db.session(),
                item,
                outcome=form.outcome.data or "",
                note=form.note.data or "",
                correction_amount=amount,
                staff_user_id=current_staff().staff_user_id,
                today=_today(),
                now=datetime.now(UTC),
            )
        except svc.DisputeError as error:
            text = str(ERRORS.get(error.reason, ERRORS["bad_outcome"]))
            if error.reason in ("bad_amount", "amount_too_large"):
                form.correction.errors = [text]
            else:
                message = text
            status = 409 if error.reason == "already_decided" else 400
            item = _dispute(dispute_id)
        else:
            db.session.commit()
            flash(_("The decision is saved. The citizen sees it on the bill."), "success")
            return redirect(url_for("staff.disputes"))
    elif form.is_submitted():
        status = 400
        if form.csrf_token.errors:
            message = _("This form had expired. Nothing was changed. Please try again.")
    form.expected_state.data = item.state
    return render_template(
        "staff/dispute.html",
        dispute=item,
        form=form,
        message=message,
        reasons=REASONS,
        outcomes=OUTCOMES,
        state_names=STATE_NAMES,
    ), status


@bp.get("/disputes/<int:dispute_id>/evidence")
@staff_required("disputes.decide")
def dispute_evidence(dispute_id: int) -> Response:
    """The citizen's evidence file, as a download (never shown inline)."""
    item = _dispute(dispute_id)
    path = svc.evidence_path(_config(), item)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=item.evidence_content_type or "application/octet-stream",
        as_attachment=True,
        download_name=item.evidence_name or "evidence",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
