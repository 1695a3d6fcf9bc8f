"""Staff: register and end a representative's mandate for a debtor (issue 9).

Reached from the debtor page. The representative's national id arrives by POST only and is
hashed at once (services/representations); pages show its last 4 digits. Registered on the
`staff` blueprint (imported at the bottom of portal/staff/views.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
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
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.auth.representing import KIND_LABELS
from portal.auth.representing import SCOPE_LABELS
from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Debtor
from portal.models import Representation
from portal.services.audit import Actor
from portal.services.representations import NewRepresentation
from portal.services.representations import RepresentationRefused
from portal.services.representations import end_representation
from portal.services.representations import register_representation
from portal.services.representations import representations_of
from portal.staff.views import bp

PERMISSION = "representatives.manage"

EVIDENCE_LABELS = {
    "court_decision": _l("Court decision"),
    "signed_consent": _l("Consent signed by the citizen"),
}
LETTERS_LABELS = {
    "representative": _l("To the representative"),
    "both": _l("To the citizen and a copy to the representative"),
    "debtor": _l("To the citizen only"),
}
#: RepresentationRefused.reason -> the message next to the form
REFUSALS = {
    "invalid_national_id": _l("This is not a valid citizen number. Please check it."),
    "ends_before_start": _l("The end date must be on or after the start date."),
    "already_ended": _l("The end date is in the past. A new mandate must still be valid."),
    "self": _l("A person cannot be their own representative."),
    "file_too_large": _l("The file is too large. Please send a file of at most 5 MB."),
    "file_wrong_type": _l("Please send a PDF, JPEG or PNG file."),
}


def _choices(labels: Mapping[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class RepresentationForm(FlaskForm):
    name = StringField(
        _l("Name of the representative"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter the name.")), Length(max=200)],
    )
    national_id = StringField(
        _l("Citizen number of the representative"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter the citizen number.")), Length(max=40)],
    )
    kind = SelectField(_l("Kind of representative"), choices=_choices(KIND_LABELS))
    scope = SelectField(_l("What may they do?"), choices=_choices(SCOPE_LABELS))
    evidence_kind = SelectField(_l("Evidence"), choices=_choices(EVIDENCE_LABELS))
    evidence_reference = StringField(
        _l("Reference of the evidence"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter the reference.")), Length(max=200)],
    )
    evidence_file = FileField(_l("Scan of the evidence (optional)"))
    letters_to = SelectField(_l("Letters go"), choices=_choices(LETTERS_LABELS))
    starts_on = DateField(
        _l("Valid from"), validators=[InputRequired(_l("Enter a date, like 2026-03-31."))]
    )
    ends_on = DateField(
        _l("Valid until"), validators=[InputRequired(_l("Enter a date, like 2026-03-31."))]
    )
    address = StringField(
        _l("Postal address of the representative (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=300)],
    )
    email = StringField(
        _l("E-mail of the representative (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=200)],
    )


class EndForm(FlaskForm):
    """Only the CSRF token."""


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


def _page(debtor: Debtor, form: RepresentationForm, message: str | None = None) -> str:
    return render_template(
        "staff/representatives.html",
        debtor=debtor,
        form=form,
        end_form=EndForm(formdata=None),
        representations=representations_of(db.session(), debtor.id),
        today=_today(),
        message=message,
        kind_labels=KIND_LABELS,
        scope_labels=SCOPE_LABELS,
        evidence_labels=EVIDENCE_LABELS,
        letters_labels=LETTERS_LABELS,
    )


@bp.route("/debtors/<int:debtor_id>/representatives", methods=["GET", "POST"])
@staff_required(PERMISSION)
def representatives(debtor_id: int) -> ResponseReturnValue:
    """The debtor's mandates, and the form to register a new one."""
    debtor = _debtor(debtor_id)
    form = RepresentationForm()
    if not form.is_submitted():
        form.starts_on.data = form.starts_on.data or _today()
        return _page(debtor, form)
    if not form.validate():
        return _page(debtor, form), 400
    upload = form.evidence_file.data
    staff = current_staff()
    config: Config = current_app.config["SALDO"]
    try:
        register_representation(
            db.session(),
            config,
            _rules().country,
            NewRepresentation(
                debtor_id=debtor.id,
                national_id=form.national_id.data or "",
                name=form.name.data or "",
                kind=form.kind.data,
                scope=form.scope.data,
                evidence_kind=form.evidence_kind.data,
                evidence_reference=form.evidence_reference.data or "",
                starts_on=form.starts_on.data or _today(),
                ends_on=form.ends_on.data or _today(),
                letters_to=form.letters_to.data,
                address=form.address.data,
                email=form.email.data,
                evidence_file=upload.read() if upload else None,
            ),
            actor=Actor.staff(staff.staff_user_id, on_behalf_of=debtor.id),
            today=_today(),
        )
    except RepresentationRefused as error:  # raised before anything is added: nothing to undo
        message = REFUSALS.get(error.reason, _l("Please check the form."))
        return _page(debtor, form, message=str(message)), 400
    db.session.commit()
    flash(_("The representative is registered."), "success")
    return redirect(url_for("staff.representatives", debtor_id=debtor.id))


@bp.post("/representations/<int:representation_id>/end")
@staff_required(PERMISSION)
def representation_end(representation_id: int) -> ResponseReturnValue:
    """End a mandate now: the representative's next request is refused."""
    form = EndForm()
    representation = db.session.get(Representation, representation_id)
    if representation is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    staff = current_staff()
    try:
        end_representation(
            db.session(),
            representation.id,
            actor=Actor.staff(staff.staff_user_id, on_behalf_of=representation.debtor_id),
            now=datetime.now(UTC),
        )
    except RepresentationRefused:
        flash(_("This mandate had already ended."), "info")
    else:
        db.session.commit()
        flash(_("The mandate has ended. The representative can no longer act."), "success")
    return redirect(url_for("staff.representatives", debtor_id=representation.debtor_id))
