"""Direct debit pages (issue 8): sign up the active payment plan for SEPA Core collection,
see the mandate and the debits to come, revoke it. DKK installations show the
Betalingsservice numbers instead (the citizen signs up in their own netbank).

Registered on the citizen blueprint (imported at the bottom of portal/citizen/views.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from datetime import timedelta

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.citizen import views
from portal.citizen.presenters import EID_NAMES
from portal.citizen.views import bp
from portal.config import Config
from portal.domain.direct_debit import PRENOTIFICATION_DAYS
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Mandate
from portal.models import Plan
from portal.services import betalingsservice
from portal.services import direct_debit as svc
from portal.services import plans as plan_svc

Page = str | tuple[str, int]

#: MandateRefused codes as plain words, and the field each belongs to
ERRORS: Mapping[str, str] = {
    "invalid_iban": _l("This IBAN is not right. Check the letters and numbers and try again."),
    "not_sepa": _l("We can only take money from a bank account in the SEPA area (Europe)."),
    "no_holder": _l("Fill in the name of the account holder, as the bank knows it."),
    "no_consent": _l("Tick the box to agree, or choose another way to pay."),
}
FIELD_OF = {"invalid_iban": "iban", "not_sepa": "iban", "no_holder": "account_holder"}


class MandateForm(FlaskForm):
    plan_id = HiddenField()
    iban = StringField(
        _l("IBAN (your bank account number)"),
        validators=[InputRequired(ERRORS["invalid_iban"]), Length(max=50)],
    )
    account_holder = StringField(
        _l("Name of the account holder"),
        validators=[InputRequired(ERRORS["no_holder"]), Length(max=70)],
    )
    consent = BooleanField(
        _l("I agree: the municipality may take the amounts of my payment plan from this account.")
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token: the mandate id is in the URL."""


@bp.record_once
def _register_helper(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["direct_debit_mandate"] = _active_mandate


def _active_mandate(plan_id: int) -> Mandate | None:
    """For the overview's plan block: is this plan on automatic payment?"""
    return svc.active_mandate_for_plan(_session(), plan_id)


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _today() -> date:
    return views._today(_rules())  # noqa: SLF001 - the blueprint's one "today"


def _page(form: MandateForm | None = None, status: int = 200) -> Page:
    citizen, session, today = current_citizen(), _session(), _today()
    rules = _rules()
    if rules.currency != "EUR":
        numbers = svc.betalingsservice_numbers(_config(), citizen.debtor_id)
        agreement = betalingsservice.agreement_of(session, citizen.debtor_id)
        return render_template(
            "citizen/direct_debit_dk.html", numbers=numbers, agreement=agreement
        ), status
    plan = plan_svc.active_plan(session, citizen.debtor_id)
    mandate = svc.active_mandate_for_plan(session, plan.id) if plan else None
    if form is None and plan is not None:
        form = MandateForm(formdata=None, plan_id=str(plan.id))
    return (
        render_template(
            "citizen/direct_debit.html",
            plan=plan,
            mandate=mandate,
            debits=svc.upcoming_debits(plan, mandate, after=today) if plan and mandate else [],
            ended=[m for m in svc.mandates_of(session, citizen.debtor_id) if m.state != "active"],
            form=form,
            revoke_form=RevokeForm(formdata=None),
            config_saldo=_config(),
            first_debit_from=today + timedelta(days=PRENOTIFICATION_DAYS),
        ),
        status,
    )


def _letter_code_page() -> Page | None:
    """A mandate covers the whole plan; a letter code opens only that letter's bills."""
    if current_citizen().claim_scope is None:
        return None
    eid_name = EID_NAMES.get(_rules().code, "eID")
    status = 403 if request.method == "POST" else 200
    return render_template("citizen/plan_eid.html", eid_name=eid_name), status


@bp.get("/direct-debit")
@citizen_required
def direct_debit() -> Page:
    """Pay the payment plan automatically: the mandate, or the form to sign one."""
    return _letter_code_page() or _page()


@bp.post("/direct-debit")
@citizen_required
def direct_debit_sign() -> Page | Response:
    """Sign a SEPA Core mandate for the citizen's own active plan."""
    if (page := _letter_code_page()) is not None:
        return page
    form = MandateForm()
    if not form.validate():
        return _page(form, 400)
    citizen, session = current_citizen(), _session()
    plan_id = form.plan_id.data or ""
    plan = session.get(Plan, int(plan_id)) if plan_id.isdigit() and len(plan_id) < 10 else None
    if plan is None or plan.debtor_id != citizen.debtor_id:
        abort(404)
    try:
        svc.sign_mandate(
            session,
            _rules(),
            _config(),
            debtor_id=citizen.debtor_id,
            plan_id=plan.id,
            data=svc.MandateInput(
                iban=form.iban.data or "",
                account_holder=form.account_holder.data or "",
                consent=bool(form.consent.data),
            ),
            today=_today(),
            actor=current_actor(),
        )
    except svc.MandateRefused as refused:
        db.session.rollback()
        return _refused(form, refused.code)
    db.session.commit()
    flash(_("Done. Your payment plan is now paid automatically from your account."), "success")
    return redirect(url_for("citizen.direct_debit"))


def _refused(form: MandateForm, code: str) -> Page | Response:
    if code == "already_signed_up":
        flash(_("Your payment plan is already paid automatically. You do not need to do more."))
        return redirect(url_for("citizen.direct_debit"))
    if code in ("plan_not_active", "plan_not_found", "not_eur"):
        flash(_("Automatic payment is only possible for a payment plan that is running."))
        return redirect(url_for("citizen.direct_debit"))
    field = getattr(form, FIELD_OF.get(code, "consent"))
    field.errors = [*field.errors, ERRORS[code]]
    return _page(form, 400)


@bp.post("/direct-debit/<int:mandate_id>/revoke")
@citizen_required
def direct_debit_revoke(mandate_id: int) -> Page | Response:
    """Stop the automatic payment (any time)."""
    if (page := _letter_code_page()) is not None:
        return page
    if not RevokeForm().validate():
        abort(400)
    try:
        svc.revoke_mandate(
            _session(),
            debtor_id=current_citizen().debtor_id,
            mandate_id=mandate_id,
            today=_today(),
            actor=current_actor(),
        )
    except svc.MandateRefused as refused:
        db.session.rollback()
        if refused.code == "not_found":
            abort(404)
        flash(_("This automatic payment was already stopped."))
        return redirect(url_for("citizen.direct_debit"))
    db.session.commit()
    flash(_("The automatic payment is stopped. Please pay the next amounts yourself."), "success")
    return redirect(url_for("citizen.direct_debit"))


from portal.citizen import direct_debit_types as direct_debit_types  # noqa: E402,F401 - registers its routes
