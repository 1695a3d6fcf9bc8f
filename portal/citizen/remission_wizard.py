"""The remission wizard (save and resume): one page per step, then "check your answers" with
the preliminary outcome and its calculation in plain words, and sending the application.

Each step is saved when sent, so the citizen can stop and come back later (the start page
links to where they left off). Works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from werkzeug.wrappers import Response

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.citizen import views
from portal.citizen.remission_common import config
from portal.citizen.remission_common import max_mb
from portal.citizen.remission_common import norms_date
from portal.citizen.remission_common import now
from portal.citizen.remission_common import own
from portal.citizen.remission_common import resume_url
from portal.citizen.remission_common import rules
from portal.citizen.remission_common import session
from portal.citizen.remission_common import status_url
from portal.citizen.remission_forms import ASSET_AMOUNT_NAMES
from portal.citizen.remission_forms import COST_NAMES
from portal.citizen.remission_forms import INCOME_NAMES
from portal.citizen.remission_forms import STEP_FORMS
from portal.citizen.remission_forms import STEP_TITLES
from portal.citizen.remission_forms import ContinueForm
from portal.citizen.remission_forms import EvidenceForm
from portal.citizen.remission_forms import message_for
from portal.citizen.remission_forms import parse_ages
from portal.citizen.remission_forms import read_amounts
from portal.citizen.remission_prefill import known_for
from portal.citizen.remission_prefill import step_data
from portal.documents.delivery import get_delivery_adapter
from portal.domain.remission import ImplausibleApplication
from portal.domain.remission_states import RemissionState
from portal.extensions import db
from portal.models import RemissionApplication
from portal.services import remission as svc
from portal.services import remission_letters
from portal.services import remission_wizard as wizard
from portal.services.remission_submission import submit_application

bp = views.bp
STEPS = wizard.STEPS


def _step_values(step: str, form: Any, currency: str) -> dict[str, Any] | None:
    """The form's answers as service values, or None with errors on the fields."""
    if step == "household":
        if form.adults.data not in ("1", "2"):
            form.adults.errors = [message_for("adults", "out_of_range")]
        try:
            ages = parse_ages(form.children_ages.data)
        except ValueError as error:
            form.children_ages.errors = [message_for("children_ages", str(error))]
        if form.adults.errors or form.children_ages.errors:
            return None
        return {"adults": int(form.adults.data), "children_ages": ages}
    if step == "income":
        return read_amounts(form, INCOME_NAMES, currency)
    if step == "costs":
        return read_amounts(form, COST_NAMES, currency)
    if step == "assets":
        values = read_amounts(form, ASSET_AMOUNT_NAMES, currency)
        if values is None:
            return None
        return {**values, "car_needed": bool(form.car_needed.data)}
    if step == "consent":
        return {"consent": bool(form.consent.data)}
    return {}


@bp.route("/remission/<int:application_id>/<step>", methods=["GET", "POST"])
@citizen_required
def remission_step(application_id: int, step: str) -> Response | tuple[str, int]:
    """One step of the wizard, saved when sent."""
    if step not in STEP_FORMS:
        abort(404)
    application = own(application_id)
    if application.remission_state is not RemissionState.DRAFT:
        return redirect(status_url(application))
    form_class = STEP_FORMS[step]
    form = (
        form_class(data=step_data(step, application, known_for(application)))
        if request.method == "GET"
        else form_class()
    )
    if form.validate_on_submit():
        values = _step_values(step, form, application.currency)
        if values is not None:
            try:
                wizard.save_step(
                    session(), application, step, values, actor=current_actor(), now=now()
                )
            except ImplausibleApplication as error:
                getattr(form, error.field).errors = [message_for(error.field, error.reason)]
            except svc.ConsentRequired:
                form.consent.errors = [
                    _("Tick the box to agree. Without your permission we cannot decide.")
                ]
            else:
                db.session.commit()
                return redirect(
                    resume_url(application)
                    if step != "evidence"
                    else url_for("citizen.remission_check", application_id=application.id)
                )
    return render_step(application, step, form, status=400 if request.method == "POST" else 200)


def render_step(
    application: RemissionApplication,
    step: str,
    form: Any,
    *,
    status: int = 200,
    upload_form: EvidenceForm | None = None,
) -> tuple[str, int]:
    index = STEPS.index(step)
    previous = STEPS[index - 1] if index > 0 else None
    return render_template(
        "citizen/remission_step.html",
        application=application,
        step=step,
        title=STEP_TITLES[step],
        number=index + 1,
        total=len(STEPS) + 1,
        form=form,
        upload_form=upload_form or EvidenceForm(formdata=None),
        previous=previous,
        max_mb=max_mb(),
        known=known_for(application),
    ), status


@bp.route("/remission/<int:application_id>/check", methods=["GET", "POST"])
@citizen_required
def remission_check(application_id: int) -> Response | tuple[str, int]:
    """Check your answers, see the preliminary outcome and its calculation, then send."""
    application, pack = own(application_id), rules()
    if application.remission_state is not RemissionState.DRAFT:
        return redirect(status_url(application))
    missing = wizard.missing_step(application)
    if missing is not None:
        flash(_("Please answer this step first."), "info")
        return redirect(
            url_for("citizen.remission_step", application_id=application.id, step=missing)
        )
    today = views._today(pack)  # noqa: SLF001
    form = ContinueForm()
    if form.validate_on_submit():
        submit_application(
            session(), pack, application, actor=current_actor(), now=now(), as_of=today
        )
        db.session.commit()
        remission_letters.deliver_decision_letters(
            session(), get_delivery_adapter(config()), debtor_id=application.debtor_id, now=now()
        )
        db.session.commit()
        flash(_("We have received your application."), "success")
        return redirect(status_url(application))
    calculation = wizard.preview(session(), pack, application, on=today).to_snapshot()
    return render_template(
        "citizen/remission_check.html",
        application=application,
        calc=calculation,
        norms_date=norms_date(calculation),
        claims=svc.claims_of(session(), application),
        form=form,
    ), 400 if request.method == "POST" else 200
