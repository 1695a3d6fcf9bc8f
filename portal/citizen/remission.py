"""Remission for citizens: the pre-check (which bills qualify and why others do not) and the
start of an application. The wizard is in remission_wizard.py, the state page with uploads
and withdrawal in remission_status.py; importing this module registers all three.

Registered on the `citizen` blueprint (imported at the bottom of portal/citizen/views.py).
A letter-code login may not apply: an application covers all bills that qualify, and a letter
code opens only that letter's bills (decisions.md "LoginCode service"). In desk mode the staff
member acts on behalf of the citizen (`current_actor`), and both are recorded.
"""

from __future__ import annotations

import secrets

from flask import redirect
from flask import render_template
from flask import request
from flask_babel import _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.citizen import remission_status  # noqa: F401 - registers the state pages on bp
from portal.citizen import remission_wizard  # noqa: F401 - registers the wizard pages on bp
from portal.citizen import views
from portal.citizen.presenters import EID_NAMES
from portal.citizen.remission_common import now
from portal.citizen.remission_common import plan_url
from portal.citizen.remission_common import resume_url
from portal.citizen.remission_common import rules
from portal.citizen.remission_common import session
from portal.citizen.remission_forms import APPLICANT_REASON_TEXTS
from portal.citizen.remission_forms import CLAIM_REASON_TEXTS
from portal.citizen.remission_forms import StartForm
from portal.extensions import db
from portal.services import remission as svc
from portal.services.remission_precheck import precheck
from portal.services.remission_wizard import start_application

bp = views.bp


@bp.route("/remission", methods=["GET", "POST"])
@citizen_required
def remission_start() -> Response | tuple[str, int]:
    """Which bills qualify and why others do not; then start (or continue) an application."""
    citizen, pack = current_citizen(), rules()
    if citizen.claim_scope is not None:
        status = 403 if request.method == "POST" else 200
        eid = EID_NAMES.get(pack.code, "eID")
        return render_template(
            "citizen/remission_start.html", needs_eid=True, eid_name=eid, plan_url=plan_url()
        ), status
    today = views._today(pack)  # noqa: SLF001 - the blueprint's one "today"
    check = precheck(session(), pack, debtor_id=citizen.debtor_id, as_of=today)
    form = StartForm()
    form.claims.choices = [SelectChoice(str(i), str(i)) for i in check.eligible_ids]
    if request.method == "GET":
        form.claims.data = list(check.eligible_ids)
        form.submission_key.data = secrets.token_urlsafe(24)
    message = None
    if form.validate_on_submit():
        try:
            application = start_application(
                session(),
                pack,
                debtor_id=citizen.debtor_id,
                claim_ids=form.claims.data or [],
                submission_key=(form.submission_key.data or "")[:64] or secrets.token_urlsafe(24),
                actor=current_actor(),
                now=now(),
                as_of=today,
            )
        except svc.NotEligible:
            message = _("You cannot apply for these bills. Nothing was saved.")
        except svc.ClaimsNotAllowed:
            form.claims.errors = [
                _("Choose at least one of the bills below that we can waive. Nothing was saved.")
            ]
        else:
            db.session.commit()
            return redirect(resume_url(application))
    elif request.method == "POST":
        if form.claims.errors:
            form.claims.errors = [
                _("Choose at least one of the bills below that we can waive. Nothing was saved.")
            ]
        else:
            message = _("This form had expired. Nothing was saved. Please try again.")
    failed = request.method == "POST"
    return render_template(
        "citizen/remission_start.html",
        check=check,
        form=form,
        message=message,
        needs_eid=False,
        plan_url=plan_url(),
        claim_texts=CLAIM_REASON_TEXTS,
        applicant_texts=APPLICANT_REASON_TEXTS,
        resume_url=resume_url(check.open_application) if check.open_application else None,
    ), 400 if failed else 200
