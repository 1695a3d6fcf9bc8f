"""Staff pages. For now only the home page; the staff workspace is built on top of it."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask_babel import lazy_gettext as _l

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.auth.roles import role_has_permission

bp = Blueprint("staff", __name__, url_prefix="/staff")

ROLE_NAMES = {
    "caseworker": _l("caseworker"),
    "desk": _l("desk staff"),
    "supervisor": _l("supervisor"),
    "department_clerk": _l("department clerk"),
    "admin": _l("administrator"),
}

#: (permission, label, endpoint) of what a role may do; linked once the endpoint exists
HOME_LINKS = (
    ("work.decide", _l("Work queue: plans and remission to decide"), "staff.queue"),
    ("debtor.view", _l("Find a debtor"), "staff.debtors"),
    ("debtor.act_for", _l("Desk mode: help a citizen at the counter"), "staff.desk"),
    ("department.claims", _l("Claims of your department"), "staff.department_claims"),
    ("audit.view", _l("Audit log"), "staff.audit"),
    ("staff.manage", _l("Staff accounts"), "staff.accounts"),
)


@bp.get("/")
@staff_required("staff.home")
def home() -> str:
    """Who is logged in, and what their role may do."""
    staff = current_staff()
    links = [
        (label, endpoint if endpoint in current_app.view_functions else None)
        for permission, label, endpoint in HOME_LINKS
        if role_has_permission(staff.role, permission)
    ]
    return render_template(
        "staff/home.html",
        staff=staff,
        role_name=ROLE_NAMES.get(staff.role, staff.role),
        links=links,
    )


from portal.staff import bank  # noqa: E402,F401 - registers the bank statement pages on bp
from portal.staff import overview_documents  # noqa: E402,F401 - registers its pages on bp
