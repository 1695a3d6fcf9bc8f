"""Legal stops on a debtor: list, place (a type and a court reference), lift with a reason.

Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py); the
debtor page (staff.debtor) links here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from datetime import datetime
from typing import Any
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
from werkzeug.wrappers import Response
from wtforms import DateField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Debtor
from portal.services import legal_stops as svc
from portal.staff.views import bp

TYPE_NAMES: Mapping[str, str] = {
    "legal_wsnp": _l("Wsnp: Dutch legal debt rescheduling"),
    "legal_collective_debt_settlement": _l(
        "Collective debt settlement (collectieve schuldenregeling)"
    ),
    "legal_gaeldssanering": _l("Gældssanering: Danish debt relief by the court"),
    "death": _l("Death of the debtor (the estate)"),
}
LIFT_NAMES: Mapping[str, str] = {
    "arrangement_ended": _l("The arrangement has ended"),
    "arrangement_refused": _l("The court refused or stopped the arrangement"),
    "estate_settled": _l("The estate is settled"),
    "placed_in_error": _l("The stop was placed by mistake"),
}
DATE_MESSAGE = _l("Type the date, for example 2026-11-01.")
ERRORS: Mapping[str, str] = {
    "bad_type": _l("Choose the kind of legal stop."),
    "reference_required": _l("Type the reference of the court decision or death certificate."),
    "reference_too_long": _l("Type at most 80 characters."),
    "future_date": _l("The date cannot be in the future."),
    "no_open_claims": _l("This person has no open bills. Nothing was stopped."),
    "not_found": _l("This stop does not exist."),
    "already_lifted": _l("This stop was already lifted. Nothing was changed."),
    "bad_lift_reason": _l("Choose why the stop ends."),
}


class PlaceForm(FlaskForm):
    stop_type = RadioField(
        _l("Kind of legal stop"),
        validators=[InputRequired(ERRORS["bad_type"])],
        validate_choice=False,  # the service checks the type against the country
    )
    reference = StringField(
        _l("Reference (court decision number, or death certificate)"),
        validators=[
            InputRequired(ERRORS["reference_required"]),
            Length(max=svc.MAX_REFERENCE, message=ERRORS["reference_too_long"]),
        ],
    )
    starts_on = DateField(
        _l("Date of the decision (or of death)"),
        validators=[InputRequired(DATE_MESSAGE)],
    )


class LiftForm(FlaskForm):
    lift_reason = SelectField(
        _l("Why does the stop end?"),
        choices=[SelectChoice(k, v) for k, v in LIFT_NAMES.items()],
        validators=[InputRequired(ERRORS["bad_lift_reason"])],
    )


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


def _debtor(debtor_id: int) -> Debtor:
    debtor = db.session.get(Debtor, debtor_id)
    if debtor is None:
        abort(404)
    return debtor


def _place_form() -> PlaceForm:
    form = PlaceForm()
    form.stop_type.choices = [
        SelectChoice(code, TYPE_NAMES[code]) for code in svc.legal_types(_rules().country)
    ]
    return form


def _page(debtor: Debtor, form: PlaceForm, message: str | None, status: int) -> tuple[str, int]:
    stops = svc.legal_stops(db.session(), debtor.id)
    lift_forms: dict[int, Any] = {}
    for stop in stops:
        if stop.active:
            lift = LiftForm(formdata=None)
            lift.lift_reason.id = f"lift-reason-{stop.id}"  # one form per stop: unique ids
            lift_forms[stop.id] = lift
    return render_template(
        "staff/legal_stops.html",
        debtor=debtor,
        form=form,
        stops=stops,
        lift_forms=lift_forms,
        type_names=TYPE_NAMES,
        message=message,
        back_url=(
            url_for("staff.debtor", debtor_id=debtor.id)
            if "staff.debtor" in current_app.view_functions
            else None
        ),
    ), status


@bp.route("/debtors/<int:debtor_id>/legal-stops", methods=["GET", "POST"])
@staff_required("holds.legal")
def legal_stops(debtor_id: int) -> Response | tuple[str, int]:
    """The debtor's legal stops; POST places one on every open bill."""
    debtor = _debtor(debtor_id)
    form = _place_form()
    message, status = None, 200
    if form.validate_on_submit():
        try:
            stop = svc.place_legal_stop(
                db.session(),
                country=_rules().country,
                debtor_id=debtor.id,
                reason=form.stop_type.data or "",
                reference=form.reference.data or "",
                starts_on=form.starts_on.data or _today(),
                staff_user_id=current_staff().staff_user_id,
                today=_today(),
            )
        except svc.LegalStopError as error:
            text, status = str(ERRORS.get(error.reason, ERRORS["bad_type"])), 400
            field = {
                "bad_type": form.stop_type,
                "reference_required": form.reference,
                "reference_too_long": form.reference,
                "future_date": form.starts_on,
            }.get(error.reason)
            if field is not None:
                field.errors = [text]
            else:
                message = text
        else:
            db.session.commit()
            flash(
                _(
                    "The legal stop is placed on %(count)d open bills. Collection is paused.",
                    count=len(stop.claim_ids),
                ),
                "success",
            )
            return redirect(url_for("staff.legal_stops", debtor_id=debtor.id))
    elif form.is_submitted():
        status = 400
        if form.starts_on.errors:  # WTForms' own "Not a valid date value" is not plain enough
            form.starts_on.errors = [str(DATE_MESSAGE)]
        if form.csrf_token.errors:
            message = _("This form had expired. Nothing was changed. Please try again.")
    return _page(debtor, form, message, status)


@bp.post("/debtors/<int:debtor_id>/legal-stops/<int:stop_id>/lift")
@staff_required("holds.legal")
def legal_stop_lift(debtor_id: int, stop_id: int) -> Response | tuple[str, int]:
    """Lift a stop: its holds end today; the reason is audited."""
    debtor = _debtor(debtor_id)
    form = LiftForm()
    message, status = None, 400
    if form.validate_on_submit():
        try:
            svc.lift_legal_stop(
                db.session(),
                debtor_id=debtor.id,
                stop_id=stop_id,
                lift_reason=form.lift_reason.data or "",
                staff_user_id=current_staff().staff_user_id,
                today=_today(),
            )
        except svc.LegalStopError as error:
            if error.reason == "not_found":
                abort(404)
            message = str(ERRORS.get(error.reason, ERRORS["bad_lift_reason"]))
            status = 409 if error.reason == "already_lifted" else 400
        else:
            db.session.commit()
            flash(_("The legal stop is lifted. Collection can go on."), "success")
            return redirect(url_for("staff.legal_stops", debtor_id=debtor.id))
    elif form.csrf_token.errors:
        message = _("This form had expired. Nothing was changed. Please try again.")
    else:
        message = str(ERRORS["bad_lift_reason"])
    return _page(debtor, _place_form(), message, status)
