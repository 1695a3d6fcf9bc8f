"""The audit log viewer (/staff/audit) for supervisors: filter by staff member, debtor, action
and date range, newest first, paginated. Read-only: there is no route that changes the log.
Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py)."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from portal.auth.guards import staff_required
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.services import audit_log as svc
from portal.staff import debtors as debtor_pages  # read at request time (import order)
from portal.staff.views import bp

PERMISSION = "audit.view"
FILTER_ERRORS: Mapping[str, str] = {
    "dates": _l("The end date is before the start date."),
    "page": _l("This page does not exist."),
}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    staff = SelectField(_l("Staff member"), choices=[], validate_choice=False)
    debtor = IntegerField(
        _l("Debtor number"),
        validators=[Optional(), NumberRange(1, 2**31 - 1, _l("Type a debtor number."))],
    )
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    date_from = DateField(
        _l("From"), validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"}
    )
    date_to = DateField(
        _l("To"), validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"}
    )
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(1, 1_000_000)])


def _session() -> Session:
    session: Session = db.session()
    return session


def _form() -> AuditFilterForm:
    session = _session()
    form = AuditFilterForm(request.args)
    form.staff.choices = [SelectChoice("", str(_l("Everyone")))] + [
        SelectChoice(str(user.id), f"{user.display_name} ({user.username})")
        for user in svc.staff_members(session)
    ]
    form.action.choices = [SelectChoice("", str(_l("All actions")))] + [
        SelectChoice(action, action) for action in svc.known_actions(session)
    ]
    return form


def _filters(form: AuditFilterForm) -> svc.AuditFilter:
    staff = form.staff.data or ""
    return svc.AuditFilter(
        staff_user_id=int(staff) if staff.isdigit() and len(staff) < 10 else None,
        debtor_id=form.debtor.data,
        action=(form.action.data or "")[:60] or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


@bp.get("/audit")
@staff_required(PERMISSION)
def audit() -> tuple[str, int]:
    """Who did what, for whom, when: newest first."""
    form = _form()
    rules: RulePack = current_app.config["RULE_PACK"]
    result: svc.AuditPage | None = None
    message: str | None = None
    status = 200
    if form.validate():
        try:
            result = svc.search_audit(
                _session(),
                _filters(form),
                zone=ZoneInfo(rules.timezone),
                page=form.page.data or 1,
            )
        except svc.InvalidAuditFilter as error:
            message, status = str(FILTER_ERRORS[error.reason]), 400
    else:
        status = 400
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "staff/audit_log.html",
        form=form,
        result=result,
        message=message,
        args=args,
        actor_kinds=debtor_pages.ACTOR_KINDS,
        local_time=debtor_pages.local_time,
    ), status
