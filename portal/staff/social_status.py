"""Social status for staff (issue 8): the caseworkers' list "People offered help (social
status)", the status on the debtor page, and the CSV upload for department clerks.

Who sees it: caseworkers and supervisors (`social_status.view`); desk staff do not (they act
at the counter with the citizen beside them and do not need it). Clerks of a department with
the right, and administrators choosing a department, upload flags (`social_status.import`).
Registered on the `staff` blueprint (imported at the bottom of portal/staff/views.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask import render_template
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.auth.roles import role_has_permission
from portal.extensions import db
from portal.models import Department
from portal.models.social_status import SocialStatus
from portal.services import social_status_offers as offers
from portal.staff.labels import department_name
from portal.staff.views import bp

PERMISSION = "social_status.view"
LIST_LIMIT = 500

KIND_NAMES: Mapping[str, str] = {
    "social_assistance": _l("Receives social assistance"),
    "minimum_income": _l("Lives on the minimum income"),
}


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["RULE_PACK"].timezone)).date()


def _departments() -> dict[int, str]:
    return {d.id: department_name(d) for d in db.session.scalars(select(Department))}


@bp.get("/social-status")
@staff_required(PERMISSION)
def social_status_list() -> str:
    """Debtors with an active social status flag, to contact with the offer of help."""
    rows = offers.debtors_with_active_status(db.session(), _today(), limit=LIST_LIMIT)
    return render_template(
        "staff/social_status.html",
        rows=rows,
        kinds=KIND_NAMES,
        departments=_departments(),
        limit=LIST_LIMIT,
    )


def social_status_of(debtor_id: int) -> SocialStatus | None:
    """For the debtor page: the active flag, only for roles that may see it."""
    staff = current_staff()
    if not role_has_permission(staff.role, PERMISSION):
        return None
    return offers.active_social_status(db.session(), debtor_id, _today())


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals["social_status_of"] = social_status_of
    state.app.jinja_env.globals["social_status_kinds"] = KIND_NAMES


from portal.staff import social_status_import  # noqa: E402,F401 - registers the upload page
