"""Direct debit mandates of a debtor (issue 8): state, last collections and failures (with
the bank's reason code); staff stop a mandate on the citizen's behalf with a reason (audited).

Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py); the
debtor page links here (templates/staff/_mandates_link.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import localised_name
from portal.extensions import db
from portal.models import ClaimType
from portal.models import Debtor
from portal.services import direct_debit as svc
from portal.services.audit import Actor
from portal.staff.views import bp

REVOKE_REASONS: Mapping[str, str] = {
    "citizen_asked_by_phone": _l("The citizen asked for it by phone"),
    "citizen_asked_at_desk": _l("The citizen asked for it at the desk"),
    "citizen_asked_in_writing": _l("The citizen asked for it in writing"),
    "account_closed": _l("The bank account is closed"),
    "debtor_died": _l("The citizen has died"),
}
STATE_NAMES: Mapping[str, str] = {
    "active": _l("Active"),
    "revoked": _l("Stopped"),
    "ended": _l("Ended"),
}
END_NAMES: Mapping[str, str] = {
    "revoked": _l("stopped on request"),
    "returns": _l("two debits failed"),
    "plan_ended": _l("the payment plan ended"),
}
COLLECTION_NAMES: Mapping[str, str] = {
    "submitted": _l("Sent to the bank"),
    "booked": _l("Paid"),
    "rejected": _l("Rejected by the bank"),
    "returned": _l("Returned by the bank"),
}
REASON_MESSAGE = _l("Choose why the automatic payment stops.")


class RevokeForm(FlaskForm):
    reason = SelectField(
        _l("Why does the automatic payment stop?"),
        choices=[SelectChoice(k, v) for k, v in REVOKE_REASONS.items()],
        validators=[InputRequired(REASON_MESSAGE)],
        validate_choice=False,  # the service checks the reason
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


def _type_names(claim_type_ids: set[int]) -> dict[int, str]:
    locale = str(get_locale() or "en")
    names: dict[int, str] = {}
    for type_id in claim_type_ids:
        claim_type = db.session.get(ClaimType, type_id)
        if claim_type is not None:
            localised = claim_type.names or {}
            names[type_id] = str(localised_name(localised, locale) or claim_type.code)
    return names


def _page(debtor: Debtor, message: str | None = None, status: int = 200) -> tuple[str, int]:
    summaries = svc.mandate_summaries(db.session(), debtor.id)
    forms: dict[int, RevokeForm] = {}
    for summary in summaries:
        if summary.mandate.state == "active":
            form = RevokeForm(formdata=None)
            form.reason.id = f"reason-{summary.mandate.id}"  # one form per mandate
            forms[summary.mandate.id] = form
    return render_template(
        "staff/mandates.html",
        debtor=debtor,
        summaries=summaries,
        forms=forms,
        type_names=_type_names(
            {s.mandate.claim_type_id for s in summaries if s.mandate.claim_type_id}
        ),
        state_names=STATE_NAMES,
        end_names=END_NAMES,
        collection_names=COLLECTION_NAMES,
        message=message,
    ), status


@bp.get("/debtors/<int:debtor_id>/mandates")
@staff_required("direct_debit.view")
def mandates(debtor_id: int) -> tuple[str, int]:
    """The debtor's direct debit mandates with their last collections and failures."""
    return _page(_debtor(debtor_id))


@bp.post("/debtors/<int:debtor_id>/mandates/<int:mandate_id>/revoke")
@staff_required("direct_debit.revoke")
def mandate_revoke(debtor_id: int, mandate_id: int) -> Response | tuple[str, int]:
    """Stop a mandate on the citizen's behalf; the reason and the staff member are audited."""
    debtor = _debtor(debtor_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return _page(
                debtor, _("This form had expired. Nothing was changed. Please try again."), 400
            )
        return _page(debtor, str(REASON_MESSAGE), 400)
    try:
        svc.revoke_for_citizen(
            db.session(),
            debtor_id=debtor.id,
            mandate_id=mandate_id,
            reason=form.reason.data or "",
            today=_today(),
            actor=Actor.staff(current_staff().staff_user_id, on_behalf_of=debtor.id),
        )
    except svc.MandateRefused as refused:
        db.session.rollback()
        if refused.code == "not_found":
            abort(404)
        if refused.code == "not_active":
            return _page(
                debtor, _("This automatic payment was already stopped. Nothing was changed."), 409
            )
        return _page(debtor, str(REASON_MESSAGE), 400)
    db.session.commit()
    flash(
        _("The automatic payment is stopped. The citizen pays the next amounts themselves."),
        "success",
    )
    return redirect(url_for("staff.mandates", debtor_id=debtor.id))
