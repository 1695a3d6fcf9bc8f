"""Staff: make and print a debtor's debt overview (desk and caseworker), audited with both the
staff member and the debtor. Registered on the `staff` blueprint (imported at the bottom of
portal/staff/views.py). A staff member reaches it from a debtor id, or finds the debtor by a
payment reference on /staff/debt-overview."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from portal.auth.guards import current_staff
from portal.auth.guards import staff_required
from portal.config import SUPPORTED_LOCALES
from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Debtor
from portal.services import overview_documents as svc
from portal.services.audit import Actor
from portal.staff.views import bp

PERMISSION = "debtor.document"


class MakeForm(FlaskForm):
    """Only the CSRF token."""


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


@bp.get("/debt-overview")
@staff_required(PERMISSION)
def debt_overview_find() -> tuple[str, int]:
    """Find a debtor by a payment reference, then print their debt overview."""
    reference = request.args.get("reference", "").strip()
    debtor: Debtor | None = None
    message = None
    status = 200
    if reference:
        debtor = svc.find_debtor_by_reference(_session(), _rules(), reference)
        if debtor is None:
            message = _("No bill has this payment reference. Please check it and try again.")
            status = 404
    return render_template(
        "staff/debt_overview.html",
        reference=reference[:60],
        debtor=debtor,
        message=message,
        form=MakeForm(formdata=None),
    ), status


@bp.post("/debtors/<int:debtor_id>/debt-overview")
@staff_required(PERMISSION)
def debt_overview_print(debtor_id: int) -> Response:
    """Make the debtor's debt overview now and return the PDF (to print or hand over)."""
    form = MakeForm()
    if not form.validate_on_submit():
        abort(400)
    session, rules = _session(), _rules()
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        abort(404)
    config: Config = current_app.config["SALDO"]
    staff = current_staff()
    locale = debtor.preferred_locale
    document = svc.create_overview_document(
        session,
        rules,
        config,
        debtor_id=debtor.id,
        requested_by=Actor.staff(staff.staff_user_id, on_behalf_of=debtor.id),
        locale=locale if locale in SUPPORTED_LOCALES else rules.default_locale,
        now=datetime.now(UTC),
        as_of=datetime.now(ZoneInfo(rules.timezone)).date(),
    )
    db.session.commit()
    response = Response(document.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="debt-overview-{document.as_of.isoformat()}-{document.id}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
