"""Automatic payment of one kind of bill (issue 8): the citizen signs up a claim type (e.g.
the childcare fee) for SEPA Core direct debit, sees which types are on automatic payment and
stops one at any time (through the plan page's revoke route).

Registered on the citizen blueprint (imported at the bottom of portal/citizen/direct_debit.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms import RadioField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.citizen import direct_debit as plan_page
from portal.citizen.views import bp
from portal.extensions import db
from portal.models import ClaimType
from portal.services import direct_debit as svc
from portal.services import direct_debit_types as types

Page = str | tuple[str, int]

TYPE_ERRORS: Mapping[str, str] = {
    **plan_page.ERRORS,
    "choose_type": _l("Choose the kind of bill you want to pay automatically."),
    "type_not_allowed": _l(
        "This kind of bill cannot be paid automatically. Please choose another one."
    ),
    "no_claims_of_type": _l("You have no bills of this kind. Please choose another one."),
}
FIELD_OF: Mapping[str, str] = {
    "invalid_iban": "iban",
    "not_sepa": "iban",
    "no_holder": "account_holder",
    "type_not_allowed": "claim_type",
    "no_claims_of_type": "claim_type",
}


class TypeMandateForm(FlaskForm):
    claim_type = RadioField(
        _l("Which bills do you want to pay automatically?"),
        choices=[],
        validate_choice=False,
        validators=[InputRequired(TYPE_ERRORS["choose_type"])],
    )
    iban = StringField(
        _l("IBAN (your bank account number)"),
        validators=[InputRequired(TYPE_ERRORS["invalid_iban"]), Length(max=50)],
    )
    account_holder = StringField(
        _l("Name of the account holder"),
        validators=[InputRequired(TYPE_ERRORS["no_holder"]), Length(max=70)],
    )
    consent = BooleanField(
        _l("I agree: the municipality may take the amounts of these bills from this account.")
    )


def _name(claim_type: ClaimType) -> str:
    locale = str(get_locale() or "en")
    names = claim_type.names or {}
    return str(names.get(locale) or names.get(locale.split("_")[0]) or names.get("en") or "")


def _page(form: TypeMandateForm | None = None, status: int = 200) -> Page:
    citizen, session, rules = current_citizen(), plan_page._session(), plan_page._rules()  # noqa: SLF001
    signable = types.signable_claim_types(session, rules, citizen.debtor_id)
    if form is None:
        form = TypeMandateForm(formdata=None)
    form.claim_type.choices = [SelectChoice(str(t.id), _name(t)) for t in signable]
    active = types.active_type_mandates(session, citizen.debtor_id)
    names = {
        m.id: _name(t)
        for m in active
        if m.claim_type_id and (t := session.get(ClaimType, m.claim_type_id))
    }
    return (
        render_template(
            "citizen/direct_debit_types.html",
            form=form,
            signable=signable,
            active=active,
            names=names,
            revoke_form=plan_page.RevokeForm(formdata=None),
            config_saldo=plan_page._config(),  # noqa: SLF001
            euro=rules.currency == "EUR",
        ),
        status,
    )


@bp.get("/direct-debit/bills")
@citizen_required
def direct_debit_types() -> Page:
    """Pay one kind of bill automatically: the active sign-ups and the form."""
    return plan_page._letter_code_page() or _page()  # noqa: SLF001


@bp.post("/direct-debit/bills")
@citizen_required
def direct_debit_types_sign() -> Page | Response:
    """Sign a SEPA Core mandate for the citizen's bills of one claim type."""
    if (page := plan_page._letter_code_page()) is not None:  # noqa: SLF001
        return page
    form = TypeMandateForm()
    if not form.validate():
        return _page(form, 400)
    raw = form.claim_type.data or ""
    if not raw.isdigit() or len(raw) > 9:
        return _refused(form, "type_not_allowed")
    try:
        types.sign_type_mandate(
            plan_page._session(),  # noqa: SLF001
            plan_page._rules(),  # noqa: SLF001
            plan_page._config(),  # noqa: SLF001
            debtor_id=current_citizen().debtor_id,
            claim_type_id=int(raw),
            data=svc.MandateInput(
                iban=form.iban.data or "",
                account_holder=form.account_holder.data or "",
                consent=bool(form.consent.data),
            ),
            today=plan_page._today(),  # noqa: SLF001
            actor=current_actor(),
        )
    except svc.MandateRefused as refused:
        db.session.rollback()
        return _refused(form, refused.code)
    db.session.commit()
    flash(_("Done. These bills are now paid automatically from your account."), "success")
    return redirect(url_for("citizen.direct_debit_types"))


def _refused(form: TypeMandateForm, code: str) -> Page | Response:
    if code == "already_signed_up":
        flash(_("These bills are already paid automatically. You do not need to do more."))
        return redirect(url_for("citizen.direct_debit_types"))
    if code == "not_eur":
        return redirect(url_for("citizen.direct_debit"))
    field = getattr(form, FIELD_OF.get(code, "consent"))
    field.errors = [*field.errors, TYPE_ERRORS[code]]
    return _page(form, 400)
