""" "This bill is wrong": the citizen's dispute form, and the dispute's state on the claim page.

Registered on the citizen blueprint (imported at the bottom of portal/citizen/views.py).
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
from flask import url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms import RadioField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.auth.guards import current_citizen_or_none
from portal.citizen.views import bp
from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Claim
from portal.models.dispute import Dispute
from portal.services import disputes as svc

REASONS: Mapping[str, str] = {
    "amount_wrong": _l("The amount is wrong"),
    "already_paid": _l("I already paid this"),
    "not_mine": _l("This bill is not for me"),
    "not_received": _l("I did not get what the bill is for"),
    "other": _l("Something else"),
}
ERRORS: Mapping[str, str] = {
    "bad_reason": _l("Choose what is wrong with the bill."),
    "text_too_long": _l("Please write at most 2,000 characters."),
    "claim_closed": _l("This bill is cancelled, so there is nothing to check."),
    "already_open": _l("You already told us this bill is wrong. We are checking it."),
    "empty": _l("The file is empty. Please choose another file."),
    "too_large": _l("The file is too large. Send a file of at most 5 MB."),
    "wrong_type": _l("We can only take a PDF, JPG or PNG file."),
}


class DisputeForm(FlaskForm):
    reason = RadioField(
        _l("What is wrong with the bill?"),
        choices=[SelectChoice(k, v) for k, v in REASONS.items()],
        validators=[InputRequired(ERRORS["bad_reason"])],
    )
    text = TextAreaField(
        _l("Tell us more (optional)"),
        validators=[Length(max=svc.MAX_TEXT, message=ERRORS["text_too_long"])],
    )
    evidence = FileField(_l("A document that shows it (optional)"))


@bp.record_once
def _register_dispute_helper(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["claim_dispute"] = _claim_dispute


def _claim_dispute(claim_id: int) -> Dispute | None:
    """The latest dispute on the citizen's claim, for templates/citizen/claim.html."""
    citizen = current_citizen_or_none()
    if citizen is None:
        return None
    dispute = svc.latest_dispute(db.session(), claim_id)
    if dispute is None or dispute.debtor_id != citizen.debtor_id:
        return None
    return dispute


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


def _now() -> datetime:
    return datetime.now(UTC)


def _own_claim(claim_id: int) -> Claim:
    citizen = current_citizen()
    claim = db.session.get(Claim, claim_id)
    if claim is None or claim.debtor_id != citizen.debtor_id or not citizen.may_see_claim(claim_id):
        abort(404)
    return claim


def _evidence(form: DisputeForm) -> svc.Evidence | None:
    upload = form.evidence.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    return svc.Evidence(data=upload.read(svc.MAX_EVIDENCE_BYTES + 1), filename=upload.filename)


@bp.route("/claims/<int:claim_id>/dispute", methods=["GET", "POST"])
@citizen_required
def claim_dispute(claim_id: int) -> Response | tuple[str, int]:
    """Tell us a bill is wrong: a reason, your own words, and a document if you have one."""
    claim = _own_claim(claim_id)
    existing = svc.open_dispute_for(db.session(), claim.id)
    form = DisputeForm()
    message, status = None, 200
    if existing is None and form.validate_on_submit():
        try:
            svc.open_dispute(
                db.session(),
                _config(),
                claim,
                reason=form.reason.data or "",
                text=form.text.data or "",
                evidence=_evidence(form),
                actor=current_actor(),
                today=_today(),
                now=_now(),
            )
        except svc.DisputeError as error:
            text = str(ERRORS.get(error.reason, ERRORS["bad_reason"]))
            if error.reason in ("empty", "too_large", "wrong_type"):
                form.evidence.errors = [text]
            else:
                message = text
            status = 400
        else:
            db.session.commit()
            flash(_("Thank you. We will check the bill and let you know."), "success")
            return redirect(url_for("citizen.claim", claim_id=claim.id))
    elif form.is_submitted():
        status = 400
        if form.csrf_token.errors:
            message = _("This form had expired. Nothing was sent. Please try again.")
    return render_template(
        "citizen/dispute.html",
        claim=claim,
        form=form,
        existing=existing,
        message=message,
        max_mb=svc.MAX_EVIDENCE_BYTES // (1024 * 1024),
    ), status
