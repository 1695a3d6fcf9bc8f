"""Where a citizen's remission application stands (waiting, more information needed, or
decided, with the way into the plan journey for what is left), evidence upload and download,
and withdrawal. Bad files change nothing; other people's applications answer 404.
"""

from __future__ import annotations

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from werkzeug.wrappers import Response

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.citizen import views
from portal.citizen.remission_common import config
from portal.citizen.remission_common import evidence_response
from portal.citizen.remission_common import max_mb
from portal.citizen.remission_common import norms_date
from portal.citizen.remission_common import now
from portal.citizen.remission_common import own
from portal.citizen.remission_common import plan_url
from portal.citizen.remission_common import resume_url
from portal.citizen.remission_common import rules
from portal.citizen.remission_common import session
from portal.citizen.remission_common import status_url
from portal.citizen.remission_forms import REJECTION_TEXTS
from portal.citizen.remission_forms import UPLOAD_MESSAGES
from portal.citizen.remission_forms import ContinueForm
from portal.citizen.remission_forms import EvidenceForm
from portal.citizen.remission_wizard import render_step
from portal.domain.remission_states import RemissionState
from portal.extensions import db
from portal.models import RemissionApplication
from portal.services import remission as svc
from portal.services import remission_evidence as evidence_svc
from portal.services.remission_submission import withdraw_application

bp = views.bp


def _render_status(
    application: RemissionApplication,
    *,
    upload_form: EvidenceForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "citizen/remission_status.html",
        application=application,
        calc=application.calculation,
        norms_date=norms_date(application.calculation),
        claims=svc.claims_of(session(), application),
        upload_form=upload_form or EvidenceForm(formdata=None),
        withdraw_form=ContinueForm(formdata=None),
        plan_url=plan_url(),
        rejection_texts=REJECTION_TEXTS,
        max_mb=max_mb(),
    ), status


@bp.get("/remission/<int:application_id>")
@citizen_required
def remission_status(application_id: int) -> Response | tuple[str, int]:
    """Where the application stands: waiting, more information needed, or decided."""
    application = own(application_id)
    if application.remission_state is RemissionState.DRAFT:
        return redirect(resume_url(application))
    return _render_status(application)


@bp.post("/remission/<int:application_id>/upload")
@citizen_required
def remission_upload(application_id: int) -> Response | tuple[str, int]:
    """Upload one document; back to the page it came from. Bad files change nothing."""
    application = own(application_id)
    form = EvidenceForm()
    back_to_step = application.remission_state is RemissionState.DRAFT
    if form.validate_on_submit():
        upload = form.document.data
        data = upload.read(config().remission_evidence_max_bytes + 1) if upload else b""
        try:
            evidence_svc.store_evidence(
                session(),
                config(),
                application,
                data=data,
                filename=getattr(upload, "filename", None),
                actor=current_actor(),
                now=now(),
            )
        except evidence_svc.EvidenceRejected as error:
            form.document.errors = [str(UPLOAD_MESSAGES[error.reason]) % {"size": max_mb()}]
        else:
            db.session.commit()
            flash(_("Your document was uploaded."), "success")
            if back_to_step:
                return redirect(
                    url_for(
                        "citizen.remission_step", application_id=application.id, step="evidence"
                    )
                )
            return redirect(status_url(application))
    else:
        form.document.errors = [
            _("This form had expired or was sent twice. Nothing was changed. Please try again.")
        ]
    if back_to_step:
        return render_step(
            application, "evidence", ContinueForm(formdata=None), status=400, upload_form=form
        )
    return _render_status(application, upload_form=form, status=400)


@bp.get("/remission/<int:application_id>/evidence/<int:evidence_id>")
@citizen_required
def remission_evidence_file(application_id: int, evidence_id: int) -> Response:
    """The citizen's own document, as a download; 404 for anyone else's."""
    application = own(application_id)
    try:
        item = evidence_svc.get_evidence(session(), evidence_id, debtor_id=application.debtor_id)
    except svc.NoSuchApplication:
        abort(404)
    if item.application_id != application.id:
        abort(404)
    actor = current_actor()
    if actor.staff_user_id is not None:  # desk mode: a staff member's download is audited
        evidence_svc.record_evidence_viewed(session(), item, actor=actor)
        db.session.commit()
    return evidence_response(item)


@bp.post("/remission/<int:application_id>/withdraw")
@citizen_required
def remission_withdraw(application_id: int) -> Response:
    """Stop the application; the bills are collected as before."""
    application = own(application_id)
    form = ContinueForm()
    if not form.validate_on_submit():
        flash(_("This form had expired. Nothing was changed. Please try again."), "error")
        return redirect(status_url(application))
    try:
        withdraw_application(
            session(),
            application,
            actor=current_actor(),
            now=now(),
            as_of=views._today(rules()),  # noqa: SLF001
        )
    except svc.StaleDecision:
        flash(_("We have already decided on this application. Nothing was changed."), "error")
        return redirect(status_url(application))
    db.session.commit()
    flash(_("You withdrew your application."), "success")
    return redirect(status_url(application))
