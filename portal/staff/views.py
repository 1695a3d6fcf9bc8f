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
    "finance": _l("finance officer"),
}

#: (permission, label, endpoint) of what a role may do; linked once the endpoint exists
HOME_LINKS = (
    ("work.decide", _l("Work queue: plans and remission to decide"), "staff.queue"),
    ("work.decide", _l("Early signals: who to contact"), "staff.signals"),
    ("debtor.view", _l("Find a debtor"), "staff.debtors"),
    ("debtor.act_for", _l("Desk mode: help a citizen at the counter"), "staff.desk"),
    ("disputes.decide", _l("Disputed bills: citizens who say a bill is wrong"), "staff.disputes"),
    ("department.claims", _l("Claims of your department"), "staff.department_claims"),
    ("audit.view", _l("Audit log"), "staff.audit"),
    ("staff.manage", _l("Staff accounts"), "staff.accounts"),
    ("staff.manage", _l("API tokens of the departments"), "staff.api_tokens"),
    ("department.claims", _l("Import claims from a file"), "staff.claims_import"),
    ("reports.view", _l("Reports"), "staff.reports"),
    ("claims.write_off", _l("Write-off proposals: time-barred bills"), "staff.write_offs"),
    ("handover.manage", _l("Hand-over to the external collector"), "staff.handover"),
    ("appointments.manage", _l("Desk appointments and slots"), "staff.appointments"),
    ("work.decide", _l("Call-backs: citizens who asked us to call"), "staff.callbacks"),
    ("feedback.view", _l("Citizen feedback"), "staff.feedback"),
    ("social_status.view", _l("People offered help (social status)"), "staff.social_status_list"),
    ("social_status.import", _l("Import social status from a file"), "staff.social_status_import"),
    ("finance.export", _l("Finance: journal and bank reconciliation"), "staff.finance"),
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


from portal.staff import api_tokens  # noqa: E402,F401 - registers the API token pages on bp
from portal.staff import appointments  # noqa: E402,F401 - appointments, call-backs, feedback
from portal.staff import audit_log  # noqa: E402,F401 - registers the audit log viewer on bp
from portal.staff import bank  # noqa: E402,F401 - registers the bank statement pages on bp
from portal.staff import claim_import  # noqa: E402,F401 - registers the CSV claim import page on bp
from portal.staff import credits  # noqa: E402,F401 - registers the credit and refund pages on bp
from portal.staff import debtors  # noqa: E402,F401 - registers the debtor pages on bp
from portal.staff import desk  # noqa: E402,F401 - registers desk mode on bp
from portal.staff import disputes  # noqa: E402,F401 - registers the dispute pages on bp
from portal.staff import finance  # noqa: E402,F401 - registers the finance export pages on bp
from portal.staff import handover  # noqa: E402,F401 - registers the hand-over pages on bp
from portal.staff import legal_stops  # noqa: E402,F401 - registers the legal stop pages on bp
from portal.staff import mandates  # noqa: E402,F401 - direct debit mandates of a debtor (issue 8)
from portal.staff import overview_documents  # noqa: E402,F401 - registers its pages on bp
from portal.staff import plans  # noqa: E402,F401 - registers the plan decision pages on bp
from portal.staff import queue  # noqa: E402,F401 - registers the work queue on bp
from portal.staff import remission  # noqa: E402,F401 - registers the remission decision pages on bp
from portal.staff import reports  # noqa: E402,F401 - registers the report pages on bp
from portal.staff import representatives  # noqa: E402,F401 - issue 9: mandates of representatives
from portal.staff import signals  # noqa: E402,F401 - registers the early-signal worklist on bp
from portal.staff import social_status  # noqa: E402,F401 - social status list and upload (issue 8)
from portal.staff import write_offs  # noqa: E402,F401 - registers the write-off list on bp
